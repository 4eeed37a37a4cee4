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
    let data = probabilities(out.into_iter().map(|(_, d)| d).filter(|d| d.len() == n * n).collect())
        .ok_or_else(|| VisionError::Model("selfie_segmentation: unexpected output".into()))?;
    Ok(PlacedMap::new(FloatMap { w: n, h: n, data }, to_photo))
}

/// The person probabilities among the net's outputs of the right size. The graph ends in a
/// sigmoid, but a runtime's fast sigmoid may overshoot 1 by a rounding step (onnxruntime
/// does): such an output is still probabilities, clamped, and must never go through a second
/// sigmoid (which would map every pixel, background too, to ≥ 0.5: "all person"). Raw logits,
/// from a graph that exposes them, are recognised by lying far outside 0–1.
fn probabilities(candidates: Vec<Vec<f32>>) -> Option<Vec<f32>> {
    const SLACK: f32 = 1e-3;
    let is_prob = |d: &Vec<f32>| d.iter().all(|v| (-SLACK..=1.0 + SLACK).contains(v));
    match candidates.iter().position(is_prob) {
        Some(i) => Some(candidates[i].iter().map(|v| v.clamp(0.0, 1.0)).collect()),
        None => Some(candidates.first()?.iter().map(|v| 1.0 / (1.0 + (-v).exp())).collect()),
    }
}

/// The head-and-shoulders square for a face whose pupils are `l`, `r` (photo pixels): wide
/// enough for big hair and hats, low enough for the shoulders the model uses as context.
pub fn head_region(l: Point, r: Point) -> Region {
    let ipd = l.dist(r);
    let mid = l.mid(r);
    let side = 6.5 * ipd;
    Region { left: mid.x - side / 2.0, top: mid.y - 3.0 * ipd, side }
}

#[cfg(test)]
mod tests {
    use super::probabilities;

    #[test]
    fn a_sigmoid_that_overshoots_by_a_rounding_step_stays_probabilities() {
        // Background 0, person a hair above 1 (as onnxruntime's sigmoid gives on bright photos).
        let p = probabilities(vec![vec![0.0, 1.000_000_1, 0.2]]).unwrap();
        assert_eq!(p, vec![0.0, 1.0, 0.2], "the background must stay background");
    }

    #[test]
    fn logits_go_through_the_sigmoid_and_probabilities_win_over_them() {
        let p = probabilities(vec![vec![-8.0, 0.0, 8.0]]).unwrap();
        assert!(p[0] < 0.001 && (p[1] - 0.5).abs() < 1e-6 && p[2] > 0.999, "{p:?}");
        let p = probabilities(vec![vec![-8.0, 8.0], vec![0.1, 0.9]]).unwrap();
        assert_eq!(p, vec![0.1, 0.9]);
        assert!(probabilities(Vec::new()).is_none());
    }
}
