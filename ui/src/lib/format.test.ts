import { describe, expect, it } from "vitest";
import { backendDetail, backendLabel, countFiles, endText, folderName, formatClock, formatListening, formatRate, lastDays, moved, rateChange, selfTestSummary, totalFiles } from "./format";
import type { BackendSummary } from "./types";

const gpu: BackendSummary = {
  kind: "wgpu",
  label: "gpu (wgpu)",
  preference: "auto",
  adapter: { name: "NVIDIA H100", api: "Vulkan", device_type: "DiscreteGpu", driver: "", software: false },
  reason: "hardware GPU found: NVIDIA H100 via Vulkan (DiscreteGpu)",
};

const cpu: BackendSummary = {
  kind: "cpu",
  label: "cpu (flex)",
  preference: "auto",
  adapter: null,
  reason: "no usable wgpu adapter (none found); using the CPU backend",
};

describe("backend labels", () => {
  it("names the adapter on the GPU", () => {
    expect(backendLabel(gpu)).toBe("GPU · NVIDIA H100");
  });
  it("says CPU on the fallback", () => {
    expect(backendLabel(cpu)).toBe("CPU · Burn Flex");
  });
  it("says it is still detecting before the probe ends", () => {
    expect(backendLabel(null)).toMatch(/Detecting/);
  });
  it("turns the reason into a sentence", () => {
    expect(backendDetail(cpu)).toBe("No usable wgpu adapter (none found); using the CPU backend.");
  });
});

describe("library figures", () => {
  it("pluralises and groups digits", () => {
    expect(countFiles(1)).toBe("1 music file");
    expect(countFiles(1234)).toBe("1,234 music files");
  });
  it("shows the last folder name", () => {
    expect(folderName({ path: "/home/a/Music/", exists: true, audio_files: 3 })).toBe("Music");
  });
  it("adds up files over folders", () => {
    expect(
      totalFiles([
        { path: "/a", exists: true, audio_files: 3 },
        { path: "/b", exists: false, audio_files: 4 },
      ]),
    ).toBe(7);
  });
});

describe("self-test summary", () => {
  it("reports the verdict and numbers", () => {
    const text = selfTestSummary({ loss: 0.5, loss_after_step: 0.4, max_abs_diff_vs_cpu: 2e-7, millis: 12.4, passed: true });
    expect(text).toBe("Passed: loss 0.5000 → 0.4000 after one Adam step; max difference from the CPU 2.0e-7; 12 ms");
  });
});

describe("player and history formatting", () => {
  it("formats clocks", () => {
    expect(formatClock(0)).toBe("0:00");
    expect(formatClock(187_400)).toBe("3:07");
    expect(formatClock(3_723_000)).toBe("1:02:03");
    expect(formatClock(null)).toBe("0:00");
  });
  it("formats listening time", () => {
    expect(formatListening(40_000)).toBe("40 s");
    expect(formatListening(12 * 60_000)).toBe("12 min");
    expect(formatListening(65 * 60_000)).toBe("1 h 5 min");
  });
  it("says how a play ended", () => {
    expect(endText("skipped", 42_000)).toBe("skipped at 0:42");
    expect(endText("finished", 180_000)).toBe("finished");
  });
  it("lists the last days, oldest first, across a month's end", () => {
    const days = lastDays(3, new Date(2026, 11, 1));
    expect(days.map((d) => d.day)).toEqual(["2026-11-29", "2026-11-30", "2026-12-01"]);
  });
  it("formats rates and their changes", () => {
    expect(formatRate(1 / 3)).toBe("33 %");
    expect(formatRate(null)).toBe("–");
    expect(formatRate(Number.NaN)).toBe("–");
    expect(rateChange(0.5, 0.25)).toBe("+25 pt");
    expect(rateChange(0.2, 0.25)).toBe("−5 pt");
    expect(rateChange(0.25, 0.25)).toBe("±0 pt");
    expect(rateChange(0.25, null)).toBe("");
  });
  it("moves an item", () => {
    expect(moved(["a", "b", "c", "d"], 0, 2)).toEqual(["b", "c", "a", "d"]);
    expect(moved(["a", "b", "c"], 2, 0)).toEqual(["c", "a", "b"]);
  });
});
