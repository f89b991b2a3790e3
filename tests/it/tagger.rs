//! MusiCNN in Burn against the original: the per-patch tag probabilities
//! and 200-d embeddings of musicnn's own `models.py` under TensorFlow
//! (tests/data/musicnn, written by scripts/musicnn-reference.py from real
//! demo-library audio), reproduced from the same log-mel patches with the
//! committed weights, on the CPU and on wgpu (lavapipe in CI).

use playgenie_models::musicnn::{Musicnn, EMBEDDING, FRAMES, MELS, TAGS};
use playgenie_models::{ComputeBackend, DevicePreference};

use crate::common;

fn floats(name: &str) -> Vec<f32> {
    let path = common::repo_dir().join("tests/data/musicnn").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Runs both models on `backend` and compares with the reference.
fn matches_the_original_on(backend: &ComputeBackend) {
    let patches = floats("patches.f32");
    let n = patches.len() / (FRAMES * MELS);
    assert_eq!(n * FRAMES * MELS, patches.len());
    for model in ["MSD_musicnn", "MTT_musicnn"] {
        let weights_path = common::repo_dir()
            .join("models/weights/musicnn")
            .join(format!("{model}.safetensors"));
        let weights = std::fs::read(&weights_path).expect("weights");
        let net = Musicnn::from_safetensors(&weights, backend.device()).expect("load");
        assert_eq!(net.tags().len(), TAGS);
        let (probabilities, embedding) = net.tag_patches(&patches).expect("forward");
        let want_p = floats(&format!("{model}.sigmoid.f32"));
        let want_e = floats(&format!("{model}.embedding.f32"));
        assert_eq!(want_p.len(), n * TAGS);
        assert_eq!(want_e.len(), n * EMBEDDING);
        let dp = max_abs_diff(&probabilities, &want_p);
        let de = max_abs_diff(&embedding, &want_e);
        let scale = want_e.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        eprintln!(
            "{model} on {}: {n} patches, max |Δ sigmoid| {dp:.2e}, max |Δ embedding| {de:.2e} (largest value {scale:.2})",
            backend.summary().label
        );
        assert!(dp <= 1e-4, "{model}: sigmoids differ by {dp}");
        assert!(
            de <= 1e-4 * scale.max(1.0),
            "{model}: embeddings differ by {de}"
        );
    }
}

#[test]
fn musicnn_matches_the_original_on_the_cpu() {
    matches_the_original_on(&ComputeBackend::select(DevicePreference::Cpu));
}

#[test]
fn musicnn_matches_the_original_on_wgpu() {
    if let Some(gpu) = common::wgpu_or_skip("tagger") {
        matches_the_original_on(&gpu);
    }
}

/// The front end: our log-mel patches of the reference's own 16 kHz samples
/// equal its patches (to an f16 step), and the tags they give equal the
/// original's.
#[test]
fn the_log_mel_front_end_matches_the_reference_patches_and_tags() {
    use playgenie_core::analysis::melspec;
    let pcm = floats("pcm16k.f32");
    let reference = floats("patches.f32");
    let tracks = 2;
    let per_track = pcm.len() / tracks;
    let per_patch = FRAMES * MELS;
    let patches_per_track = reference.len() / per_patch / tracks;
    let mut ours = Vec::with_capacity(reference.len());
    for track in pcm.chunks_exact(per_track) {
        let p = melspec::patches(track);
        ours.extend_from_slice(&p[..patches_per_track * per_patch]);
    }
    let d = max_abs_diff(&ours, &reference);
    let mean: f32 = ours
        .iter()
        .zip(&reference)
        .map(|(a, b)| (a - b).abs())
        .sum::<f32>()
        / ours.len() as f32;
    eprintln!("log-mel patches: max |Δ| {d:.2e}, mean |Δ| {mean:.2e}");
    // One f16 step of a mel value moves its log by at most ~4e-4.
    assert!(d <= 2e-3, "patches differ by {d}");

    let weights =
        std::fs::read(common::repo_dir().join("models/weights/musicnn/MSD_musicnn.safetensors"))
            .expect("weights");
    let cpu = ComputeBackend::select(DevicePreference::Cpu);
    let net = Musicnn::from_safetensors(&weights, cpu.device()).expect("load");
    let (probabilities, _) = net.tag_patches(&ours).expect("forward");
    let dp = max_abs_diff(&probabilities, &floats("MSD_musicnn.sigmoid.f32"));
    eprintln!("tags from our patches: max |Δ sigmoid| {dp:.2e}");
    assert!(dp <= 1e-3, "tags from our front end differ by {dp}");
}
