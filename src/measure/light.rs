//! Light on the face, in stops (EV) of linear luminance so that the numbers mean the same on
//! every skin tone: the ratio between the two halves (one-sided light, "阴阳脸"), dark patches
//! left after removing that side-to-side gradient (cap brims, nose and hair shadows), and
//! specular hot spots on the skin.
//!
//! The old measure compared the median L* of the two halves of the whole lower face: on dark
//! skin the same light ratio gives a smaller L* gap than on pale skin, and beard, stubble and
//! the jaw's edge entered it. Symmetric skin patches above the beard line, compared in stops and
//! summarised by their median, measure the light and nothing else.

use super::regions::{CHEEK_PAIRS, FOREHEAD_PAIR, FaceOnFrame, luminance, median_stops};
use crate::geometry::median;
use crate::pixels::lab;

/// Patch radius, in inter-pupil distances.
const R: f64 = 0.09;

/// Signed log2(left / right) luminance over symmetric skin patches (median of the pairs).
pub fn side_ratio(f: &FaceOnFrame) -> Option<f64> {
    let pairs: Vec<(usize, usize)> = CHEEK_PAIRS.iter().copied().chain([FOREHEAD_PAIR]).collect();
    let diffs: Vec<f64> = pairs
        .iter()
        .filter_map(|&(a, b)| Some(median_stops(&f.disc(f.p(a), R))? - median_stops(&f.disc(f.p(b), R))?))
        .collect();
    if diffs.len() < 3 {
        return None;
    }
    median(&diffs)
}

/// Regions checked for shadows: forehead centre, between the brows, the nose bridge, the upper
/// cheeks, under the eyes and beside the nose.
const SHADOW_POINTS: [usize; 9] = [151, 9, 6, 50, 280, 118, 347, 36, 266];

/// The darkest region's deficit (stops) against the face's level, after removing the
/// side-to-side gradient `ratio`: 0 for an evenly lit face.
pub fn shadow(f: &FaceOnFrame, ratio: f64) -> Option<f64> {
    let half_width = f.p(CHEEK_PAIRS[0].1).minus(f.p(CHEEK_PAIRS[0].0)).dot(f.across).abs().max(1e-6);
    let mut residuals = Vec::new();
    for &i in &SHADOW_POINTS {
        let p = f.p(i);
        let px = f.disc(p, R);
        // Hair (a fringe) is not a shadow: only skin-coloured regions count.
        if px.iter().filter(|&&c| f.is_skin(c)).count() * 2 < px.len() {
            continue;
        }
        let Some(level) = median_stops(&px) else { continue };
        // Position across the face: −1 at the image-left cheek patch, +1 at the right one.
        let s = 2.0 * p.minus(f.eye_mid).dot(f.across) / half_width;
        // The gradient runs from +ratio/2 (image-left) to −ratio/2 (image-right).
        residuals.push(level + s * ratio / 2.0);
    }
    if residuals.len() < 6 {
        return None;
    }
    let mid = median(&residuals)?;
    Some(residuals.iter().map(|r| mid - r).fold(0.0, f64::max))
}

/// Share (%) of the skin on the forehead, nose and cheeks that is a specular hot spot: much
/// brighter than the face's own skin and nearly colourless.
pub fn reflection(f: &FaceOnFrame) -> Option<f64> {
    let skin = f.skin?;
    let skin_y = luminance_of_lab(skin[0]);
    let mut px = f.disc(f.p(151), 0.22);
    px.extend(f.disc(f.p(195), 0.12)); // nose bridge
    px.extend(f.disc(f.p(4), 0.1)); // nose tip
    for &(a, b) in &CHEEK_PAIRS[..1] {
        px.extend(f.disc(f.p(a), 0.15));
        px.extend(f.disc(f.p(b), 0.15));
    }
    if px.len() < 50 {
        return None;
    }
    let hot = px
        .iter()
        .filter(|&&p| {
            let c = lab(p);
            luminance(p) > 2.0 * skin_y && c[0] > 70.0 && c[1].hypot(c[2]) < 0.6 * skin[1].hypot(skin[2]) + 4.0
        })
        .count();
    Some(100.0 * hot as f64 / px.len() as f64)
}

fn luminance_of_lab(l: f32) -> f64 {
    let fy = (l as f64 + 16.0) / 116.0;
    if fy > 6.0 / 29.0 { fy.powi(3) } else { (fy - 16.0 / 116.0) / 7.787 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lab_lightness_back_to_luminance() {
        for px in [[200u8, 200, 200], [30, 30, 30], [128, 128, 128]] {
            let y = luminance(px);
            assert!((luminance_of_lab(lab(px)[0]) - y).abs() < 2e-3, "{px:?}");
        }
    }
}
