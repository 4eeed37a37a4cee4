//! Brows and eyes free of hair: a fringe over the brows hides the bare skin just above them;
//! hair over the eyes hides the skin of the upper lids. Each is the share of skin-coloured
//! pixels in that band, the weaker side.

use super::headwear::{BROW_LEFT, BROW_RIGHT};
use super::regions::FaceOnFrame;

/// Skin share of the band just above each brow (the weaker side).
pub fn above_brows(f: &FaceOnFrame) -> Option<f64> {
    let mut shares = Vec::new();
    for brow in [&BROW_LEFT[..5], &BROW_RIGHT[..5]] {
        let upper: Vec<_> = brow.iter().map(|&i| f.p(i)).collect();
        let mut band: Vec<_> = upper.iter().map(|&p| f.offset(p, 0.0, 0.04)).collect();
        band.extend(upper.iter().rev().map(|&p| f.offset(p, 0.0, 0.14)));
        shares.push(skin_share(f, &band)?);
    }
    shares.into_iter().min_by(f64::total_cmp)
}

/// Skin share of the upper lids, between each eye's upper contour and its brow's lower edge
/// (the weaker side). Deep-set eyes shade the lids, so on its own this is a weak signal: hair
/// over the eyes is judged on it only where the band above the brows is not bare skin.
pub fn upper_lids(f: &FaceOnFrame) -> Option<f64> {
    // Upper lid, outer → inner corner, and the brow's lower edge, inner → outer.
    let lids: [(&[usize], &[usize]); 2] = [
        (&[33, 246, 161, 160, 159, 158, 157, 173, 133], &BROW_LEFT[5..]),
        (&[263, 466, 388, 387, 386, 385, 384, 398, 362], &BROW_RIGHT[5..]),
    ];
    let mut shares = Vec::new();
    for (lid, brow) in lids {
        // Keep off the lashes and the brow hairs: a third of the way in from each.
        let top: Vec<_> = brow.iter().map(|&i| f.p(i)).collect();
        let bottom: Vec<_> = lid.iter().map(|&i| f.p(i)).collect();
        let mut poly: Vec<_> = bottom.iter().map(|&p| f.offset(p, 0.0, 0.05)).collect();
        poly.extend(top.iter().map(|&p| f.offset(p, 0.0, -0.04)));
        shares.push(skin_share(f, &poly)?);
    }
    shares.into_iter().min_by(f64::total_cmp)
}

fn skin_share(f: &FaceOnFrame, poly: &[crate::geometry::Point]) -> Option<f64> {
    if !f.in_frame(poly) {
        return None;
    }
    let px = f.polygon(poly);
    if px.len() < 10 {
        return None;
    }
    Some(px.iter().filter(|p| f.is_skin_or_sheen(p.0)).count() as f64 / px.len() as f64)
}
