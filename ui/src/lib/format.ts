// Pure presentation helpers (unit-tested in format.test.ts).

import type { BackendSummary, LibraryFolder, SelfTestReport } from "./types";

/** Short label for the status bar, e.g. "GPU · NVIDIA H100" or "CPU". */
export function backendLabel(backend: BackendSummary | null): string {
  if (!backend) return "Detecting compute backend…";
  if (backend.kind === "wgpu") {
    const name = backend.adapter?.name ?? "unknown adapter";
    return `GPU · ${name}`;
  }
  return "CPU · Burn Flex";
}

/** The sentence shown under the label: why this backend. */
export function backendDetail(backend: BackendSummary | null): string {
  if (!backend) return "PlayGenie is checking for a GPU.";
  const reason = backend.reason.charAt(0).toUpperCase() + backend.reason.slice(1);
  return reason.endsWith(".") ? reason : `${reason}.`;
}

/** "1 music file", "1,234 music files". */
export function countFiles(n: number): string {
  const formatted = n.toLocaleString("en-US");
  return `${formatted} music file${n === 1 ? "" : "s"}`;
}

/** The last path component, for compact folder lists. */
export function folderName(folder: LibraryFolder): string {
  const parts = folder.path.split(/[\\/]/).filter(Boolean);
  return parts.length ? parts[parts.length - 1] : folder.path;
}

export function totalFiles(folders: LibraryFolder[]): number {
  return folders.reduce((sum, f) => sum + f.audio_files, 0);
}

/** One line describing a self-test result. */
export function selfTestSummary(t: SelfTestReport): string {
  const verdict = t.passed ? "Passed" : "Failed";
  return (
    `${verdict}: loss ${t.loss.toFixed(4)} → ${t.loss_after_step.toFixed(4)} after one Adam step; ` +
    `max difference from the CPU ${t.max_abs_diff_vs_cpu.toExponential(1)}; ${Math.round(t.millis)} ms`
  );
}
