#!/usr/bin/env python3
"""Reference outputs of MusiCNN for PlayGenie's Burn port, computed by the
original implementation: musicnn's own `models.py` (from the 0.1.0 wheel)
under TensorFlow 2.15's v1 graph mode, with the wheel's checkpoints.

    python3 -m venv venv && venv/bin/pip install "tensorflow-cpu==2.15.*" "numpy==1.26.*"
    venv/bin/python scripts/musicnn-reference.py [--wheel FILE]

It takes real audio (demo-library tracks, decoded to 16 kHz mono by
ffmpeg), cuts log-mel patches of 187 frames × 96 mels (the input
pipeline of AUDIO_TAGGER.md: STFT 512/256, periodic Hann, Slaney mels, f16
rounding, log10(10000x + 1) in f32), runs the network on them and writes
tests/data/musicnn/: the 16 kHz samples the patches came from, the patches
and, per model, the per-patch sigmoids and the 200-d embedding, as
little-endian f32, with manifest.json. The Burn
port must reproduce the outputs from the same patches (tests/it/tagger.rs).
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

WHEEL_SHA256 = "f38a4890c648c1ddbb141c5d96d2b0a8cfcd36746002d896989f7b88beb65cfa"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRACKS = [
    # (file under assets/demo-library, start in seconds)
    ("Battle for Wesnoth/journeys_end.ogg", 5.0),
    ("Endgame Singularity/Coherence.ogg", 5.0),
]
PATCHES_PER_TRACK = 2
SR, N_FFT, HOP, N_MELS, FRAMES = 16000, 512, 256, 96, 187


def hz_to_mel(f):
    f = np.asanyarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, mels)


def mel_to_hz(m):
    m = np.asanyarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    freqs = f_sp * m
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), freqs)


def slaney_mel_filters():
    fft_freqs = np.linspace(0, SR / 2, 1 + N_FFT // 2)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(SR / 2), N_MELS + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fft_freqs)
    weights = np.zeros((N_MELS, len(fft_freqs)))
    for i in range(N_MELS):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2 : N_MELS + 2] - mel_f[:N_MELS]))[:, None]
    return weights.astype(np.float32)


def log_mel(audio):
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    padded = np.pad(audio, N_FFT // 2, mode="constant")
    frames = 1 + (len(padded) - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(frames)[:, None]
    spectrum = np.abs(np.fft.rfft(padded[idx] * window, axis=1)) ** 2
    mel = (spectrum.astype(np.float32) @ slaney_mel_filters().T).astype(np.float16)
    return np.log10(10000.0 * mel.astype(np.float32) + 1.0).astype(np.float32)


def decode(path, start):
    pcm = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", str(start), "-t", "20", "-i", path,
         "-ac", "1", "-ar", str(SR), "-f", "f32le", "-"],
        check=True, capture_output=True,
    ).stdout
    return np.frombuffer(pcm, dtype="<f4")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wheel", default=os.path.expanduser("~/.cache/playgenie/musicnn/musicnn-0.1.0-py3-none-any.whl"))
    parser.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "musicnn"))
    args = parser.parse_args()
    with open(args.wheel, "rb") as f:
        if hashlib.sha256(f.read()).hexdigest() != WHEEL_SHA256:
            sys.exit("error: not the musicnn 0.1.0 wheel (sha256 differs)")

    patches, sources, pcm = [], [], []
    # Enough samples for the patches' frames (frame t reads samples up to
    # t * HOP + N_FFT / 2), kept so the Rust front end is tested on them.
    keep = PATCHES_PER_TRACK * FRAMES * HOP + N_FFT
    for name, start in TRACKS:
        audio = decode(os.path.join(ROOT, "assets", "demo-library", name), start)
        pcm.append(audio[:keep])
        mel = log_mel(audio)
        for p in range(PATCHES_PER_TRACK):
            patches.append(mel[p * FRAMES : (p + 1) * FRAMES])
            sources.append({"track": name, "start_s": start, "patch": p})
    patches = np.stack(patches).astype(np.float32)

    import tensorflow as tf

    tf.compat.v1.disable_eager_execution()
    outputs = {}
    with tempfile.TemporaryDirectory() as tmp:
        zipfile.ZipFile(args.wheel).extractall(tmp)
        sys.path.insert(0, tmp)
        from musicnn import models

        for model in ["MSD_musicnn", "MTT_musicnn"]:
            graph = tf.Graph()
            with graph.as_default():
                x = tf.compat.v1.placeholder(tf.float32, [None, FRAMES, N_MELS])
                logits, *_, penultimate = models.define_model(x, False, model, 50)
                sigmoid = tf.nn.sigmoid(logits)
                saver = tf.compat.v1.train.Saver()
                with tf.compat.v1.Session() as sess:
                    saver.restore(sess, os.path.join(tmp, "musicnn", model) + "/")
                    s, e = sess.run([sigmoid, penultimate], feed_dict={x: patches})
            outputs[model] = (s.astype(np.float32), e.astype(np.float32))

    os.makedirs(args.out, exist_ok=True)
    patches.astype("<f4").tofile(os.path.join(args.out, "patches.f32"))
    np.stack(pcm).astype("<f4").tofile(os.path.join(args.out, "pcm16k.f32"))
    for model, (s, e) in outputs.items():
        s.astype("<f4").tofile(os.path.join(args.out, f"{model}.sigmoid.f32"))
        e.astype("<f4").tofile(os.path.join(args.out, f"{model}.embedding.f32"))
    manifest = {
        "patches": len(patches),
        "frames": FRAMES,
        "mels": N_MELS,
        "sources": sources,
        "pcm16k": {"tracks": len(pcm), "samples_per_track": int(keep)},
        "reference": f"musicnn 0.1.0 models.py under TensorFlow {tf.__version__}, numpy {np.__version__}",
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    for model, (s, _) in outputs.items():
        top = np.argsort(-s.mean(axis=0))[:3]
        print(model, "top tags (indices) by mean sigmoid:", top.tolist(), np.round(s.mean(axis=0)[top], 3).tolist())


if __name__ == "__main__":
    main()
