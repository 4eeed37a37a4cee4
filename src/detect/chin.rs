//! The chin from the photo, not only from the mesh.
//!
//! The mesh puts its chin point (152) near the chin's lower edge, but how near depends on the
//! source: on the London studio photos it sits a median 1.9 % of the inter-pupil distance
//! (IPD) above the hand-placed chin, on the evenly lit Canadian portraits 6.8 % above. The
//! edge is what a reviewer sees and what the hand-placed points mark. Where the chin turns
//! under towards the neck the photo shows either a thin dark line (the occluding contour, on
//! evenly lit faces) or a light-above/dark-below step (the neck in the chin's shadow). So the
//! mesh's lower jaw contour is slid along the face axis over a short range around the mesh's
//! guess, and the chin goes where the contour, averaged over the central 0.44 IPD of the jaw,
//! lies on the strongest such line-or-step. The range is lopsided on purpose: below the chin
//! lie neck creases, collar shadows and beard edges, so the search never moves the chin more
//! than 0.08 IPD down; above it lies only the chin's own skin, and on soft or double chins the
//! mesh's point can sit below the chin's edge, so the search reaches 0.075 IPD up.

use super::mesh::Mesh;
use crate::geometry::{Point, Similarity};
use crate::pixels::{FloatMap, Pyramid, lightness};

/// Added along the face axis (IPD, down) to the edge the search finds. Fitted by `idbooth eval
/// --fit` (docs/calibration.md gives the data and the errors on photos it was not fitted on).
pub const CHIN_OFFSET_IPD: f64 = -0.0021;

/// Patch resolution: patch pixels per IPD.
const PX_PER_IPD: f64 = 200.0;
/// Search range of the contour's shift, IPD below the mesh's chin (negative: above). Reaching
/// further down lets neck creases and beard edges win (London p95 10–17 %); reaching up from
/// 0.03 to 0.075 IPD finds the chins the mesh overshoots (London 006_03, 083_03, 097_03) and
/// changes nothing from 0.06 to 0.105 (docs/calibration.md).
const SHIFT_RANGE: (f64, f64) = (-0.075, 0.08);
/// Half the width of the jaw stretch that votes, IPD either side of the face axis.
const HALF_WIDTH: f64 = 0.22;
/// Profile sample spacing, IPD.
const PROFILE_STEP: f64 = 0.0025;
/// A dark line is judged against the lightness this far above and below it (0.015 IPD).
const LINE_SAMPLES: usize = 6;
/// A step is light within this far above minus dark within this far below (0.01 IPD).
const STEP_SAMPLES: usize = 4;
/// Weight of the step against the line.
const STEP_WEIGHT: f64 = 0.5;

/// Lower jaw points of the mesh as (left, right) index pairs, from the chin outwards.
const JAW: [(usize, usize); 5] = [(152, 152), (148, 377), (176, 400), (149, 378), (150, 379)];

/// The chin: the mesh's chin point moved onto the photo's chin edge (see the module notes).
/// `mirrored` is the mesh of the mirrored crop (averaged in, as for the other midline points);
/// `left`, `right` are the refined pupils, which give the face axis and the scale.
pub fn locate(photo: &Pyramid, m: &Mesh, mirrored: Option<&Mesh>, left: Point, right: Point) -> Point {
    let ipd = left.dist(right).max(1e-9);
    let across = right.minus(left).scale(1.0 / ipd);
    let down = across.rotate(std::f64::consts::FRAC_PI_2);
    let both = |i: usize, j: usize| match mirrored {
        Some(f) => m.p(i).mid(f.p(j)),
        None => m.p(i),
    };
    let origin = both(152, 152);
    // Faces too small for a patch keep the mesh's point (such photos fail on size anyway).
    let edge = JawField::new(photo, &jaw_contour(&both, origin, across, down, ipd), origin, across, ipd)
        .and_then(|f| f.edge())
        .unwrap_or(0.0);
    origin.plus(down.scale((edge + CHIN_OFFSET_IPD) * ipd))
}

