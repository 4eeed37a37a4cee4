//! Person segmentation (MediaPipe selfie segmenter, hair and hats included) on a
//! head-and-shoulders crop, so the top of the head is found at good resolution.

use super::VisionError;
use super::models::Net;
use crate::geometry::{Point, Similarity};
use crate::pixels::{FloatMap, PlacedMap, Pyramid};

/// Square photo region, upright: top-left corner and side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    pub left: f64,
    pub top: f64,
    pub side: f64,
}

/// Person-probability map of `region`, placed in the photo. Outside the photo the crop repeats
/// the edge pixels, which the model reads as more background.
pub fn person_mask(net: &Net, photo: &Pyramid, region: Region) -> Result<PlacedMap, VisionError> {
    let n = net.side;
    let to_photo = Similarity { scale: region.side / n as f64, angle: 0.0, tx: region.left, ty: region.top };
    let input = photo.sample_tensor(&to_photo, n, n, 0.0, 1.0, None);
    let out = net.run(input)?;
    // The converted graph exposes the raw logits and the sigmoid; prefer the probabilities.
    let candidates: Vec<Vec<f32>> = out.into_iter().map(|(_, d)| d).filter(|d| d.len() == n * n).collect();
    let is_prob = |d: &Vec<f32>| d.iter().all(|v| (0.0..=1.0).contains(v));
    let data = match candidates.iter().position(is_prob) {
        Some(i) => candidates[i].clone(),
        None => candidates
            .first()
            .ok_or_else(|| VisionError::Model("selfie_segmentation: unexpected output".into()))?
            .iter()
            .map(|v| 1.0 / (1.0 + (-v).exp()))
            .collect(),
    };
    Ok(PlacedMap::new(FloatMap { w: n, h: n, data }, to_photo))
}

/// The head-and-shoulders square for a face whose pupils are `l`, `r` (photo pixels): wide
/// enough for big hair and hats, low enough for the shoulders the model uses as context.
pub fn head_region(l: Point, r: Point) -> Region {
    let ipd = l.dist(r);
    let mid = l.mid(r);
    let side = 6.5 * ipd;
    Region { left: mid.x - side / 2.0, top: mid.y - 3.0 * ipd, side }
}
