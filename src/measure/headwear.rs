//! Something on the head that is not hair: the colour on top of the head (above the forehead,
//! on the person). Hair, whatever its colour, keeps to a narrow band of hues (black, browns,
//! blondes, reds, greys: b* ≳ 0, a* ≳ 0, moderate chroma); caps, hats and scarves in blue,
//! green or vivid colours fall outside it. Dark, white and beige headwear does not, and is left
//! to the height rule and to a person (docs/rules.md).

use super::regions::{FaceOnFrame, median_lab};
use crate::pixels::lightness;

/// How far the top of the head's median colour lies outside hair hues (L*a*b* units); None when
/// too little of the top is on the person or in the frame.
pub fn top_outside_hair_hues(f: &FaceOnFrame) -> Option<f64> {
    let top = f.quad(f.p(10), [(-0.35, 0.3), (0.35, 0.3), (0.35, 0.75), (-0.35, 0.75)]);
    let px: Vec<[u8; 3]> = f.polygon(&top).into_iter().filter(|p| p.1).map(|p| p.0).collect();
    let lab = median_lab(&px).filter(|_| px.len() as f64 > 0.1 * f.ipd * f.ipd)?;
    Some(outside_hair_hues(lab))
}

/// Lightness spread (L*, 90th minus 10th percentile) of the top of the head on the person.
/// Hair is one colour with its sheen; a cap is made of parts — a black band under a white
/// crown, a badge. None when too little of the top is on the person or in the frame.
pub fn top_lightness_spread(f: &FaceOnFrame) -> Option<f64> {
    let top = f.quad(f.p(10), [(-0.35, 0.3), (0.35, 0.3), (0.35, 0.75), (-0.35, 0.75)]);
    let mut l: Vec<f32> = f.polygon(&top).into_iter().filter(|p| p.1).map(|p| lightness(p.0)).collect();
    if (l.len() as f64) <= 0.1 * f.ipd * f.ipd {
        return None;
    }
    l.sort_by(f32::total_cmp);
    let at = |q: f64| l[((l.len() - 1) as f64 * q).round() as usize] as f64;
    Some(at(0.9) - at(0.1))
}

/// Distance of a colour beyond the hair hues: bluer than b* = −2, greener than a* = −3, or more
/// chroma than 40.
pub fn outside_hair_hues(lab: [f32; 3]) -> f64 {
    let chroma = lab[1].hypot(lab[2]);
    [-lab[2] - 2.0, -lab[1] - 3.0, chroma - 40.0, 0.0].into_iter().fold(f32::MIN, f32::max) as f64
}

/// Brow polygons (upper edge then lower edge back), image-left and image-right.
pub const BROW_LEFT: [usize; 10] = [70, 63, 105, 66, 107, 55, 65, 52, 53, 46];
pub const BROW_RIGHT: [usize; 10] = [300, 293, 334, 296, 336, 285, 295, 282, 283, 276];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hair_hues_are_inside_and_fabric_blues_and_greens_outside() {
        for hair in [[15.0f32, 1.0, 2.0], [35.0, 8.0, 18.0], [70.0, 4.0, 25.0], [80.0, 0.0, 1.0], [30.0, 20.0, 25.0]] {
            assert_eq!(outside_hair_hues(hair), 0.0, "{hair:?}");
        }
        assert!(outside_hair_hues([20.0, 5.0, -20.0]) > 10.0, "navy");
        assert!(outside_hair_hues([50.0, -40.0, 30.0]) > 10.0, "green");
    }
}