/// The jaw contour in face coordinates (u across, v down, IPD, origin at the mesh's chin),
/// sorted by u; paired points are averaged with their mirror partners like the chin.
fn jaw_contour(
    both: &dyn Fn(usize, usize) -> Point,
    origin: Point,
    across: Point,
    down: Point,
    ipd: f64,
) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = JAW
        .iter()
        .flat_map(|&(a, b)| [both(a, b), both(b, a)])
        .map(|p| {
            let d = p.minus(origin);
            (d.dot(across) / ipd, d.dot(down) / ipd)
        })
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    pts.dedup_by(|a, b| (a.0 - b.0).abs() < 1e-9);
    pts
}

/// Height of the contour at `u`: piecewise linear, flat beyond the last points.
fn contour_at(c: &[(f64, f64)], u: f64) -> f64 {
    match c.iter().position(|p| p.0 >= u) {
        None => c.last().map_or(0.0, |p| p.1),
        Some(0) => c[0].1,
        Some(i) => {
            let ((u0, v0), (u1, v1)) = (c[i - 1], c[i]);
            v0 + (v1 - v0) * (u - u0) / (u1 - u0).max(1e-12)
        }
    }
}

/// Lightness of a face-aligned patch around the chin, read along the jaw contour.
struct JawField {
    patch: FloatMap,
    /// Face coordinates (IPD) of the patch's top-left corner.
    u0: f64,
    v0: f64,
    /// Columns that vote: u, contour height v, weight.
    cols: Vec<(f64, f64, f64)>,
}

impl JawField {
    /// None when the face is too small for the patch to say anything.
    fn new(photo: &Pyramid, contour: &[(f64, f64)], origin: Point, across: Point, ipd: f64) -> Option<JawField> {
        if contour.len() < 3 || ipd * HALF_WIDTH < 4.0 {
            return None;
        }
        let cols: Vec<(f64, f64, f64)> = (0..45)
            .map(|k| {
                let u = -HALF_WIDTH + 2.0 * HALF_WIDTH * k as f64 / 44.0;
                // Centre columns weigh more: the annotated chin is the centre of the lower edge.
                (u, contour_at(contour, u), 1.0 - 0.5 * (u / HALF_WIDTH).powi(2))
            })
            .collect();
        // The patch covers the contour at every shift searched, with room for the samples.
        let reach = (LINE_SAMPLES.max(STEP_SAMPLES) + 2) as f64 * PROFILE_STEP;
        let (v_lo, v_hi) = cols.iter().fold((0f64, 0f64), |(lo, hi), c| (lo.min(c.1), hi.max(c.1)));
        let (u0, v0) = (-HALF_WIDTH - 0.02, v_lo + SHIFT_RANGE.0 - reach);
        let (u1, v1) = (HALF_WIDTH + 0.02, v_hi + SHIFT_RANGE.1 + reach);
        let (w, h) = (((u1 - u0) * PX_PER_IPD).ceil() as u32, ((v1 - v0) * PX_PER_IPD).ceil() as u32);
        let down = across.rotate(std::f64::consts::FRAC_PI_2);
        let corner = origin.plus(across.scale(u0 * ipd)).plus(down.scale(v0 * ipd));
        let angle = across.y.atan2(across.x);
        let to_photo = Similarity { scale: ipd / PX_PER_IPD, angle, tx: corner.x, ty: corner.y };
        let rgb = photo.warp(&to_photo, w, h);
        let patch = FloatMap { w: w as usize, h: h as usize, data: rgb.pixels().map(|p| lightness(p.0)).collect() };
        Some(JawField { patch, u0, v0, cols })
    }

    /// Weighted mean L* along the contour moved down by `shift` (IPD).
    fn mean_l(&self, shift: f64) -> f64 {
        let (mut acc, mut wsum) = (0.0, 0.0);
        for &(u, v, weight) in &self.cols {
            let (x, y) = ((u - self.u0) * PX_PER_IPD - 0.5, (v + shift - self.v0) * PX_PER_IPD - 0.5);
            acc += weight * self.patch.sample(x, y, f32::NAN) as f64;
            wsum += weight;
        }
        acc / wsum
    }

    /// The shift (IPD) at which the contour lies on the strongest dark line or light-to-dark
    /// step; None when the patch has no valid samples.
    fn edge(&self) -> Option<f64> {
        let reach = LINE_SAMPLES.max(STEP_SAMPLES);
        let from = SHIFT_RANGE.0 - reach as f64 * PROFILE_STEP;
        let n = ((SHIFT_RANGE.1 - SHIFT_RANGE.0) / PROFILE_STEP).round() as usize + 1 + 2 * reach;
        let p: Vec<f64> = (0..n).map(|i| self.mean_l(from + i as f64 * PROFILE_STEP)).collect();
        let strength: Vec<(f64, f64)> = (reach..n - reach)
            .map(|i| (from + i as f64 * PROFILE_STEP, line_and_step(&p, i)))
            .filter(|(_, s)| s.is_finite())
            .collect();
        pick_edge(&strength)
    }
}

