//! Expression coefficients: MediaPipe Face Landmarker v2's blendshape model (52 ARKit-style
//! coefficients in 0..1, Apache-2.0; converted by tools/models/convert_blendshapes.sh). Its
//! input is 146 mesh points in pixels; the ten iris points it also reads (468–477) are made from
//! the refined pupils, since our mesh model has 468 points.

use serde::{Deserialize, Serialize};

use super::VisionError;
use super::landmarks::Landmarks;
use super::mesh::{Mesh, idx};
use crate::geometry::Point;

/// The mesh points the model reads, in its order (MediaPipe's face_blendshapes_graph.cc,
/// `kLandmarksSubsetIdxs`); 468–477 are the iris points.
pub const SUBSET: [usize; 146] = [
    0, 1, 4, 5, 6, 7, 8, 10, 13, 14, 17, 21, 33, 37, 39, 40, 46, 52, 53, 54, 55, 58, 61, 63, 65, 66, 67, 70, 78, 80,
    81, 82, 84, 87, 88, 91, 93, 95, 103, 105, 107, 109, 127, 132, 133, 136, 144, 145, 146, 148, 149, 150, 152, 153,
    154, 155, 157, 158, 159, 160, 161, 162, 163, 168, 172, 173, 176, 178, 181, 185, 191, 195, 197, 234, 246, 249, 251,
    263, 267, 269, 270, 276, 282, 283, 284, 285, 288, 291, 293, 295, 296, 297, 300, 308, 310, 311, 312, 314, 317, 318,
    321, 323, 324, 332, 334, 336, 338, 356, 361, 362, 365, 373, 374, 375, 377, 378, 379, 380, 381, 382, 384, 385, 386,
    387, 388, 389, 390, 397, 398, 400, 402, 405, 409, 415, 454, 466, 468, 469, 470, 471, 472, 473, 474, 475, 476, 477,
];

/// Iris radius over the eye's corner-to-corner width (MediaPipe's iris points on the London
/// photos: 20 px for an 88 px eye).
const IRIS_RADIUS: f64 = 0.23;

/// The coefficients the rules read (the model's names; "Left" is the person's left eye, on
/// the image's right).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Blendshapes {
    pub eye_blink_left: f32,
    pub eye_blink_right: f32,
    pub eye_squint_left: f32,
    pub eye_squint_right: f32,
    pub eye_wide_left: f32,
    pub eye_wide_right: f32,
    pub jaw_open: f32,
    pub mouth_close: f32,
    pub mouth_smile_left: f32,
    pub mouth_smile_right: f32,
    pub mouth_pucker: f32,
    pub mouth_funnel: f32,
    pub brow_inner_up: f32,
    pub cheek_puff: f32,
    pub nose_sneer: f32,
}

impl Blendshapes {
    fn from_scores(s: &[f32]) -> Blendshapes {
        Blendshapes {
            eye_blink_left: s[9],
            eye_blink_right: s[10],
            eye_squint_left: s[19],
            eye_squint_right: s[20],
            eye_wide_left: s[21],
            eye_wide_right: s[22],
            jaw_open: s[25],
            mouth_close: s[27],
            mouth_pucker: s[38],
            mouth_funnel: s[32],
            mouth_smile_left: s[44],
            mouth_smile_right: s[45],
            brow_inner_up: s[3],
            cheek_puff: s[6],
            nose_sneer: s[50].max(s[51]),
        }
    }
}

/// The 478 points the model was trained on: the mesh, then for each eye (image-left first,
/// as MediaPipe's 468 is the person's right iris) the centre and four points at the iris
/// edge: image-right, up, image-left, down.
pub fn input_points(mesh: &Mesh, lm: &Landmarks) -> Vec<Point> {
    let mut pts: Vec<Point> = (0..super::mesh::POINTS).map(|i| mesh.p(i)).collect();
    let (across, up) = (lm.across(), lm.up());
    for (centre, a, b) in [
        (lm.left_pupil, idx::EYE_LEFT_OUTER, idx::EYE_LEFT_INNER),
        (lm.right_pupil, idx::EYE_RIGHT_INNER, idx::EYE_RIGHT_OUTER),
    ] {
        let r = IRIS_RADIUS * mesh.p(a).dist(mesh.p(b));
        pts.push(centre);
        for d in [across, up, across.scale(-1.0), up.scale(-1.0)] {
            pts.push(centre.plus(d.scale(r)));
        }
    }
    pts
}

/// Run the model on the main face (about a millisecond).
pub fn estimate(mesh: &Mesh, lm: &Landmarks) -> Result<Blendshapes, VisionError> {
    run(input(mesh, lm))
}

/// The model's input for a face: its 146 points, flattened (cheap; kept by the tracker so the
/// model can run on the next frame beside the mesh).
pub fn input(mesh: &Mesh, lm: &Landmarks) -> Vec<f32> {
    let pts = input_points(mesh, lm);
    SUBSET.iter().flat_map(|&i| [pts[i].x as f32, pts[i].y as f32]).collect()
}

/// The expression model on an [`input`].
pub fn run(input: Vec<f32>) -> Result<Blendshapes, VisionError> {
    let model = &super::Models::get()?.blendshapes;
    let out = model.run(input)?;
    let s = out.into_iter().next().map(|(_, v)| v).unwrap_or_default();
    if s.len() != 52 {
        return Err(VisionError::Model(format!("face_blendshapes: {} outputs, expected 52", s.len())));
    }
    Ok(Blendshapes::from_scores(&s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subset_is_sorted_and_ends_with_the_ten_iris_points() {
        assert!(SUBSET.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(&SUBSET[136..], &[468, 469, 470, 471, 472, 473, 474, 475, 476, 477]);
    }
}
