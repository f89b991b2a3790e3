//! The wgpu path must compute what the CPU path computes, not merely start.
//!
//! On machines without a GPU, Mesa's lavapipe (Debian `mesa-vulkan-drivers`)
//! provides a software Vulkan adapter; the project's setup script installs it,
//! so this test requires an adapter. Set `PLAYGENIE_SKIP_GPU_TESTS=1` only on a
//! machine that has no Vulkan driver at all and cannot install one.

use playgenie_models::selftest;
use playgenie_models::{BackendKind, ComputeBackend, DevicePreference};

/// Float32 on different kernels (GPU reductions, fused ops) differs in the
/// last bits; a real bug differs by orders of magnitude more.
const TOLERANCE: f32 = 1e-4;

#[test]
fn wgpu_forward_and_adam_step_match_the_cpu() {
    if std::env::var_os("PLAYGENIE_SKIP_GPU_TESTS").is_some() {
        eprintln!("PLAYGENIE_SKIP_GPU_TESTS is set: skipping the wgpu comparison");
        return;
    }
    let gpu = ComputeBackend::select(DevicePreference::Gpu);
    assert_eq!(
        gpu.kind,
        BackendKind::Wgpu,
        "no wgpu adapter: {} (install mesa-vulkan-drivers)",
        gpu.reason
    );
    let adapter = gpu
        .adapter
        .as_ref()
        .expect("a wgpu backend names its adapter");
    eprintln!("wgpu adapter: {adapter}");

    let on_gpu = selftest::run(&gpu.device).expect("self-test on wgpu");
    let on_cpu = selftest::run(&ComputeBackend::select(DevicePreference::Cpu).device)
        .expect("self-test on the CPU");

    let diff = on_gpu.max_abs_diff(&on_cpu);
    eprintln!(
        "loss cpu {} gpu {}; after one step cpu {} gpu {}; max |diff| {diff:e}",
        on_cpu.loss, on_gpu.loss, on_cpu.loss_after_step, on_gpu.loss_after_step
    );
    assert!(diff <= TOLERANCE, "wgpu and CPU disagree by {diff}");
    assert!(on_gpu.loss_after_step < on_gpu.loss);
}
