//! MusiCNN (Pons & Serra, ISMIR LBD 2019) in Burn, inference only: log-mel
//! patches of 187 frames × 96 mels in, 50 tag probabilities and the 200-d
//! embedding out, per patch. The weights are the original ones
//! (`models/weights/musicnn/*.safetensors`, ISC), under their TensorFlow
//! names; the layer order, paddings and batch-norm epsilon (TF1's 1e-3)
//! follow musicnn's `models.py` exactly (see `AUDIO_TAGGER.md`).
//!
//! Layout: TensorFlow's NHWC (batch, time, mel, channel) becomes Burn's
//! NCHW (batch, channel, time, mel); TF conv kernels [kh, kw, in, out]
//! become [out, in, kh, kw]; a dense kernel [in, out] is used as it is.

use std::collections::HashMap;

use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::module::{conv1d, conv2d};
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Tensor, TensorData};

/// Frames per patch (≈ 3 s at 16 kHz with a 256-sample hop).
pub const FRAMES: usize = 187;
/// Mel bands per frame.
pub const MELS: usize = 96;
/// Tags per model.
pub const TAGS: usize = 50;
/// Size of the embedding (the penultimate layer).
pub const EMBEDDING: usize = 200;
/// TF1's batch-norm epsilon (Burn's default is 1e-5).
const BN_EPSILON: f32 = 1e-3;

/// Why a weight file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MusicnnError {
    #[error("not a safetensors file: {0}")]
    Format(String),
    #[error("the weights lack {0}")]
    Missing(String),
    #[error("{name} has shape {found:?}, expected {expected:?}")]
    Shape {
        name: String,
        found: Vec<usize>,
        expected: Vec<usize>,
    },
    #[error("{0} is not 32-bit float")]
    DType(String),
    #[error("{0} holds a value that is not finite")]
    NotFinite(String),
    #[error("{0} values are not whole patches of 187 × 96")]
    Patches(usize),
    #[error("could not read results back from the device: {0}")]
    Readback(String),
}

/// A batch norm folded for inference: `x * scale + shift` per channel.
#[derive(Debug, Clone)]
struct Norm {
    scale: Tensor<1>,
    shift: Tensor<1>,
}

/// One convolution with the batch norm after its ReLU.
#[derive(Debug, Clone)]
struct ConvNorm<const D: usize> {
    weight: Tensor<D>,
    bias: Tensor<1>,
    norm: Norm,
}

#[derive(Debug, Clone)]
struct Dense {
    /// [in, out], as TensorFlow stores it.
    weight: Tensor<2>,
    bias: Tensor<1>,
}

/// The network with its weights, on one device.
#[derive(Debug, Clone)]
pub struct Musicnn {
    input: Norm,
    /// 7×38 and 7×67 kernels over (time, mel), 204 filters each.
    timbral: [ConvNorm<4>; 2],
    /// 128×1, 64×1 and 32×1 kernels over time, 51 filters each.
    temporal: [ConvNorm<4>; 3],
    /// Three 1-d convolutions over time (k = 7), 64 filters each.
    mid: [ConvNorm<3>; 3],
    pooled: Norm,
    dense: Dense,
    dense_norm: Norm,
    out: Dense,
    tags: Vec<String>,
    device: Device,
}

/// Named f32 tensors read from a safetensors file.
struct Named {
    tensors: HashMap<String, (Vec<usize>, Vec<f32>)>,
}

impl Named {
    fn parse(bytes: &[u8]) -> Result<(Self, Vec<String>), MusicnnError> {
        let file = safetensors::SafeTensors::deserialize(bytes)
            .map_err(|e| MusicnnError::Format(e.to_string()))?;
        let mut tensors = HashMap::new();
        for (name, view) in file.tensors() {
            if view.dtype() != safetensors::Dtype::F32 {
                return Err(MusicnnError::DType(name));
            }
            let values: Vec<f32> = view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            if values.iter().any(|v| !v.is_finite()) {
                return Err(MusicnnError::NotFinite(name));
            }
            tensors.insert(name, (view.shape().to_vec(), values));
        }
        let (_, metadata) = safetensors::SafeTensors::read_metadata(bytes)
            .map_err(|e| MusicnnError::Format(e.to_string()))?;
        let tags = metadata
            .metadata()
            .as_ref()
            .and_then(|m| m.get("tags"))
            .and_then(|t| serde_json::from_str::<Vec<String>>(t).ok())
            .unwrap_or_default();
        if tags.len() != TAGS {
            return Err(MusicnnError::Format(format!(
                "{} tag names in the metadata, expected {TAGS}",
                tags.len()
            )));
        }
        Ok((Self { tensors }, tags))
    }

    fn take(&mut self, name: &str, expected: &[usize]) -> Result<Vec<f32>, MusicnnError> {
        let (shape, values) = self
            .tensors
            .remove(name)
            .ok_or_else(|| MusicnnError::Missing(name.into()))?;
        if shape != expected {
            return Err(MusicnnError::Shape {
                name: name.into(),
                found: shape,
                expected: expected.to_vec(),
            });
        }
        Ok(values)
    }

