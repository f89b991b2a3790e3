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

/** "3:07" or "1:02:03" from milliseconds. */
export function formatClock(ms: number | null | undefined): string {
  const s = Math.max(0, Math.round((ms ?? 0) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** "1 h 5 min", "12 min", "40 s": a listening time. */
export function formatListening(ms: number): string {
  const minutes = Math.round(ms / 60000);
  if (ms < 60000) return `${Math.round(ms / 1000)} s`;
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** How a play ended, in words: "finished", "skipped at 0:42". */
export function endText(reason: string, positionMs: number | null): string {
  if (reason === "skipped" || reason === "stopped") {
    return positionMs == null ? reason : `${reason} at ${formatClock(positionMs)}`;
  }
  return reason;
}

/** Moves the item at `from` to `to` in a copy of `items`. */
export function moved<T>(items: T[], from: number, to: number): T[] {
  const copy = items.slice();
  const [item] = copy.splice(from, 1);
  copy.splice(to, 0, item);
  return copy;
}

/** The last `n` local days, oldest first: the `YYYY-MM-DD` key the core
 * uses for a day and a short label ("Dec 2"). */
export function lastDays(n: number, today: Date = new Date()): { day: string; label: string }[] {
  const out: { day: string; label: string }[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const d = new Date(today.getFullYear(), today.getMonth(), today.getDate() - i);
    const day = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
    out.push({ day, label: d.toLocaleDateString(undefined, { month: "short", day: "numeric" }) });
  }
  return out;
}

/** A rate as a whole percentage ("33 %"), or "–" when there is nothing to rate. */
export function formatRate(rate: number | null | undefined): string {
  return rate == null || !Number.isFinite(rate) ? "–" : `${Math.round(rate * 100)} %`;
}

/** The change of a rate in percentage points ("+5 pt", "−3 pt"), or "" when either side is missing. */
export function rateChange(now: number | null | undefined, before: number | null | undefined): string {
  if (now == null || before == null) return "";
  const points = Math.round((now - before) * 100);
  if (points === 0) return "±0 pt";
  return points > 0 ? `+${points} pt` : `−${-points} pt`;
}
