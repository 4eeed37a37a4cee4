//! Clothing against the backdrop: the official guidance asks for clothes that stand apart from
//! the background (a white top on a white backdrop dissolves into it). Measured on the
//! shoulders beside the neck, where the frame shows clothing, inside the person mask.

use image::RgbImage;

use crate::detect::Face;
use crate::geometry::Similarity;
use crate::pixels::{FloatMap, lab};

/// The clothing's median CIELAB colour on the output frame, or None where too little of it
/// shows (a frame cut at the chin, hair over both shoulders is still measured as it looks).
pub fn colour(face: &Face, crop: &Similarity, out: &RgbImage, person: &FloatMap) -> Option<[f64; 3]> {
    let lm = &face.landmarks;
    let (chin, ipd) = (crop.apply(lm.chin), crop.apply(lm.left_pupil).dist(crop.apply(lm.right_pupil)));
    if ipd < 4.0 {
        return None;
    }
    // Skin (a wide neckline, bare shoulders) and hair over a shoulder show there too: warm
    // colours of some strength. Left out, unless that is all there is (then the top is itself
    // warm-coloured, which no white or blue backdrop resembles, and all of it is measured).
    let warm = |c: [f32; 3]| {
        let hue = c[2].atan2(c[1]).to_degrees();
        c[1].hypot(c[2]) > 8.0 && (15.0..=85.0).contains(&hue)
    };
    // The shoulders: below the neck's start, well to the side of the neckline (a wide one
    // shows the chest's skin), in the frame's lowest rows.
    let top = (chin.y + 0.7 * ipd).max(out.height() as f64 * 0.85).max(0.0) as u32;
    let (mut samples, mut warm_ones): (Vec<[f32; 3]>, Vec<[f32; 3]>) = (Vec::new(), Vec::new());
    for y in (top..out.height()).step_by(2) {
        for x in (0..out.width()).step_by(2) {
            let beside_neck = (x as f64 + 0.5 - chin.x).abs() > 1.2 * ipd;
            if beside_neck && person.get(x as usize, y as usize) >= 0.95 {
                let c = lab(out.get_pixel(x, y).0);
                if warm(c) { warm_ones.push(c) } else { samples.push(c) }
            }
        }
    }
    if samples.len() < 100 {
        samples.extend(warm_ones);
    }
    if samples.len() < 100 {
        return None;
    }
    Some(std::array::from_fn(|c| {
        let mut v: Vec<f32> = samples.iter().map(|s| s[c]).collect();
        v.sort_by(f32::total_cmp);
        v[v.len() / 2] as f64
    }))
}
