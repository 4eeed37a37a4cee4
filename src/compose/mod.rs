//! Compose: from the source photo to the output frame (crop, rotation, scale).

pub mod background;
pub mod crop;
pub mod tone;

pub use crop::{Crop, CropError, Side, solve};

use image::RgbImage;

use crate::pixels::Pyramid;
use crate::spec::Spec;

/// Render the output frame of `spec` from the photo under `crop`.
pub fn render(photo: &Pyramid, crop: &Crop, spec: &Spec) -> RgbImage {
    photo.warp(&crop.transform.inverse(), spec.width(), spec.height())
}
