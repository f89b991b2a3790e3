//! A tiny, fully deterministic network that proves a backend computes what
//! the CPU computes.
//!
//! The weights and inputs come from closed-form formulas rather than a random
//! generator, so every backend starts from bit-identical values. The check
//! runs a forward pass, a mean-squared-error loss, back-propagation and one
//! Adam step, and returns every number a comparison needs. `playgenie doctor
//! --self-test` runs it on the backend in use and compares against Flex; the
//! test suite runs it on wgpu (lavapipe) and Flex.

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use serde::Serialize;

const BATCH: usize = 6;
const INPUTS: usize = 8;
const HIDDEN: usize = 16;
const OUTPUTS: usize = 4;
const LEARNING_RATE: f64 = 0.01;

/// Two dense layers with a tanh between them.
#[derive(Module, Debug)]
pub struct TinyMlp {
    hidden: Linear,
    output: Linear,
}

impl TinyMlp {
    /// Builds the network with deterministic weights on `device`.
    pub fn deterministic(device: &Device) -> Self {
        Self {
            hidden: linear(INPUTS, HIDDEN, 0.3, device),
            output: linear(HIDDEN, OUTPUTS, 1.7, device),
        }
    }

    /// `output(tanh(hidden(x)))`.
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        self.output.forward(self.hidden.forward(input).tanh())
    }

    /// Every parameter, flattened in a fixed order.
    fn flat_params(&self) -> Result<Vec<f32>, SelfTestError> {
        let mut all = Vec::new();
        for layer in [&self.hidden, &self.output] {
            all.extend(values(layer.weight.val().into_data())?);
            if let Some(bias) = &layer.bias {
                all.extend(values(bias.val().into_data())?);
            }
        }
        Ok(all)
    }
}

fn linear(d_in: usize, d_out: usize, phase: f32, device: &Device) -> Linear {
    let scale = 1.0 / (d_in as f32).sqrt();
    let weight: Vec<f32> = (0..d_in * d_out)
        .map(|i| scale * (i as f32 * 0.61 + phase).sin())
        .collect();
    let bias: Vec<f32> = (0..d_out)
        .map(|i| 0.05 * (i as f32 + phase).cos())
        .collect();
    Linear {
        weight: Param::from_data(TensorData::new(weight, [d_in, d_out]), device),
        bias: Some(Param::from_data(TensorData::new(bias, [d_out]), device)),
    }
}

fn tensor(rows: usize, cols: usize, f: impl Fn(usize) -> f32, device: &Device) -> Tensor<2> {
    let data: Vec<f32> = (0..rows * cols).map(f).collect();
    Tensor::from_data(TensorData::new(data, [rows, cols]), device)
}

fn values(data: TensorData) -> Result<Vec<f32>, SelfTestError> {
    data.try_into_vec::<f32>()
        .map_err(|err| SelfTestError(format!("{err:?}")))
}

/// Reading results back from the device failed.
#[derive(Debug, thiserror::Error)]
#[error("could not read tensor data back from the device: {0}")]
pub struct SelfTestError(String);

/// Everything one self-test step produced.
#[derive(Debug, Clone, Serialize)]
pub struct SelfTestOutcome {
    /// Network output before the optimiser step, row-major `[BATCH, OUTPUTS]`.
    pub output: Vec<f32>,
    /// Mean squared error before the step.
    pub loss: f32,
    /// Every parameter after one Adam step.
    pub params_after_step: Vec<f32>,
    /// Mean squared error after the step (must be lower than `loss`).
    pub loss_after_step: f32,
}

impl SelfTestOutcome {
    /// Largest absolute difference between any two corresponding numbers.
    pub fn max_abs_diff(&self, other: &Self) -> f32 {
        let pairs = self
            .output
            .iter()
            .zip(&other.output)
            .chain(self.params_after_step.iter().zip(&other.params_after_step))
            .chain([
                (&self.loss, &other.loss),
                (&self.loss_after_step, &other.loss_after_step),
            ]);
        pairs.map(|(a, b)| (a - b).abs()).fold(0.0, f32::max)
    }
}

/// Runs forward, loss, backward and one Adam step on `device` (a plain
/// device: autodiff is enabled here).
pub fn run(device: &Device) -> Result<SelfTestOutcome, SelfTestError> {
    let device = device.clone().autodiff();
    let model = TinyMlp::deterministic(&device);
    let input = tensor(
        BATCH,
        INPUTS,
        |i| ((i * 7 % 11) as f32 - 5.0) / 5.0,
        &device,
    );
    let target = tensor(BATCH, OUTPUTS, |i| (i as f32 * 0.37).cos(), &device);

    let output = model.forward(input.clone());
    let loss = (output.clone() - target.clone()).powf_scalar(2.0).mean();
    let loss_value = values(loss.clone().into_data())?[0];
    let output_values = values(output.into_data())?;

    let grads = GradientsParams::from_grads(loss.backward(), &model);
    let mut optimizer = AdamConfig::new().init();
    let model = optimizer.step(LEARNING_RATE, model, grads);

    let loss_after = (model.forward(input) - target).powf_scalar(2.0).mean();
    Ok(SelfTestOutcome {
        output: output_values,
        loss: loss_value,
        params_after_step: model.flat_params()?,
        loss_after_step: values(loss_after.into_data())?[0],
    })
}

/// The reference numbers: the same run on Burn's CPU backend.
pub fn run_on_cpu() -> Result<SelfTestOutcome, SelfTestError> {
    run(&Device::flex())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_adam_step_lowers_the_loss_on_the_cpu() {
        let outcome = run(&Device::flex()).expect("self-test runs on flex");
        assert_eq!(outcome.output.len(), BATCH * OUTPUTS);
        assert_eq!(
            outcome.params_after_step.len(),
            INPUTS * HIDDEN + HIDDEN + HIDDEN * OUTPUTS + OUTPUTS
        );
        assert!(outcome.loss.is_finite() && outcome.loss > 0.0);
        assert!(
            outcome.loss_after_step < outcome.loss,
            "Adam step should lower the loss: {} -> {}",
            outcome.loss,
            outcome.loss_after_step
        );
    }

    #[test]
    fn the_cpu_is_deterministic() {
        let a = run(&Device::flex()).expect("first run");
        let b = run(&Device::flex()).expect("second run");
        assert_eq!(a.max_abs_diff(&b), 0.0);
    }
}
