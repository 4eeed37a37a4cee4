//! Earrings and necklaces: small specular (metal, pearls) or strongly coloured (stones, beads)
//! spots that are not skin, below the ear lobes and on the neck between the chin and the
//! collar. Measured as an area in units of (0.05 IPD)², about a small stud; the larger of
//! the two ears and the neck.

use super::regions::FaceOnFrame;
use crate::pixels::lab;

/// None when the regions are not in the frame.
pub fn spots(f: &FaceOnFrame) -> Option<f64> {
    let unit = (0.05 * f.ipd).powi(2);
    let mut worst: f64 = 0.0;
    for (oval, dir) in [(132usize, -1.0), (361, 1.0)] {
        let region =
            f.quad(f.p(oval), [(-0.02 * dir, 0.15), (0.35 * dir, 0.15), (0.35 * dir, -0.45), (-0.02 * dir, -0.45)]);
        if !f.in_frame(&region) {
            return None;
        }
        let n = f.polygon(&region).iter().filter(|p| p.1 && is_jewel(f, p.0)).count();
        worst = worst.max(n as f64 / unit);
    }
    worst = worst.max(neck(f)? / unit);
    Some(worst)
}

/// Jewel-like pixels on the neck, above the collar (the first rows that are mostly not skin).
fn neck(f: &FaceOnFrame) -> Option<f64> {
    let chin = f.p(152);
    let mut count = 0usize;
    let mut t = 0.12;
    while t < 1.0 {
        let row = f.quad(chin, [(-0.28, -t), (0.28, -t), (0.28, -t - 0.02), (-0.28, -t - 0.02)]);
        if !f.in_frame(&row) {
            return None;
        }
        let px = f.polygon(&row);
        let skin = px.iter().filter(|p| f.is_skin(p.0)).count();
        if px.is_empty() || (skin as f64) < 0.4 * px.len() as f64 {
            break; // the collar (or hair, or the photo's end)
        }
        count += px.iter().filter(|p| p.1 && is_jewel(f, p.0)).count();
        t += 0.02;
    }
    Some(count as f64)
}

fn is_jewel(f: &FaceOnFrame, px: [u8; 3]) -> bool {
    if f.is_skin(px) {
        return false;
    }
    let c = lab(px);
    let chroma = c[1].hypot(c[2]);
    let skin_l = f.skin.map_or(60.0, |s| s[0]);
    (c[0] > 82.0 && c[0] > skin_l + 12.0 && chroma < 12.0) || chroma > 50.0
}
