//! The face models, embedded in the binary (ONNX converted from MediaPipe, Apache-2.0; see
//! assets/models/README.md) and run with tract, fully offline. Loaded once per process.

use std::sync::{Arc, OnceLock};

use tract_onnx::prelude::*;

use super::VisionError;

const SHORT_RANGE: &[u8] = include_bytes!("../../assets/models/face_detection_short_range.onnx");
const FULL_RANGE: &[u8] = include_bytes!("../../assets/models/face_detection_full_range.onnx");
const FACE_MESH: &[u8] = include_bytes!("../../assets/models/face_landmark.onnx");
const SELFIE_SEG: &[u8] = include_bytes!("../../assets/models/selfie_segmentation.onnx");

/// One network with a fixed NHWC float input (as the caller sees it).
pub struct Net {
    pub name: &'static str,
    pub side: usize,
    /// Set when the model takes its first convolution's patches instead of the image.
    patches: Option<Patches>,
    plan: Arc<TypedSimplePlan>,
}

/// Output tensors as (shape, values).
pub type Outputs = Vec<(Vec<usize>, Vec<f32>)>;

/// The geometry of a patch ("im2col") input: tools/models/rewrite.py turns each model's first
/// convolution into a 1×1 convolution of these, which tract runs much faster than its own
/// gather. Stored in the model's metadata under `idbooth.patches`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
pub struct Patches {
    pub image: [usize; 2],
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    /// Top, left, bottom, right (zeros).
    pub pads: [usize; 4],
}

impl Patches {
    pub fn out_size(&self) -> (usize, usize) {
        let [h, w] = self.image;
        let [pt, pl, pb, pr] = self.pads;
        ((h + pt + pb - self.kernel[0]) / self.stride[0] + 1, (w + pl + pr - self.kernel[1]) / self.stride[1] + 1)
    }

    /// The patches of an `image[0] × image[1] × 3` NHWC buffer as the `[3·kh·kw, ho, wo]`
    /// planar tensor the model reads: channel `c·kh·kw + ky·kw + kx` at output `(oy, ox)` is
    /// image pixel `(oy·sy + ky − pt, ox·sx + kx − pl)`, channel `c`, or 0 outside the image.
    pub fn gather(&self, img: &[f32]) -> Vec<f32> {
        let [h, w] = self.image;
        let [kh, kw] = self.kernel;
        let [sy, sx] = self.stride;
        let (pt, pl) = (self.pads[0], self.pads[1]);
        let (ho, wo) = self.out_size();
        let mut out = vec![0f32; 3 * kh * kw * ho * wo];
        for (plane, dst) in out.chunks_mut(ho * wo).enumerate() {
            let (c, ky, kx) = (plane / (kh * kw), plane / kw % kh, plane % kw);
            for (oy, row) in dst.chunks_mut(wo).enumerate() {
                let Some(y) = (oy * sy + ky).checked_sub(pt).filter(|&y| y < h) else { continue };
                let src = &img[y * w * 3..(y + 1) * w * 3];
                for (ox, v) in row.iter_mut().enumerate() {
                    if let Some(x) = (ox * sx + kx).checked_sub(pl).filter(|&x| x < w) {
                        *v = src[x * 3 + c];
                    }
                }
            }
        }
        out
    }
}

impl Net {
    fn load(name: &'static str, bytes: &[u8], side: usize) -> TractResult<Net> {
        let onnx = tract_onnx::onnx();
        let proto = onnx.proto_model_for_read(&mut &bytes[..])?;
        let patches = match proto.metadata_props.iter().find(|p| p.key == "idbooth.patches") {
            Some(p) => Some(serde_json::from_str::<Patches>(&p.value)?),
            None => None,
        };
        let fact = match patches {
            Some(p) => {
                if p.image != [side, side] {
                    return Err(TractError::msg(format!("{name}: patch geometry for {:?}, not {side}²", p.image)));
                }
                let (ho, wo) = p.out_size();
                f32::fact([1, 3 * p.kernel[0] * p.kernel[1], ho, wo])
            }
            None => f32::fact([1, side, side, 3]),
        };
        let plan =
            onnx.model_for_proto_model(&proto)?.with_input_fact(0, fact.into())?.into_optimized()?.into_runnable()?;
        Ok(Net { name, side, patches, plan })
    }

    fn fail(&self, e: TractError) -> VisionError {
        VisionError::Model(format!("{}: {e}", self.name))
    }

