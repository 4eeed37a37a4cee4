//! The face models, embedded in the binary (ONNX converted from MediaPipe, Apache-2.0; see
//! assets/models/README.md) and run with tract, fully offline. Loaded once per process.

use std::sync::{Arc, OnceLock};

use tract_onnx::prelude::*;

use super::VisionError;

const SHORT_RANGE: &[u8] = include_bytes!("../../assets/models/face_detection_short_range.onnx");
const FULL_RANGE: &[u8] = include_bytes!("../../assets/models/face_detection_full_range.onnx");
const FACE_MESH: &[u8] = include_bytes!("../../assets/models/face_landmark.onnx");
const SELFIE_SEG: &[u8] = include_bytes!("../../assets/models/selfie_segmentation.onnx");

/// One network with a fixed NHWC float input.
pub struct Net {
    pub name: &'static str,
    pub side: usize,
    plan: Arc<TypedSimplePlan>,
}

/// Output tensors as (shape, values).
pub type Outputs = Vec<(Vec<usize>, Vec<f32>)>;

impl Net {
    fn load(name: &'static str, bytes: &[u8], side: usize) -> TractResult<Net> {
        let plan = tract_onnx::onnx()
            .model_for_read(&mut &bytes[..])?
            .with_input_fact(0, f32::fact([1, side, side, 3]).into())?
            .into_optimized()?
            .into_runnable()?;
        Ok(Net { name, side, plan })
    }

    /// Run on a `side × side × 3` NHWC buffer.
    pub fn run(&self, input: Vec<f32>) -> Result<Outputs, VisionError> {
        let fail = |e: TractError| VisionError::Model(format!("{}: {e}", self.name));
        let t = Tensor::from_shape(&[1, self.side, self.side, 3], &input).map_err(fail)?;
        let out = self.plan.run(tvec!(t.into())).map_err(fail)?;
        out.iter()
            .map(|v| {
                let view = v.to_plain_array_view::<f32>().map_err(fail)?;
                Ok((v.shape().to_vec(), view.iter().copied().collect()))
            })
            .collect()
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
