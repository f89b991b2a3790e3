// The UI's only door to the core: typed wrappers over Tauri commands and the
// one `core-event` stream. Components never call `invoke` themselves.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AppStatus, CoreEvent, SelfTestReport } from "./types";

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
