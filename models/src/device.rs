//! The compute-backend choice: GPU through wgpu when a real adapter exists,
//! else Burn's pure-Rust CPU backend (Flex).
//!
//! Burn 0.22 picks devices at run time (there is no backend type parameter),
//! so the whole application holds one [`ComputeBackend`] value and hands its
//! [`Device`] to every model. The choice is made once per process: Burn's wgpu
//! runtime can be initialised only once, so the probe result is cached.
//!
//! Why a software adapter does not win in `auto` mode: Mesa's lavapipe gives
//! wgpu a perfectly correct Vulkan device on machines without a GPU, but for
//! PlayGenie's small models it is about 25x slower than Flex. `auto` therefore
//! uses wgpu only for hardware adapters (discrete, integrated or virtual GPUs)
//! and says why it fell back; `PLAYGENIE_DEVICE=gpu` forces wgpu anyway.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

/// Name of the environment variable that overrides the backend choice.
pub const DEVICE_ENV: &str = "PLAYGENIE_DEVICE";

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum DevicePreference {
    /// A hardware GPU through wgpu when one exists, else the CPU.
    #[default]
    Auto,
    /// wgpu on whatever adapter exists, software ones included.
    Gpu,
    /// Burn's CPU backend (Flex), no probing at all.
    Cpu,
}

/// The preference could not be parsed.
#[derive(Debug, thiserror::Error)]
#[error("unknown compute device '{0}': use auto, gpu or cpu")]
pub struct UnknownPreference(String);

impl FromStr for DevicePreference {
    type Err = UnknownPreference;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(Self::Auto),
            "gpu" | "wgpu" => Ok(Self::Gpu),
            "cpu" | "flex" => Ok(Self::Cpu),
            _ => Err(UnknownPreference(s.to_owned())),
        }
    }
}

impl fmt::Display for DevicePreference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Gpu => "gpu",
            Self::Cpu => "cpu",
        })
    }
}

impl DevicePreference {
    /// Reads [`DEVICE_ENV`]. An unset variable means `auto`; a malformed one
    /// is an error so a typo never silently changes the backend.
    pub fn from_env() -> Result<Self, UnknownPreference> {
        match std::env::var(DEVICE_ENV) {
            Ok(value) => value.parse(),
            Err(_) => Ok(Self::Auto),
        }
    }
}

/// Which Burn backend runs the models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum BackendKind {
    /// wgpu (Vulkan, Metal, DX12 or GL) through CubeCL.
    Wgpu,
    /// Burn's CPU backend, Flex.
    Cpu,
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Wgpu => "gpu (wgpu)",
            Self::Cpu => "cpu (flex)",
        })
    }
}

/// A wgpu adapter as a person would want it described.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AdapterInfo {
    /// Adapter name, e.g. "NVIDIA H100" or "llvmpipe (LLVM 15.0.6, 256 bits)".
    pub name: String,
    /// Graphics API: "Vulkan", "Metal", "Dx12", "Gl".
    pub api: String,
    /// "DiscreteGpu", "IntegratedGpu", "VirtualGpu", "Cpu" or "Other".
    pub device_type: String,
    /// Driver name and version, when the driver reports them.
    pub driver: String,
    /// True for software rasterisers such as Mesa's lavapipe.
    pub software: bool,
}

impl fmt::Display for AdapterInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} via {} ({})", self.name, self.api, self.device_type)
    }
}

/// The backend a process computes on, and why it was chosen.
#[derive(Debug, Clone)]
pub struct ComputeBackend {
    /// The Burn device to create models and tensors on (without autodiff).
    pub device: Device,
    /// Which backend that device belongs to.
    pub kind: BackendKind,
    /// The wgpu adapter that was found, even when the CPU was chosen.
    pub adapter: Option<AdapterInfo>,
    /// What was asked for.
    pub preference: DevicePreference,
    /// One sentence explaining the choice, for logs, `doctor` and the app.
    pub reason: String,
}

