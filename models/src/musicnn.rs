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
use burn::tensor::module::conv1d;
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

/// A convolution over (time, mel) of the single input channel, computed as
/// one matrix product: the input's kh × kw windows (a strided view, copied
/// once into rows) times the kernel as a [kh·kw, filters] matrix. Burn's
/// generic conv2d ran these shapes at a fifth of the CPU's matmul speed.
#[derive(Debug, Clone)]
struct Windowed {
    /// [kh·kw, padded filters]: TensorFlow's [kh, kw, 1, filters] kernel as
    /// it is, with zero columns up to a multiple of 16 (the CPU's matmul
    /// runs twice as fast on such widths).
    weight: Tensor<2>,
    /// Real filters (the rest is padding).
    filters: usize,
    bias: Tensor<1>,
    norm: Norm,
    /// 1 where the norm's scale is ≥ 0 (there the max over mel positions
    /// of conv → ReLU → norm is the norm of the max; elsewhere of the min).
    rising: Tensor<1>,
    /// Whether any scale is negative (else the min is never needed).
    any_falling: bool,
    kh: usize,
    kw: usize,
    /// Zero frames before and after in time.
    pad: (usize, usize),
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
    timbral: [Windowed; 2],
    /// 128×1, 64×1 and 32×1 kernels over time, 51 filters each, as one
    /// 128×1 kernel of 153 filters (the shorter kernels zero-padded into
    /// the middle of the window, where "same" padding centres them).
    temporal: Windowed,
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
        let (scale, shift) = self.folded_norm(name, n)?;
        Ok(Norm {
            scale: vector(scale, device),
            shift: vector(shift, device),
        })
    }

    /// A batch norm folded into (scale, shift) per channel.
    fn folded_norm(&mut self, name: &str, n: usize) -> Result<(Vec<f32>, Vec<f32>), MusicnnError> {
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
        Ok((scale, shift))
    }

    /// A TF conv2d of one input channel, [kh, kw, 1, out], with its bias
    /// and batch norm, as host data: (kernel, bias, norm scale, norm shift).
    fn single_channel(
        &mut self,
        name: &str,
        [kh, kw, out]: [usize; 3],
        norm: &str,
    ) -> Result<[Vec<f32>; 4], MusicnnError> {
        let kernel = self.take(&format!("{name}/kernel"), &[kh, kw, 1, out])?;
        let bias = self.take(&format!("{name}/bias"), &[out])?;
        let (scale, shift) = self.folded_norm(norm, out)?;
        Ok([kernel, bias, scale, shift])
    }

    /// A timbral convolution ("valid" over mels, `time` zero frames around).
    fn timbral(
        &mut self,
        name: &str,
        [kh, kw, out]: [usize; 3],
        norm: &str,
        device: &Device,
    ) -> Result<Windowed, MusicnnError> {
        let [kernel, bias, scale, shift] = self.single_channel(name, [kh, kw, out], norm)?;
        Ok(Windowed::new(
            &kernel,
            out,
            [bias, scale, shift],
            kh,
            kw,
            ((kh - 1) / 2, kh / 2),
            device,
        ))
    }

    /// The three temporal convolutions (kernels k × 1, "same" in time) as
    /// one: each kernel sits in the longest one's window at the offset
    /// where its own "same" padding puts it.
    fn temporal(
        &mut self,
        parts: [(&str, usize, &str); 3],
        out: usize,
        device: &Device,
    ) -> Result<Windowed, MusicnnError> {
        let longest = parts.iter().map(|p| p.1).max().unwrap_or(1);
        let filters = out * parts.len();
        // (`filters` real columns here; `Windowed::new` pads them.)
        let mut weight = vec![0.0f32; longest * filters];
        let (mut bias, mut scale, mut shift) = (Vec::new(), Vec::new(), Vec::new());
        for (i, (name, k, norm)) in parts.into_iter().enumerate() {
            let [kernel, b, sc, sh] = self.single_channel(name, [k, 1, out], norm)?;
            let offset = (longest - 1) / 2 - (k - 1) / 2;
            for row in 0..k {
                let dst = (offset + row) * filters + i * out;
                weight[dst..dst + out].copy_from_slice(&kernel[row * out..(row + 1) * out]);
            }
            bias.extend(b);
            scale.extend(sc);
            shift.extend(sh);
        }
        Ok(Windowed::new(
            &weight,
            filters,
            [bias, scale, shift],
            longest,
            1,
            ((longest - 1) / 2, longest / 2),
            device,
        ))
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

impl Windowed {
    /// A block from its host data: kernel [k, filters] row-major, bias,
    /// folded norm.
    #[allow(clippy::too_many_arguments)]
    fn new(
        kernel: &[f32],
        filters: usize,
        [bias, scale, shift]: [Vec<f32>; 3],
        kh: usize,
        kw: usize,
        pad: (usize, usize),
        device: &Device,
    ) -> Self {
        let k = kh * kw;
        let padded = filters.div_ceil(16) * 16;
        let mut weight = vec![0.0f32; k * padded];
        for row in 0..k {
            weight[row * padded..row * padded + filters]
                .copy_from_slice(&kernel[row * filters..(row + 1) * filters]);
        }
        let rising: Vec<f32> = scale.iter().map(|&s| f32::from(s >= 0.0)).collect();
        let any_falling = rising.contains(&0.0);
        Self {
            weight: Tensor::from_data(TensorData::new(weight, [k, padded]), device),
            filters,
            bias: vector(bias, device),
            norm: Norm {
                scale: vector(scale, device),
                shift: vector(shift, device),
            },
            rising: vector(rising, device),
            any_falling,
            kh,
            kw,
            pad,
        }
    }

    /// Normalised input [B, T, M] → the block's output max-pooled over the
    /// mel positions, channels first: [B, filters, T] (conv, ReLU, batch
    /// norm, max, as in musicnn).
    fn forward(&self, x: &Tensor<3>) -> Tensor<3> {
        let [b, t, m] = x.dims();
        let device = x.device();
        let (before, after) = self.pad;
        let mut parts = Vec::with_capacity(3);
        if before > 0 {
            parts.push(Tensor::zeros([b, before, m], &device));
        }
        parts.push(x.clone());
        if after > 0 {
            parts.push(Tensor::zeros([b, after, m], &device));
        }
        let padded = Tensor::cat(parts, 1);
        let positions = m + 1 - self.kw;
        // [B, T, M, kh] → [B, T, positions, kh, kw]: every window, a view.
        let windows: Tensor<4> = padded.unfold(1, self.kh, 1);
        let windows: Tensor<5> = windows.unfold(2, self.kw, 1);
        let rows = windows.reshape([b * t * positions, self.kh * self.kw]);
        let padded = self.weight.dims()[1];
        let y = rows
            .matmul(self.weight.clone())
            .reshape([b, t, positions, padded]);
        // ReLU after the bias and the norm after it are monotone per
        // filter (rising where the norm's scale is ≥ 0), so the max over
        // mel positions is taken first and they run on [B, T, filters],
        // not on every position: the same element, the same result.
        let f = self.filters;
        let extreme = |y: Tensor<4>, max: bool| {
            let e = if max { y.max_dim(2) } else { y.min_dim(2) };
            e.reshape([b, t, padded]).slice([0..b, 0..t, 0..f])
        };
        let z = if self.any_falling {
            let rising = self.rising.clone().reshape([1, 1, f]);
            extreme(y.clone(), true) * rising.clone() + extreme(y, false) * (rising.neg() + 1.0)
        } else {
            extreme(y, true)
        };
        let z = relu(z + self.bias.clone().reshape([1, 1, f]));
        (z * self.norm.scale.clone().reshape([1, 1, f])
            + self.norm.shift.clone().reshape([1, 1, f]))
        .swap_dims(1, 2)
    }
}

impl Musicnn {
    /// The network with the weights of one safetensors file (written by
    /// `scripts/convert-musicnn.py`): every tensor's name, shape and
    /// finiteness is checked, and the 50 tag names come from its metadata.
    pub fn from_safetensors(bytes: &[u8], device: &Device) -> Result<Self, MusicnnError> {
        let (mut w, tags) = Named::parse(bytes)?;
        let input = w.norm("batch_normalization", 1, device)?;
        let timbral = [
            w.timbral("conv2d", [7, 38, 204], "batch_normalization_1", device)?,
            w.timbral("conv2d_1", [7, 67, 204], "batch_normalization_2", device)?,
        ];
        let temporal = w.temporal(
            [
                ("conv2d_2", 128, "batch_normalization_3"),
                ("conv2d_3", 64, "batch_normalization_4"),
                ("conv2d_4", 32, "batch_normalization_5"),
            ],
            51,
            device,
        )?;
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
        // The input batch norm has one channel: a scalar affine map.
        let x =
            apply(&self.input, patches.reshape([b, 1, frames, mels])).reshape([b, frames, mels]);
        let mut front: Vec<Tensor<3>> =
            self.timbral.iter().map(|block| block.forward(&x)).collect();
        front.push(self.temporal.forward(&x));
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