    /// The `side × side × 3` NHWC buffer as the plan's input: as it is (no copy), or its patches.
    fn input(&self, input: Vec<f32>) -> Result<TValue, VisionError> {
        let shape_err = |e: tract_ndarray::ShapeError| self.fail(e.into());
        if input.len() != self.side * self.side * 3 {
            return Err(self.fail(TractError::msg(format!("input of {} values for {}² × 3", input.len(), self.side))));
        }
        let t = match &self.patches {
            Some(p) => {
                let (ho, wo) = p.out_size();
                let k = 3 * p.kernel[0] * p.kernel[1];
                tract_ndarray::Array4::from_shape_vec((1, k, ho, wo), p.gather(&input)).map_err(shape_err)?
            }
            None => tract_ndarray::Array4::from_shape_vec((1, self.side, self.side, 3), input).map_err(shape_err)?,
        };
        Ok(t.into_tensor().into())
    }

    fn outputs(&self, out: TVec<TValue>) -> Result<Outputs, VisionError> {
        out.iter()
            .map(|v| {
                let view = v.to_plain_array_view::<f32>().map_err(|e| self.fail(e))?;
                Ok((v.shape().to_vec(), view.iter().copied().collect()))
            })
            .collect()
    }

    /// Run on a `side × side × 3` NHWC buffer.
    pub fn run(&self, input: Vec<f32>) -> Result<Outputs, VisionError> {
        let out = self.plan.run(tvec!(self.input(input)?)).map_err(|e| self.fail(e))?;
        self.outputs(out)
    }

    /// Run once and time every operation of the optimised plan: (operation, milliseconds),
    /// in plan order. For `idbooth bench --ops`; not used by the pipeline.
    pub fn profile(&self, input: Vec<f32>) -> Result<Vec<(String, f64)>, VisionError> {
        let mut state = self.plan.spawn().map_err(|e| self.fail(e))?;
        let mut times = Vec::new();
        state
            .run_plan_with_eval(tvec!(self.input(input)?), |ctx, op_state, node, inputs| {
                let t = std::time::Instant::now();
                let r = tract_onnx::tract_core::plan::eval(ctx, op_state, node, inputs);
                times.push((format!("{} {}", node.op().name(), node.name), t.elapsed().as_secs_f64() * 1e3));
                r
            })
            .map_err(|e| self.fail(e))?;
        Ok(times)
    }
}

pub struct Models {
    pub short_range: Net,
    pub full_range: Net,
    pub mesh: Net,
    pub segmenter: Net,
}

static MODELS: OnceLock<Result<Models, String>> = OnceLock::new();

impl Models {
    /// The process-wide models, loaded on first use (≈ a few hundred ms).
    pub fn get() -> Result<&'static Models, VisionError> {
        MODELS
            .get_or_init(|| Models::load().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| VisionError::Model(e.clone()))
    }

    fn load() -> TractResult<Models> {
        Ok(Models {
            short_range: Net::load("face_detection_short_range", SHORT_RANGE, 128)?,
            full_range: Net::load("face_detection_full_range", FULL_RANGE, 192)?,
            mesh: Net::load("face_landmark", FACE_MESH, 192)?,
            segmenter: Net::load("selfie_segmentation", SELFIE_SEG, 256)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_follow_the_convolution_geometry() {
        // 4×4 image, 3×3 kernel, stride 2, padding 0 top/left and 1 bottom/right (as the mesh).
        let p = Patches { image: [4, 4], kernel: [3, 3], stride: [2, 2], pads: [0, 0, 1, 1] };
        assert_eq!(p.out_size(), (2, 2));
        let img: Vec<f32> = (0..4 * 4 * 3).map(|i| i as f32).collect();
        let px = |y: usize, x: usize, c: usize| img[(y * 4 + x) * 3 + c];
        let out = p.gather(&img);
        assert_eq!(out.len(), 27 * 4);
        let at = |c: usize, ky: usize, kx: usize, oy: usize, ox: usize| out[((c * 9 + ky * 3 + kx) * 2 + oy) * 2 + ox];
        assert_eq!(at(0, 0, 0, 0, 0), px(0, 0, 0));
        assert_eq!(at(2, 1, 2, 1, 0), px(3, 2, 2));
        // Bottom-right padding reads zeros.
        assert_eq!(at(1, 2, 2, 1, 1), 0.0);
        assert_eq!(at(1, 1, 1, 1, 1), px(3, 3, 1));
    }

    #[test]
    fn every_model_loads_and_takes_the_image_it_was_made_for() {
        let m = Models::get().unwrap();
        for net in [&m.short_range, &m.full_range, &m.mesh, &m.segmenter] {
            let out = net.run(vec![0.5; net.side * net.side * 3]).unwrap();
            assert!(!out.is_empty() && out.iter().all(|(_, v)| v.iter().all(|x| x.is_finite())), "{}", net.name);
            assert!(net.run(vec![0.5; 12]).is_err());
        }
    }
}
