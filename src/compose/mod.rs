//! Compose: from the source photo to the output frame (crop, rotation, scale).

pub mod background;
pub mod crop;
pub mod tone;

pub use crop::{Crop, CropError, Side, least_enlargement, solve};

use image::RgbImage;

use crate::geometry::Similarity;
use crate::pixels::Pyramid;
use crate::spec::Spec;

/// Render the output frame of `spec` from the photo under `crop`.
pub fn render(photo: &Pyramid, crop: &Crop, spec: &Spec) -> RgbImage {
    photo.warp(&crop.transform.inverse(), spec.width(), spec.height())
}

/// As [`render`], from a finer decode of the same photo with `factor` of its pixels per
/// pixel of the one the crop was solved on (pixel edges line up: coordinates just scale).
pub fn render_finer(finer: &Pyramid, factor: f64, crop: &Crop, spec: &Spec) -> RgbImage {
    let zoom = Similarity { scale: factor, angle: 0.0, tx: 0.0, ty: 0.0 };
    finer.warp(&crop.transform.inverse().then(&zoom), spec.width(), spec.height())
}