    fn norm(&mut self, name: &str, n: usize, device: &Device) -> Result<Norm, MusicnnError> {
        let gamma = self.take(&format!("{name}/gamma"), &[n])?;
        let beta = self.take(&format!("{name}/beta"), &[n])?;
        let mean = self.take(&format!("{name}/moving_mean"), &[n])?;
        let var = self.take(&format!("{name}/moving_variance"), &[n])?;
        let scale: Vec<f32> = gamma
            .iter()
            .zip(&var)
            .map(|(g, v)| g / (v + BN_EPSILON).sqrt())
            .collect();
        let shift: Vec<f32> = beta
            .iter()
            .zip(&mean)
            .zip(&scale)
            .map(|((b, m), s)| b - m * s)
            .collect();
        Ok(Norm {
            scale: vector(scale, device),
            shift: vector(shift, device),
        })
    }

    /// A TF conv2d kernel [kh, kw, in, out] as Burn's [out, in, kh, kw].
    fn conv2d(
        &mut self,
        name: &str,
        shape: [usize; 4],
        norm: &str,
        device: &Device,
    ) -> Result<ConvNorm<4>, MusicnnError> {
        let [kh, kw, cin, cout] = shape;
        let kernel = self.take(&format!("{name}/kernel"), &shape)?;
        let weight =
            Tensor::<4>::from_data(TensorData::new(kernel, shape), device).permute([3, 2, 0, 1]);
        debug_assert_eq!(weight.dims(), [cout, cin, kh, kw]);
        Ok(ConvNorm {
            weight,
            bias: vector(self.take(&format!("{name}/bias"), &[cout])?, device),
            norm: self.norm(norm, cout, device)?,
        })
    }

    /// A TF conv2d whose kernel spans the whole feature axis ([k, in, 1,
    /// out]): a 1-d convolution over time, Burn's [out, in, k].
    fn conv1d(
        &mut self,
        name: &str,
        (k, cin, cout): (usize, usize, usize),
        norm: &str,
        device: &Device,
    ) -> Result<ConvNorm<3>, MusicnnError> {
        let kernel = self.take(&format!("{name}/kernel"), &[k, cin, 1, cout])?;
        let weight = Tensor::<3>::from_data(TensorData::new(kernel, [k, cin, cout]), device)
            .permute([2, 1, 0]);
        Ok(ConvNorm {
            weight,
            bias: vector(self.take(&format!("{name}/bias"), &[cout])?, device),
            norm: self.norm(norm, cout, device)?,
        })
    }

    fn dense(
        &mut self,
        name: &str,
        (din, dout): (usize, usize),
        device: &Device,
    ) -> Result<Dense, MusicnnError> {
        let kernel = self.take(&format!("{name}/kernel"), &[din, dout])?;
        Ok(Dense {
            weight: Tensor::from_data(TensorData::new(kernel, [din, dout]), device),
            bias: vector(self.take(&format!("{name}/bias"), &[dout])?, device),
        })
    }
}

fn vector(values: Vec<f32>, device: &Device) -> Tensor<1> {
    let n = values.len();
    Tensor::from_data(TensorData::new(values, [n]), device)
}

/// `x * scale + shift` over dimension 1 of a rank-`D` tensor.
fn apply<const D: usize>(norm: &Norm, x: Tensor<D>) -> Tensor<D> {
    let c = norm.scale.dims()[0];
    let mut shape = [1usize; D];
    shape[1] = c;
    x * norm.scale.clone().reshape(shape) + norm.shift.clone().reshape(shape)
}

fn options2(time: (usize, usize)) -> ConvOptions<2> {
    ConvOptions {
        stride: [1, 1],
        padding: [time, (0, 0)],
        dilation: [1, 1],
        groups: 1,
    }
}

/// TensorFlow's "same" padding for a kernel of `k` at stride 1.
fn same(k: usize) -> (usize, usize) {
    ((k - 1) / 2, k / 2)
}

