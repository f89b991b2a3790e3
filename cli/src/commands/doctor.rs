//! `playgenie doctor`: versions, data paths and the compute backend.

use std::process::ExitCode;

use playgenie_core::{doctor, ComputeBackend, Core, DevicePreference};

use super::Outcome;
use crate::output::print_json;

#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Also run a forward pass and an Adam step on the backend in use
    /// and compare the numbers with the CPU's.
    #[arg(long)]
    self_test: bool,
    /// Compute device: auto (a hardware GPU if present), gpu or cpu.
    #[arg(long, env = playgenie_models::device::DEVICE_ENV, default_value = "auto")]
    device: DevicePreference,
}

impl DoctorArgs {
    pub fn run(self, core: Core) -> Outcome {
        let backend = ComputeBackend::select(self.device);
        let report = doctor::report(&core, &backend, self.self_test)?;
        if self.json {
            print_json(&report);
        } else {
            print!("{}", report.render());
        }
        let failed = report.self_test.as_ref().is_some_and(|t| !t.passed);
        Ok(if failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        })
    }
}