/// The edge among the profile's peaks `(shift, strength)`. One clear peak is the edge. Where
/// peaks of nearly equal strength compete (a beard's lower edge against the jaw line under
/// it, a double chin), taking the strongest would let a tiny change of framing jump the chin
/// by a tenth of the IPD, so the chin goes between them, each weighted by its strength.
fn pick_edge(strength: &[(f64, f64)]) -> Option<f64> {
    let best = strength.iter().map(|s| s.1).fold(f64::NAN, f64::max);
    if !best.is_finite() {
        return None;
    }
    if best <= 0.0 {
        return Some(PRIOR_SHIFT);
    }
    let peaks: Vec<(f64, f64)> = (0..strength.len())
        .filter(|&i| {
            let s = strength[i].1;
            s >= RIVAL_SHARE * best
                && (i == 0 || strength[i - 1].1 <= s)
                && (i + 1 == strength.len() || strength[i + 1].1 < s)
        })
        .map(|i| strength[i])
        .collect();
    // Rivals count by how close they come to the best: weight 0 at RIVAL_SHARE, 1 at the best.
    let weight = |s: f64| (s - RIVAL_SHARE * best) / ((1.0 - RIVAL_SHARE) * best) + 1e-9;
    let wsum: f64 = peaks.iter().map(|p| weight(p.1)).sum();
    let found = peaks.iter().map(|p| p.0 * weight(p.1)).sum::<f64>() / wsum;
    // A faint edge (a beard, a soft jaw in flat light) is little better than noise: trust it
    // only as far as it stands out, and otherwise where such edges usually are.
    let trust = ((best - FAINT_EDGE) / (CLEAR_EDGE - FAINT_EDGE)).clamp(0.0, 1.0);
    Some(trust * found + (1.0 - trust) * PRIOR_SHIFT)
}

/// Edge strengths (L* units, see `line_and_step`): at or below FAINT_EDGE the profile is
/// noise; from CLEAR_EDGE on the edge is taken as found. Clean studio chins measure 1–12.
/// The three constants were chosen on a small grid by `idbooth eval` (docs/calibration.md).
const FAINT_EDGE: f64 = 0.5;
const CLEAR_EDGE: f64 = 2.5;
/// Where the edge usually lies below the mesh's chin (IPD) when it cannot be seen.
const PRIOR_SHIFT: f64 = 0.05;

/// A peak at least this share of the strongest one is its rival (see `pick_edge`).
const RIVAL_SHARE: f64 = 0.9;

