import { render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import BackendBadge from "./BackendBadge.svelte";

describe("BackendBadge", () => {
  it("shows the detecting state before the probe answers", () => {
    render(BackendBadge, { backend: null });
    expect(screen.getByTestId("backend-label").textContent).toMatch(/Detecting/);
  });

  it("shows the adapter and explains the choice in its title", () => {
    render(BackendBadge, {
      backend: {
        kind: "cpu",
        label: "cpu (flex)",
        preference: "auto",
        adapter: { name: "llvmpipe", api: "Vulkan", device_type: "Cpu", driver: "", software: true },
        reason: "only a software wgpu adapter was found",
      },
    });
    const badge = screen.getByTestId("backend");
    expect(badge.textContent).toContain("CPU");
    expect(badge.getAttribute("title")).toBe("Only a software wgpu adapter was found.");
  });
});
