//! BlazeFace face detection (MediaPipe short- and full-range models): SSD anchors, box and
//! keypoint decoding, weighted non-maximum suppression.

use serde::{Deserialize, Serialize};

use super::VisionError;
use super::models::Net;
use crate::geometry::{Point, Similarity};
use crate::pixels::Pyramid;

/// A detected face in photo pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    /// Axis-aligned box: left, top, width, height.
    pub rect: [f64; 4],
    pub score: f32,
    /// Image-left eye, image-right eye, nose tip, mouth, image-left ear, image-right ear.
    pub keypoints: [Point; 6],
}

impl Detection {
    pub fn center(&self) -> Point {
        Point::new(self.rect[0] + self.rect[2] / 2.0, self.rect[1] + self.rect[3] / 2.0)
    }
    pub fn width(&self) -> f64 {
        self.rect[2]
    }
    fn iou(&self, o: &Detection) -> f64 {
        let (a, b) = (&self.rect, &o.rect);
        let iw = (a[0] + a[2]).min(b[0] + b[2]) - a[0].max(b[0]);
        let ih = (a[1] + a[3]).min(b[1] + b[3]) - a[1].max(b[1]);
        if iw <= 0.0 || ih <= 0.0 {
            return 0.0;
        }
        let inter = iw * ih;
        inter / (a[2] * a[3] + b[2] * b[3] - inter)
    }
}

/// Anchor centres in [0,1] for MediaPipe's SSD layout: `strides` per layer, layers with the
/// same stride share a grid with 2 anchors each (aspect 1 + interpolated scale).
pub fn anchors(side: usize, strides: &[usize], per_layer: usize) -> Vec<Point> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < strides.len() {
        let stride = strides[i];
        let mut n = 0;
        while i < strides.len() && strides[i] == stride {
            n += per_layer;
            i += 1;
        }
        let cells = side.div_ceil(stride);
        for y in 0..cells {
            for x in 0..cells {
                for _ in 0..n {
                    out.push(Point::new((x as f64 + 0.5) / cells as f64, (y as f64 + 0.5) / cells as f64));
                }
            }
        }
    }
    out
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x.clamp(-100.0, 100.0)).exp())
}

/// Detect faces with one BlazeFace net; the photo is letterboxed into the net's square input.
pub fn detect(net: &Net, photo: &Pyramid, min_score: f32) -> Result<Vec<Detection>, VisionError> {
    let side = net.side;
    let (w, h) = (photo.width() as f64, photo.height() as f64);
    let f = w.max(h) / side as f64;
    // Letterbox: the photo centred in the square, black around it.
    let to_photo =
        Similarity { scale: f, angle: 0.0, tx: (w - side as f64 * f) / 2.0, ty: (h - side as f64 * f) / 2.0 };
    let input = photo.sample_tensor(&to_photo, side, side, -1.0, 1.0, Some(0.0));
    let out = net.run(input)?;
    let (mut regs, mut scores) = (None, None);
    for (shape, data) in &out {
        match shape.last() {
            Some(16) => regs = Some(data),
            Some(1) => scores = Some(data),
            _ => {}
        }
    }
    let (regs, scores) =
        regs.zip(scores).ok_or_else(|| VisionError::Model(format!("{}: unexpected outputs", net.name)))?;
    let n = scores.len();
    let anchors = match n {
        896 => anchors(side, &[8, 16, 16, 16], 2),
        2304 => anchors(side, &[4], 1),
        _ => {
            return Err(VisionError::Model(format!("{}: {n} anchors not understood", net.name)));
        }
    };
    let s = side as f64;
    let to_px = |p: Point| to_photo.apply(p.scale(s));
    let mut found = Vec::new();
    for (i, a) in anchors.iter().enumerate() {
        let score = sigmoid(scores[i]);
        if score < min_score {
            continue;
        }
        let r = &regs[i * 16..i * 16 + 16];
        let c = Point::new(r[0] as f64 / s + a.x, r[1] as f64 / s + a.y);
        let (bw, bh) = (r[2] as f64 / s, r[3] as f64 / s);
        let tl = to_px(Point::new(c.x - bw / 2.0, c.y - bh / 2.0));
        let kp =
            std::array::from_fn(|k| to_px(Point::new(r[4 + 2 * k] as f64 / s + a.x, r[5 + 2 * k] as f64 / s + a.y)));
        found.push(Detection { rect: [tl.x, tl.y, bw * s * f, bh * s * f], score, keypoints: kp });
    }
    Ok(weighted_nms(found, 0.3))
}

/// MediaPipe's weighted NMS: overlapping boxes are averaged, weighted by score.
pub fn weighted_nms(mut dets: Vec<Detection>, iou: f64) -> Vec<Detection> {
    dets.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while !dets.is_empty() {
        let top = dets[0].clone();
        let (group, rest): (Vec<Detection>, Vec<Detection>) = dets.into_iter().partition(|d| d.iou(&top) > iou);
        dets = rest;
        let total: f64 = group.iter().map(|d| d.score as f64).sum();
        let mut merged = top.clone();
        merged.rect = [0.0; 4];
        merged.keypoints = [Point::default(); 6];
        for d in &group {
            let wgt = d.score as f64 / total;
            for k in 0..4 {
                merged.rect[k] += d.rect[k] * wgt;
            }
            for k in 0..6 {
                merged.keypoints[k] = merged.keypoints[k].plus(d.keypoints[k].scale(wgt));
            }
        }
        out.push(merged);
    }
    out
}

/// Merge detections from several nets: the same face found twice counts once (the caller orders them).
pub fn merge(mut a: Vec<Detection>, b: Vec<Detection>) -> Vec<Detection> {
    for d in b {
        if !a.iter().any(|x| x.iou(&d) > 0.3 || x.center().dist(d.center()) < x.width().min(d.width()) * 0.5) {
            a.push(d);
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_layouts_match_the_models() {
        let short = anchors(128, &[8, 16, 16, 16], 2);
        assert_eq!(short.len(), 896);
        assert_eq!(short[0], Point::new(0.5 / 16.0, 0.5 / 16.0));
        assert_eq!(short[1], short[0]);
        // Second grid starts at index 512 with 6 anchors per 8×8 cell.
        assert_eq!(short[512], Point::new(0.5 / 8.0, 0.5 / 8.0));
        assert_eq!(short[517], short[512]);
        assert_eq!(anchors(192, &[4], 1).len(), 2304);
    }

    fn det(x: f64, score: f32) -> Detection {
        Detection { rect: [x, 0.0, 10.0, 10.0], score, keypoints: [Point::new(x, 0.0); 6] }
    }

    #[test]
    fn weighted_nms_averages_overlaps_and_keeps_separate_faces() {
        let out = weighted_nms(vec![det(0.0, 0.9), det(1.0, 0.3), det(50.0, 0.8)], 0.3);
        assert_eq!(out.len(), 2);
        assert!((out[0].rect[0] - 0.25).abs() < 1e-6, "{:?}", out[0].rect);
        assert_eq!(out[0].score, 0.9);
        assert_eq!(out[1].rect[0], 50.0);
    }

    #[test]
    fn merging_does_not_double_count() {
        let m = merge(vec![det(0.0, 0.9)], vec![det(2.0, 0.7), det(100.0, 0.7)]);
        assert_eq!(m.len(), 2);
    }
}
