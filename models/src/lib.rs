//! PlayGenie's models, written with Burn.
//!
//! This crate is pure machine learning: feature matrices and id sequences go
//! in, trained weights and ranked scores come out. It knows nothing about
//! files, SQLite or Tauri, so it can be tested alone and reused by the CLI,
//! the app and the benchmarks alike.
//!
//! * [`device`] makes the one compute-backend choice of a process: a wgpu
//!   adapter when a real one exists, else Burn's CPU backend (Flex).
//! * [`data`], [`metrics`] and [`baselines`]: playlist continuation data in
//!   memory, the benchmark's metrics, and the simple methods to beat.
//! * [`selftest`] is a tiny, fully deterministic network used to prove that a
//!   backend computes what the CPU computes (forward pass and one Adam step).

pub mod baselines;
pub mod data;
pub mod device;
pub mod listener;
pub mod metrics;
pub mod musicnn;
pub mod selftest;
pub mod vae;

/// Burn's `Config` trait (save/load of configs), for callers without Burn.
pub use burn::config::Config;
pub use device::{AdapterInfo, BackendKind, BackendSummary, ComputeBackend, DevicePreference};
