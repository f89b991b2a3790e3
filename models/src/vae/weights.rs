//! The VAE's parameters as plain named arrays, so the core can write them to
//! a checkpoint file (and read them back) without this crate touching disk.

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::Vae;

/// One named parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedArray {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

/// Every parameter of a [`Vae`], in a fixed order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    pub arrays: Vec<NamedArray>,
}

impl Weights {
    /// The parameter called `name`.
    pub fn get(&self, name: &str) -> Result<&NamedArray, WeightsError> {
        self.arrays
            .iter()
            .find(|a| a.name == name)
            .ok_or_else(|| WeightsError::Missing(name.into()))
    }
}

/// Weights that do not fit the model they are loaded into.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    #[error("parameter {0} is missing from the checkpoint")]
    Missing(String),
    #[error(
        "parameter {name} has shape {found:?} in the checkpoint, the model needs {expected:?}"
    )]
    Shape {
        name: String,
        found: Vec<usize>,
        expected: Vec<usize>,
    },
    #[error("parameter {name} could not be read back from the device: {message}")]
    Readback { name: String, message: String },
    #[error("parameter {0} holds a NaN or infinite value")]
    NotFinite(String),
}

/// Finds a parameter's data by name and expected shape.
type Lookup<'a> = dyn Fn(&str, &[usize]) -> Result<TensorData, WeightsError> + 'a;

fn read<const D: usize>(name: &str, t: Tensor<D>) -> Result<NamedArray, WeightsError> {
    let shape = t.dims().to_vec();
    let values = t
        .into_data()
        .try_into_vec::<f32>()
        .map_err(|e| WeightsError::Readback {
            name: name.into(),
            message: format!("{e:?}"),
        })?;
    Ok(NamedArray {
        name: name.into(),
        shape,
        values,
    })
}

/// Visits every parameter of the model by name, in a fixed order.
macro_rules! each_param {
    ($vae:expr, $linear:ident, $matrix:ident, $vector:ident) => {{
        $linear!("content", $vae.content);
        $matrix!("artist", $vae.artist);
        $matrix!("album", $vae.album);
        $matrix!("residual", $vae.residual);
        $linear!("encoder", $vae.encoder);
        $linear!("mu", $vae.mu);
        $linear!("logvar", $vae.logvar);
        $linear!("query", $vae.query);
        $vector!("recency", $vae.recency);
        $linear!("recency_from_u", $vae.recency_from_u);
        $vector!("similarity", $vae.similarity);
        $linear!("similarity_from_u", $vae.similarity_from_u);
    }};
}

impl Vae {
    /// Every parameter, read back to the host.
    pub fn to_weights(&self) -> Result<Weights, WeightsError> {
        let mut arrays = Vec::new();
        macro_rules! linear {
            ($name:expr, $l:expr) => {
                arrays.push(read(concat!($name, ".weight"), $l.weight.val())?);
                if let Some(b) = &$l.bias {
                    arrays.push(read(concat!($name, ".bias"), b.val())?);
                }
            };
        }
        macro_rules! tensor {
            ($name:expr, $p:expr) => {
                arrays.push(read($name, $p.val())?);
            };
        }
        each_param!(self, linear, tensor, tensor);
        for a in &arrays {
            if a.values.iter().any(|v| !v.is_finite()) {
                return Err(WeightsError::NotFinite(a.name.clone()));
            }
        }
        Ok(Weights { arrays })
    }

    /// Replaces every parameter with the checkpoint's, checking names and
    /// shapes against this (freshly built) model.
    pub fn load_weights(
        mut self,
        weights: &Weights,
        device: &Device,
    ) -> Result<Self, WeightsError> {
        let find = |name: &str, expected: &[usize]| -> Result<TensorData, WeightsError> {
            let a = weights.get(name)?;
            if a.shape != expected {
                return Err(WeightsError::Shape {
                    name: name.into(),
                    found: a.shape.clone(),
                    expected: expected.to_vec(),
                });
            }
            if a.values.iter().any(|v| !v.is_finite()) {
                return Err(WeightsError::NotFinite(name.into()));
            }
            Ok(TensorData::new(a.values.clone(), a.shape.clone()))
        };
        fn set_linear(
            l: &mut Linear,
            name: &str,
            find: &Lookup<'_>,
            device: &Device,
        ) -> Result<(), WeightsError> {
            let w = find(&format!("{name}.weight"), &l.weight.val().dims())?;
            l.weight = Param::from_data(w, device);
            if let Some(b) = &l.bias {
                let data = find(&format!("{name}.bias"), &b.val().dims())?;
                l.bias = Some(Param::from_data(data, device));
            }
            Ok(())
        }
        macro_rules! linear {
            ($name:expr, $l:expr) => {
                set_linear(&mut $l, $name, &find, device)?;
            };
        }
        macro_rules! matrix {
            ($name:expr, $p:expr) => {
                let data = find($name, &$p.val().dims())?;
                $p = Param::from_data(data, device);
            };
        }
        each_param!(self, linear, matrix, matrix);
        Ok(self)
    }
}
