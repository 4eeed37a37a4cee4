//! Head pose: a weighted 3-D Procrustes fit of the mesh to MediaPipe's canonical face
//! (Horn's quaternion method), using MediaPipe's own choice of stable points and weights.
//! All 33 weighted points vote, so the angles are far steadier than any two-point axis.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::mesh::Mesh;

/// Subtracted from the fitted pitch: the canonical face's own "level" is not a level head.
/// Fitted by `idbooth eval --fit` as the median over frontal studio photos (docs/calibration.md).
pub const PITCH_OFFSET_DEG: f64 = 0.5;

/// Degrees. Yaw > 0: the face turns towards the image's right; pitch > 0: chin up.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HeadPose {
    pub yaw: f64,
    pub pitch: f64,
}

struct Canonical {
    weights: Vec<(usize, f64)>,
    points: Vec<[f64; 3]>,
}

static CANONICAL: LazyLock<Canonical> = LazyLock::new(|| parse(include_str!("../../assets/models/canonical_face.txt")));

fn parse(text: &str) -> Canonical {
    let mut weights = Vec::new();
    let mut points = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if let Some(rest) = line.strip_prefix("weights ") {
            weights = rest
                .split_whitespace()
                .filter_map(|kv| {
                    let (k, v) = kv.split_once(':')?;
                    Some((k.parse().ok()?, v.parse().ok()?))
                })
                .collect();
        } else {
            let v: Vec<f64> = line.split_whitespace().filter_map(|x| x.parse().ok()).collect();
            if v.len() == 3 {
                points.push([v[0], v[1], v[2]]);
            }
        }
    }
    Canonical { weights, points }
}

/// Pose of the mesh's face. The mesh is in image axes (x right, y down, z away from the
/// camera); the canonical face has y up and z towards the viewer, so y and z are flipped.
pub fn head_pose(mesh: &Mesh) -> Option<HeadPose> {
    let c = &*CANONICAL;
    if c.points.len() != mesh.points.len() || c.weights.is_empty() {
        return None;
    }
    let obs = |i: usize| {
        let p = mesh.points[i];
        [p[0], -p[1], -p[2]]
    };
    let wsum: f64 = c.weights.iter().map(|w| w.1).sum();
    let mean = |f: &dyn Fn(usize) -> [f64; 3]| {
        let mut m = [0.0; 3];
        for &(i, w) in &c.weights {
            let p = f(i);
            for k in 0..3 {
                m[k] += w * p[k] / wsum;
            }
        }
        m
    };
    let ca = mean(&|i| c.points[i]);
    let cb = mean(&obs);
    // Cross-covariance S[j][k] = Σ w a_j b_k over the centred points.
    let mut s = [[0.0; 3]; 3];
    for &(i, w) in &c.weights {
        let (a, b) = (c.points[i], obs(i));
        for j in 0..3 {
            for k in 0..3 {
                s[j][k] += w * (a[j] - ca[j]) * (b[k] - cb[k]);
            }
        }
    }
    let [[sxx, sxy, sxz], [syx, syy, syz], [szx, szy, szz]] = s;
    let n = [
        [sxx + syy + szz, syz - szy, szx - sxz, sxy - syx],
        [syz - szy, sxx - syy - szz, sxy + syx, szx + sxz],
        [szx - sxz, sxy + syx, -sxx + syy - szz, syz + szy],
        [sxy - syx, szx + sxz, syz + szy, -sxx - syy + szz],
    ];
    let q = top_eigenvector(n);
    // The face's forward direction (canonical +z) after rotation by q.
    let [w, x, y, z] = q;
    let f = [2.0 * (x * z + w * y), 2.0 * (y * z - w * x), 1.0 - 2.0 * (x * x + y * y)];
    Some(HeadPose { yaw: f[0].atan2(f[2]).to_degrees(), pitch: f[1].atan2(f[2]).to_degrees() - PITCH_OFFSET_DEG })
}

/// Eigenvector of the largest eigenvalue of a symmetric 4×4 matrix (cyclic Jacobi).
fn top_eigenvector(mut a: [[f64; 4]; 4]) -> [f64; 4] {
    let mut v = [[0.0; 4]; 4];
    for (i, row) in v.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for _sweep in 0..50 {
        let off: f64 = (0..4)
            .flat_map(|i| (0..4).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        if off < 1e-22 {
            break;
        }
        for p in 0..3 {
            for q in p + 1..4 {
                if a[p][q].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let (c, s) = (1.0 / (t * t + 1.0).sqrt(), t / (t * t + 1.0).sqrt());
                for row in a.iter_mut() {
                    let (akp, akq) = (row[p], row[q]);
                    row[p] = c * akp - s * akq;
                    row[q] = s * akp + c * akq;
                }
                let (rp, rq) = (a[p], a[q]);
                for k in 0..4 {
                    a[p][k] = c * rp[k] - s * rq[k];
                    a[q][k] = s * rp[k] + c * rq[k];
                }
                for row in v.iter_mut() {
                    let (vp, vq) = (row[p], row[q]);
                    row[p] = c * vp - s * vq;
                    row[q] = s * vp + c * vq;
                }
            }
        }
    }
    let best = (0..4).max_by(|&i, &j| a[i][i].total_cmp(&a[j][j])).unwrap_or(0);
    [v[0][best], v[1][best], v[2][best], v[3][best]]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The canonical face itself, rotated by known angles and put in image axes.
    fn posed(yaw: f64, pitch: f64) -> Mesh {
        let (y, p) = (yaw.to_radians(), pitch.to_radians());
        let points = CANONICAL
            .points
            .iter()
            .map(|&[x0, y0, z0]| {
                // Pitch about x (chin up = forward tilts to +y), then yaw about y.
                let (y1, z1) = (y0 * p.cos() + z0 * p.sin(), -y0 * p.sin() + z0 * p.cos());
                let (x2, z2) = (x0 * y.cos() + z1 * y.sin(), -x0 * y.sin() + z1 * y.cos());
                [300.0 + 20.0 * x2, 300.0 - 20.0 * y1, -20.0 * z2]
            })
            .collect();
        Mesh { points, score: 1.0 }
    }

    #[test]
    fn recovers_known_angles() {
        for (yaw, pitch) in [(0.0, 0.0), (10.0, 0.0), (0.0, -8.0), (-15.0, 6.0)] {
            let mut got = head_pose(&posed(yaw, pitch)).unwrap();
            got.pitch += PITCH_OFFSET_DEG;
            assert!((got.yaw - yaw).abs() < 0.5 && (got.pitch - pitch).abs() < 0.5, "{yaw},{pitch} → {got:?}");
        }
    }
}