/// Strength of a chin edge at sample `i` of a lightness profile (top to bottom): how much
/// darker it is than its surroundings (a line), plus `STEP_WEIGHT` times how much lighter
/// above than below (a step).
fn line_and_step(p: &[f64], i: usize) -> f64 {
    let line = (p[i - LINE_SAMPLES] + p[i + LINE_SAMPLES]) / 2.0 - p[i];
    let step = (1..=STEP_SAMPLES).map(|k| p[i - k] - p[i + k]).sum::<f64>() / STEP_SAMPLES as f64;
    line + STEP_WEIGHT * step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contour_interpolates_and_holds_flat_beyond_its_ends() {
        let c = [(-0.2, 0.1), (0.0, 0.0), (0.2, 0.1)];
        assert!(contour_at(&c, 0.0).abs() < 1e-12);
        assert!((contour_at(&c, 0.1) - 0.05).abs() < 1e-12);
        assert_eq!(contour_at(&c, -0.5), 0.1);
        assert_eq!(contour_at(&c, 0.5), 0.1);
    }

    /// A lit chin (L* ≈ 70) over a shadowed neck (L* ≈ 35), its lower edge a parabola 0.05
    /// IPD below where the "mesh" put it; the face is turned 10° in the photo.
    #[test]
    fn the_contour_slides_onto_the_chin_edge_below_the_mesh_guess() {
        let (ipd, angle) = (150.0, 10f64.to_radians());
        let across = Point::new(angle.cos(), angle.sin());
        let down = across.rotate(std::f64::consts::FRAC_PI_2);
        let origin = Point::new(200.0, 150.0);
        let contour: Vec<(f64, f64)> = (-6..=6).map(|k| k as f64 * 0.06).map(|u| (u, 1.2 * u * u)).collect();
        let img = image::RgbImage::from_fn(400, 300, |x, y| {
            let d = Point::new(x as f64 + 0.5, y as f64 + 0.5).minus(origin);
            let (u, v) = (d.dot(across) / ipd, d.dot(down) / ipd);
            image::Rgb(if v < 1.2 * u * u + 0.05 { [190, 160, 140] } else { [90, 75, 65] })
        });
        let shift = JawField::new(&Pyramid::new(img, 32), &contour, origin, across, ipd).unwrap().edge().unwrap();
        assert!((shift - 0.05).abs() <= 0.006, "{shift}");
    }

    /// A soft chin the mesh overshoots: the lit chin ends 0.06 IPD *above* the mesh's point,
    /// with a fainter shadow fold 0.05 IPD below it that must not win.
    #[test]
    fn the_contour_slides_up_onto_a_chin_edge_above_the_mesh_guess() {
        let ipd = 160.0;
        let origin = Point::new(200.0, 150.0);
        let contour: Vec<(f64, f64)> = (-6..=6).map(|k| k as f64 * 0.06).map(|u| (u, 1.2 * u * u)).collect();
        let img = image::RgbImage::from_fn(400, 300, |x, y| {
            let (u, v) = ((x as f64 + 0.5 - origin.x) / ipd, (y as f64 + 0.5 - origin.y) / ipd);
            let below = v - 1.2 * u * u;
            image::Rgb(if below < -0.06 {
                [200, 170, 150]
            } else if (below - 0.05).abs() < 0.005 {
                [120, 100, 90]
            } else {
                [140, 118, 104]
            })
        });
        let shift =
            JawField::new(&Pyramid::new(img, 32), &contour, origin, Point::new(1.0, 0.0), ipd).unwrap().edge().unwrap();
        assert!((shift + 0.06).abs() <= 0.006, "{shift}");
    }

    /// A thin dark line (the occluding contour of an evenly lit chin) 0.02 IPD below the guess.
    #[test]
    fn one_clear_peak_is_the_edge_and_equal_rivals_share_it() {
        let profile = |peaks: &[(f64, f64)]| -> Vec<(f64, f64)> {
            (0..=40)
                .map(|i| i as f64 * 0.0025)
                .map(|x| (x, peaks.iter().map(|&(at, h)| h * (1.0 - ((x - at) / 0.01).powi(2)).max(0.0)).sum()))
                .collect()
        };
        let clear = pick_edge(&profile(&[(0.02, 10.0), (0.07, 5.0)])).unwrap();
        let faint = pick_edge(&profile(&[(0.02, 0.5)])).unwrap();
        assert!((faint - PRIOR_SHIFT).abs() < 1e-9, "{faint}");
        assert!((clear - 0.02).abs() < 1e-9, "{clear}");
        let even = pick_edge(&profile(&[(0.02, 10.0), (0.07, 10.0)])).unwrap();
        assert!((even - 0.045).abs() < 1e-6, "{even}");
        // A slightly stronger rival moves the chin a little, not all the way.
        let near = pick_edge(&profile(&[(0.02, 10.0), (0.07, 10.5)])).unwrap();
        assert!(near > 0.045 && near < 0.06, "{near}");
    }

    #[test]
    fn a_thin_dark_line_counts_as_the_edge() {
        let ipd = 200.0;
        let origin = Point::new(150.0, 100.0);
        let contour = [(-0.3, 0.0), (0.0, 0.0), (0.3, 0.0)];
        let img = image::RgbImage::from_fn(300, 200, |_, y| {
            let v = (y as f64 + 0.5 - origin.y) / ipd;
            image::Rgb(if (v - 0.02).abs() < 0.006 { [120, 100, 90] } else { [180, 150, 135] })
        });
        let shift =
            JawField::new(&Pyramid::new(img, 32), &contour, origin, Point::new(1.0, 0.0), ipd).unwrap().edge().unwrap();
        assert!((shift - 0.02).abs() <= 0.004, "{shift}");
    }
}
