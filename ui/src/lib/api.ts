// The UI's only door to the core: typed wrappers over Tauri commands and the
// one `core-event` stream. Components never call `invoke` themselves.

import { convertFileSrc, invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { open } from "@tauri-apps/plugin-dialog";
import type { AppStatus, CoreEvent, LibraryFolder, ScanErrorRow, SelfTestReport, LibraryRow } from "./types";

export const CORE_EVENT = "core-event";

/** A command's error, as the Rust side words it. */
export function errorMessage(err: unknown): string {
  if (typeof err === "string") return err;
  if (err instanceof Error) return err.message;
  return JSON.stringify(err);
}

export function appStatus(): Promise<AppStatus> {
  return invoke<AppStatus>("app_status");
}

export function runSelfTest(): Promise<SelfTestReport> {
  return invoke<SelfTestReport>("run_self_test");
}

export function onCoreEvent(handler: (event: CoreEvent) => void): Promise<UnlistenFn> {
  return listen<CoreEvent>(CORE_EVENT, (event) => handler(event.payload));
}

export function listTracks(): Promise<LibraryRow[]> {
  return invoke<LibraryRow[]>("list_tracks");
}

export function scanErrors(): Promise<ScanErrorRow[]> {
  return invoke<ScanErrorRow[]>("scan_errors");
}

export function startScan(): Promise<boolean> {
  return invoke<boolean>("start_scan");
}

export function cancelScan(): Promise<boolean> {
  return invoke<boolean>("cancel_scan");
}

export function removeLibraryFolder(path: string): Promise<boolean> {
  return invoke<boolean>("remove_library_folder", { path });
}

/** Asks for a folder in the system dialog and adds it; null if cancelled. */
export async function pickAndAddFolder(): Promise<LibraryFolder | null> {
  const picked = await open({ directory: true, multiple: false, title: "Add a music folder" });
  if (typeof picked !== "string") return null;
  return invoke<LibraryFolder>("add_library_folder", { path: picked });
}

/** URL of a cover thumbnail, served by the app's `cover:` protocol. */
export function coverUrl(key: string): string {
  return convertFileSrc(key, "cover");
}
