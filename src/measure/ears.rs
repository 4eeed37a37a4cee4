//! Ears visible: skin-coloured pixels beside the face, where the mesh says the ears are (just
//! outside the face outline, from brow height to the ear lobes). Hair over the ears replaces
//! that skin with hair; the weaker side counts.

use super::regions::FaceOnFrame;

/// Share of the ear region (each side) that is skin on the person, the smaller side; None when
/// an ear region leaves the frame.
pub fn skin_share(f: &FaceOnFrame) -> Option<f64> {
    let mut shares = Vec::new();
    for (oval, dir) in [(234usize, -1.0), (454, 1.0)] {
        let region = f.quad(f.p(oval), [(0.02 * dir, 0.15), (0.3 * dir, 0.15), (0.3 * dir, -0.5), (0.02 * dir, -0.5)]);
        if !f.in_frame(&region) {
            return None;
        }
        let px = f.polygon(&region);
        if px.is_empty() {
            return None;
        }
        let skin = px.iter().filter(|p| p.1 && f.is_skin(p.0)).count();
        shares.push(skin as f64 / px.len() as f64);
    }
    shares.into_iter().min_by(f64::total_cmp)
}