impl Musicnn {
    /// The network with the weights of one safetensors file (written by
    /// `scripts/convert-musicnn.py`): every tensor's name, shape and
    /// finiteness is checked, and the 50 tag names come from its metadata.
    pub fn from_safetensors(bytes: &[u8], device: &Device) -> Result<Self, MusicnnError> {
        let (mut w, tags) = Named::parse(bytes)?;
        let input = w.norm("batch_normalization", 1, device)?;
        let timbral = [
            w.conv2d("conv2d", [7, 38, 1, 204], "batch_normalization_1", device)?,
            w.conv2d("conv2d_1", [7, 67, 1, 204], "batch_normalization_2", device)?,
        ];
        let temporal = [
            w.conv2d("conv2d_2", [128, 1, 1, 51], "batch_normalization_3", device)?,
            w.conv2d("conv2d_3", [64, 1, 1, 51], "batch_normalization_4", device)?,
            w.conv2d("conv2d_4", [32, 1, 1, 51], "batch_normalization_5", device)?,
        ];
        let mid = [
            w.conv1d("conv2d_5", (7, 561, 64), "batch_normalization_6", device)?,
            w.conv1d("conv2d_6", (7, 64, 64), "batch_normalization_7", device)?,
            w.conv1d("conv2d_7", (7, 64, 64), "batch_normalization_8", device)?,
        ];
        let pooled = w.norm("batch_normalization_9", 1506, device)?;
        let dense = w.dense("dense", (1506, EMBEDDING), device)?;
        let dense_norm = w.norm("batch_normalization_10", EMBEDDING, device)?;
        let out = w.dense("dense_1", (EMBEDDING, TAGS), device)?;
        if let Some(extra) = w.tensors.keys().next() {
            return Err(MusicnnError::Format(format!("unexpected tensor {extra}")));
        }
        Ok(Self {
            input,
            timbral,
            temporal,
            mid,
            pooled,
            dense,
            dense_norm,
            out,
            tags,
            device: device.clone(),
        })
    }

    /// [`Musicnn::forward`] on host data: `patches` holds whole patches,
    /// row-major [n, 187, 96]; returns the n × 50 probabilities and the
    /// n × 200 embeddings, row-major.
    pub fn tag_patches(&self, patches: &[f32]) -> Result<(Vec<f32>, Vec<f32>), MusicnnError> {
        let n = patches.len() / (FRAMES * MELS);
        if n == 0 || n * FRAMES * MELS != patches.len() {
            return Err(MusicnnError::Patches(patches.len()));
        }
        let input = Tensor::<3>::from_data(
            TensorData::new(patches.to_vec(), [n, FRAMES, MELS]),
            &self.device,
        );
        let (probabilities, embedding) = self.forward(input);
        let read = |t: Tensor<2>| {
            t.into_data()
                .try_into_vec::<f32>()
                .map_err(|e| MusicnnError::Readback(format!("{e:?}")))
        };
        Ok((read(probabilities)?, read(embedding)?))
    }

    /// The tag names, in the order of the outputs.
    pub fn tags(&self) -> &[String] {
        &self.tags
    }

    /// Patches [B, 187, 96] → (tag probabilities [B, 50], embeddings [B, 200]).
    pub fn forward(&self, patches: Tensor<3>) -> (Tensor<2>, Tensor<2>) {
        let [b, frames, mels] = patches.dims();
        let x = apply(&self.input, patches.reshape([b, 1, frames, mels]));
        let pooled_over_mels = |block: &ConvNorm<4>, time: (usize, usize)| {
            let y = conv2d(
                x.clone(),
                block.weight.clone(),
                Some(block.bias.clone()),
                options2(time),
            );
            let y = apply(&block.norm, relu(y));
            let [b, c, t, _] = y.dims();
            y.max_dim(3).reshape([b, c, t])
        };
        let mut front: Vec<Tensor<3>> = self
            .timbral
            .iter()
            .map(|block| pooled_over_mels(block, (3, 3)))
            .collect();
        for block in &self.temporal {
            let k = block.weight.dims()[2];
            front.push(pooled_over_mels(block, same(k)));
        }
        // [B, 561, T]: channels first, time last.
        let front = Tensor::cat(front, 1);
        let conv = |block: &ConvNorm<3>, input: Tensor<3>| {
            let options = ConvOptions {
                stride: [1],
                padding: [(3, 3)],
                dilation: [1],
                groups: 1,
            };
            apply(
                &block.norm,
                relu(conv1d(
                    input,
                    block.weight.clone(),
                    Some(block.bias.clone()),
                    options,
                )),
            )
        };
        let c1 = conv(&self.mid[0], front.clone());
        let c2 = conv(&self.mid[1], c1.clone()) + c1.clone();
        let c3 = conv(&self.mid[2], c2.clone()) + c2.clone();
        let features = Tensor::cat(vec![front, c1, c2, c3], 1);
        let [b, c, _] = features.dims();
        let max = features.clone().max_dim(2).reshape([b, c]);
        let mean = features.mean_dim(2).reshape([b, c]);
        // TF flattens [B, 753, 2] (max, mean) row-major: they interleave.
        let pooled: Tensor<2> = Tensor::stack::<3>(vec![max, mean], 2).reshape([b, 2 * c]);
        let pooled = apply(&self.pooled, pooled);
        let hidden = relu(
            pooled.matmul(self.dense.weight.clone())
                + self.dense.bias.clone().reshape([1, EMBEDDING]),
        );
        let embedding = apply(&self.dense_norm, hidden);
        let logits = embedding.clone().matmul(self.out.weight.clone())
            + self.out.bias.clone().reshape([1, TAGS]);
        (sigmoid(logits), embedding)
    }
}
