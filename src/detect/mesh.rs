//! MediaPipe face mesh: 468 3-D points from a rotated square crop around the face.

use super::VisionError;
use super::face::Detection;
use super::models::Net;
use crate::geometry::{Point, Similarity, line_angle_deg};
use crate::pixels::Pyramid;

/// Mesh indices we use (image-left/right as seen in an unmirrored photo).
pub mod idx {
    pub const CHIN: usize = 152;
    pub const FOREHEAD: usize = 10;
    pub const NOSE_TIP: usize = 1;
    pub const CHEEK_LEFT: usize = 234;
    pub const CHEEK_RIGHT: usize = 454;
    /// Outer eye corners (the person's right eye is on the image's left).
    pub const EYE_LEFT_OUTER: usize = 33;
    pub const EYE_LEFT_INNER: usize = 133;
    pub const EYE_RIGHT_INNER: usize = 362;
    pub const EYE_RIGHT_OUTER: usize = 263;
    /// Eye contours, clockwise-ish loops (corner, lower lid…, corner, upper lid…).
    pub const EYE_LEFT: [usize; 16] = [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246];
    pub const EYE_RIGHT: [usize; 16] = [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466];
    /// Upper and lower lid mid points.
    pub const EYE_LEFT_LIDS: [(usize, usize); 3] = [(160, 144), (159, 145), (158, 153)];
    pub const EYE_RIGHT_LIDS: [(usize, usize); 3] = [(385, 380), (386, 374), (387, 373)];
    pub const MOUTH_LEFT: usize = 61;
    pub const MOUTH_RIGHT: usize = 291;
    pub const LIP_INNER_TOP: usize = 13;
    pub const LIP_INNER_BOTTOM: usize = 14;
    /// Inner lip loop (lower lip left→right, then upper lip right→left).
    pub const LIPS_INNER: [usize; 20] =
        [78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191];
    /// Face outline loop.
    pub const FACE_OVAL: [usize; 36] = [
        10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149,
        150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
    ];
}

pub const POINTS: usize = 468;

/// Mesh points in photo pixels; `z` in the same pixel scale (negative towards the camera).
#[derive(Debug, Clone)]
pub struct Mesh {
    pub points: Vec<[f64; 3]>,
    /// Face-presence probability from the model.
    pub score: f32,
}

impl Mesh {
    pub fn p(&self, i: usize) -> Point {
        Point::new(self.points[i][0], self.points[i][1])
    }
    pub fn mean(&self, ids: &[usize]) -> Point {
        let s = ids.iter().fold(Point::default(), |a, &i| a.plus(self.p(i)));
        s.scale(1.0 / ids.len() as f64)
    }
}

/// The model's crop: centre, side length and angle (radians, along the eye line).
#[derive(Debug, Clone, Copy)]
pub struct Roi {
    pub center: Point,
    pub side: f64,
    pub angle: f64,
}

impl Roi {
    /// MediaPipe's detection → ROI: rotation from the eye keypoints, box ×1.5, square.
    pub fn from_detection(d: &Detection) -> Roi {
        let angle = line_angle_deg(d.keypoints[0], d.keypoints[1]).to_radians();
        Roi { center: d.center(), side: d.rect[2].max(d.rect[3]) * 1.5, angle }
    }
    /// MediaPipe's landmarks → ROI (tracking): rotation from the outer eye corners,
    /// bounding box of all points ×1.5, square.
    pub fn from_mesh(m: &Mesh) -> Roi {
        let angle = line_angle_deg(m.p(idx::EYE_LEFT_OUTER), m.p(idx::EYE_RIGHT_OUTER)).to_radians();
        // Bounding box in the rotated frame, so a tilted head gets a tight crop.
        let rot: Vec<Point> = (0..POINTS).map(|i| m.p(i).rotate(-angle)).collect();
        let (mut lo, mut hi) = (Point::new(f64::MAX, f64::MAX), Point::new(f64::MIN, f64::MIN));
        for p in &rot {
            lo = Point::new(lo.x.min(p.x), lo.y.min(p.y));
            hi = Point::new(hi.x.max(p.x), hi.y.max(p.y));
        }
        let center = lo.mid(hi).rotate(angle);
        Roi { center, side: (hi.x - lo.x).max(hi.y - lo.y) * 1.5, angle }
    }
    pub(crate) fn to_photo(self, side_px: usize) -> Similarity {
        let k = self.side / side_px as f64;
        let half = Point::new(side_px as f64 / 2.0, side_px as f64 / 2.0).scale(k).rotate(self.angle);
        Similarity { scale: k, angle: self.angle, tx: self.center.x - half.x, ty: self.center.y - half.y }
    }
}

pub fn run(net: &Net, photo: &Pyramid, roi: Roi) -> Result<Mesh, VisionError> {
    run_inner(net, photo, roi, false)
}

/// The mesh of the mirrored crop, mapped back: point `i` here is where the model puts point
/// `i` on the mirror image, so for midline points (chin, forehead, nose) it is a second,
/// independent estimate of the same point; paired points swap sides.
pub fn run_mirrored(net: &Net, photo: &Pyramid, roi: Roi) -> Result<Mesh, VisionError> {
    run_inner(net, photo, roi, true)
}

fn run_inner(net: &Net, photo: &Pyramid, roi: Roi, mirror: bool) -> Result<Mesh, VisionError> {
    let to_photo = roi.to_photo(net.side);
    let n = net.side;
    let mut input = photo.sample_tensor(&to_photo, n, n, 0.0, 1.0, None);
    if mirror {
        for row in input.chunks_mut(n * 3) {
            for x in 0..n / 2 {
                for c in 0..3 {
                    row.swap(x * 3 + c, (n - 1 - x) * 3 + c);
                }
            }
        }
    }
    let out = net.run(input)?;
    let mut pts = None;
    let mut score = None;
    for (_, data) in &out {
        match data.len() {
            1404 => pts = Some(data),
            1 => score = Some(data[0]),
            _ => {}
        }
    }
    let pts = pts.ok_or_else(|| VisionError::Model("face_landmark: no 1404-value output".into()))?;
    let points = pts
        .chunks(3)
        .map(|c| {
            let u = if mirror { n as f64 - c[0] as f64 } else { c[0] as f64 };
            let p = to_photo.apply(Point::new(u, c[1] as f64));
            [p.x, p.y, c[2] as f64 * to_photo.scale]
        })
        .collect();
    let score = score.map(|s| 1.0 / (1.0 + (-s).exp())).unwrap_or(1.0);
    Ok(Mesh { points, score })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roi_maps_the_input_square_onto_the_rotated_crop() {
        let roi = Roi { center: Point::new(500.0, 400.0), side: 300.0, angle: 0.1 };
        let t = roi.to_photo(192);
        assert!(t.apply(Point::new(96.0, 96.0)).dist(roi.center) < 1e-9);
        let right_mid = t.apply(Point::new(192.0, 96.0));
        assert!((right_mid.dist(roi.center) - 150.0).abs() < 1e-9);
        assert!((line_angle_deg(roi.center, right_mid) - 0.1f64.to_degrees()).abs() < 1e-9);
    }
}