impl ComputeBackend {
    /// Chooses the backend for `preference`. Never panics: every failure to
    /// bring up wgpu ends on the CPU backend with the failure as the reason.
    pub fn select(preference: DevicePreference) -> Self {
        let chosen = match preference {
            DevicePreference::Cpu => Self::cpu(
                None,
                preference,
                format!("{DEVICE_ENV}=cpu asked for the CPU backend"),
            ),
            DevicePreference::Gpu => match wgpu_device() {
                Ok((device, adapter)) => Self {
                    reason: format!("{DEVICE_ENV}=gpu asked for wgpu; using {adapter}"),
                    device,
                    kind: BackendKind::Wgpu,
                    adapter: Some(adapter),
                    preference,
                },
                Err(why) => Self::cpu(
                    None,
                    preference,
                    format!("{DEVICE_ENV}=gpu asked for wgpu, but {why}; using the CPU backend"),
                ),
            },
            DevicePreference::Auto => match wgpu_device() {
                Ok((device, adapter)) if !adapter.software => Self {
                    reason: format!("hardware GPU found: {adapter}"),
                    device,
                    kind: BackendKind::Wgpu,
                    adapter: Some(adapter),
                    preference,
                },
                Ok((_, adapter)) => {
                    let reason = format!(
                        "only a software wgpu adapter was found ({adapter}); the CPU backend is \
                         much faster than a software rasteriser, so it is used \
                         (set {DEVICE_ENV}=gpu to force wgpu)"
                    );
                    Self::cpu(Some(adapter), preference, reason)
                }
                Err(why) => Self::cpu(
                    None,
                    preference,
                    format!("no usable wgpu adapter ({why}); using the CPU backend"),
                ),
            },
        };
        tracing::info!(backend = %chosen.kind, reason = %chosen.reason, "compute backend chosen");
        chosen
    }

    /// Chooses the backend from [`DEVICE_ENV`]; a malformed value is logged
    /// and treated as `auto`.
    pub fn from_env() -> Self {
        let preference = DevicePreference::from_env().unwrap_or_else(|err| {
            tracing::warn!(%err, "ignoring {DEVICE_ENV}");
            DevicePreference::Auto
        });
        Self::select(preference)
    }

    fn cpu(adapter: Option<AdapterInfo>, preference: DevicePreference, reason: String) -> Self {
        Self {
            device: Device::flex(),
            kind: BackendKind::Cpu,
            adapter,
            preference,
            reason,
        }
    }

    /// A serialisable description, for `doctor`, logs and the app.
    pub fn summary(&self) -> BackendSummary {
        BackendSummary {
            kind: self.kind,
            label: self.kind.to_string(),
            preference: self.preference,
            adapter: self.adapter.clone(),
            reason: self.reason.clone(),
        }
    }

    /// The plain device (inference; training adds autodiff itself).
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The device with gradients enabled, for training.
    pub fn training_device(&self) -> Device {
        self.device.clone().autodiff()
    }
}

/// What [`ComputeBackend::summary`] reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BackendSummary {
    /// The backend in use.
    pub kind: BackendKind,
    /// The backend in words, e.g. "cpu (flex)".
    pub label: String,
    /// What was asked for.
    pub preference: DevicePreference,
    /// The wgpu adapter found, if any (also when the CPU was chosen).
    pub adapter: Option<AdapterInfo>,
    /// Why this backend was chosen.
    pub reason: String,
}

/// Brings up Burn's wgpu runtime once per process and remembers the outcome.
fn wgpu_device() -> Result<(Device, AdapterInfo), String> {
    static WGPU: OnceLock<Result<(Device, AdapterInfo), String>> = OnceLock::new();
    WGPU.get_or_init(init_wgpu).clone()
}

fn init_wgpu() -> Result<(Device, AdapterInfo), String> {
    // wgpu may panic inside a driver on broken installations; a panic here
    // must become a CPU fallback, not a crash of the app.
    let attempt = std::panic::catch_unwind(|| Device::wgpu_options().init_with_setup());
    match attempt {
        Ok(Ok((device, setup))) => {
            let info = setup.adapter.get_info();
            let software = matches!(info.device_type, burn::tensor::wgpu::wgpu::DeviceType::Cpu);
            let driver = [info.driver.as_str(), info.driver_info.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            let adapter = AdapterInfo {
                name: info.name,
                api: format!("{:?}", info.backend),
                device_type: format!("{:?}", info.device_type),
                driver,
                software,
            };
            tracing::debug!(%adapter, "wgpu adapter initialised");
            Ok((device, adapter))
        }
        Ok(Err(err)) => Err(err.to_string()),
        Err(_) => Err("the wgpu driver panicked while starting".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preference_parses_what_people_type() {
        assert_eq!(
            "GPU".parse::<DevicePreference>().ok(),
            Some(DevicePreference::Gpu)
        );
        assert_eq!(
            " cpu ".parse::<DevicePreference>().ok(),
            Some(DevicePreference::Cpu)
        );
        assert_eq!(
            "".parse::<DevicePreference>().ok(),
            Some(DevicePreference::Auto)
        );
        let err = "cuda".parse::<DevicePreference>().unwrap_err();
        assert!(err.to_string().contains("auto, gpu or cpu"));
    }

    #[test]
    fn cpu_preference_never_probes() {
        let backend = ComputeBackend::select(DevicePreference::Cpu);
        assert_eq!(backend.kind, BackendKind::Cpu);
        assert!(backend.adapter.is_none());
        assert!(backend.reason.contains("cpu"));
    }
}
