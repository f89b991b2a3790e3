//! PlayGenie's models, written with Burn.
//!
//! This crate is pure machine learning: feature matrices and id sequences go
//! in, trained weights and ranked scores come out. It knows nothing about
//! files, SQLite or Tauri, so it can be tested alone and reused by the CLI,
//! the app and the benchmarks alike.
//!
//! * [`device`] makes the one compute-backend choice of a process: a wgpu
//!   adapter when a real one exists, else Burn's CPU backend (Flex).
//! * [`selftest`] is a tiny, fully deterministic network used to prove that a
//!   backend computes what the CPU computes (forward pass and one Adam step).

pub mod device;
pub mod selftest;

pub use device::{AdapterInfo, BackendKind, BackendSummary, ComputeBackend, DevicePreference};
