//! From the mesh and the person mask to the few points the rules measure: pupils (refined on
//! the iris), chin (on the photo's chin edge, `chin.rs`), top of the hair (from the mask,
//! `head_top.rs`), top of the skull (estimated).
//!
//! The calibration constants were fitted on the hand-annotated photos with `idbooth eval
//! --fit`; docs/calibration.md records how, and their errors on photos they were not fitted on.

use serde::{Deserialize, Serialize};

use super::mesh::{Mesh, idx};
use crate::geometry::Point;
use crate::pixels::{FloatMap, PlacedMap, Pyramid, lightness};

/// Skull top: mesh point 10 (top of the forehead) moved up the face axis by this many IPDs.
pub const SKULL_OFFSET_IPD: f64 = 0.80;

/// The points every later stage works from, in photo pixels. Left and right are as seen in
/// the image (the person's right eye is `left_pupil`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Landmarks {
    pub left_pupil: Point,
    pub right_pupil: Point,
    pub chin: Point,
    /// Top of the hair (or hat) from the person mask.
    pub head_top: HeadTop,
    /// Natural top of the skull, estimated from the face (ICAO "crown").
    pub skull_top: Point,
    pub cheek_left: Point,
    pub cheek_right: Point,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum HeadTop {
    Found {
        at: Point,
    },
    /// The head reaches the top edge of the photo: its top is not in the picture.
    CutOff,
    /// Not measured (live frames skip segmentation) or the mask showed no head.
    Unknown,
}

impl HeadTop {
    pub fn point(&self) -> Option<Point> {
        match self {
            HeadTop::Found { at } => Some(*at),
            _ => None,
        }
    }
}

impl Landmarks {
    pub fn inter_pupil(&self) -> f64 {
        self.left_pupil.dist(self.right_pupil)
    }
    pub fn eye_mid(&self) -> Point {
        self.left_pupil.mid(self.right_pupil)
    }
    /// Unit vector along the eye line (image-left → image-right).
    pub fn across(&self) -> Point {
        let d = self.right_pupil.minus(self.left_pupil);
        d.scale(1.0 / d.norm().max(1e-9))
    }
    /// Unit vector up the face (perpendicular to the eye line).
    pub fn up(&self) -> Point {
        self.across().rotate(-std::f64::consts::FRAC_PI_2)
    }
}

/// `mirrored`, when given, is the mesh of the mirrored crop: midline points are averaged with
/// it and paired points with their mirror partners (test-time augmentation halves the noise).
pub fn from_mesh(m: &Mesh, mirrored: Option<&Mesh>, photo: &Pyramid) -> Landmarks {
    let both = |i: usize, j: usize| match mirrored {
        Some(f) => m.p(i).mid(f.p(j)),
        None => m.p(i),
    };
    let (left, right) = rayon::join(
        || refine_pupil(photo, m, &idx::EYE_LEFT, idx::EYE_LEFT_OUTER, idx::EYE_LEFT_INNER),
        || refine_pupil(photo, m, &idx::EYE_RIGHT, idx::EYE_RIGHT_INNER, idx::EYE_RIGHT_OUTER),
    );
    let ipd = left.dist(right);
    let d = right.minus(left).scale(1.0 / ipd.max(1e-9));
    let up = d.rotate(-std::f64::consts::FRAC_PI_2);
    Landmarks {
        left_pupil: left,
        right_pupil: right,
        chin: super::chin::locate(photo, m, mirrored, left, right),
        head_top: HeadTop::Unknown,
        skull_top: both(idx::FOREHEAD, idx::FOREHEAD).plus(up.scale(SKULL_OFFSET_IPD * ipd)),
        cheek_left: both(idx::CHEEK_LEFT, idx::CHEEK_RIGHT),
        cheek_right: both(idx::CHEEK_RIGHT, idx::CHEEK_LEFT),
    }
}

/// Pupil centre: the circle whose left and right arcs show the strongest dark-inside /
/// bright-outside edge (iris against sclera), searched around the eye-contour centre.
/// The top and bottom of the iris are usually under the lids, so only the side arcs vote.
fn refine_pupil(photo: &Pyramid, m: &Mesh, contour: &[usize], c_left: usize, c_right: usize) -> Point {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        return unsafe { refine_pupil_avx2(photo, m, contour, c_left, c_right) };
    }
    refine_pupil_plain(photo, m, contour, c_left, c_right)
}

/// [`refine_pupil_plain`] compiled with AVX2: the grid's rows in eight lanes instead of SSE2's
/// four (the same multiplications and additions, so the same numbers; the live view runs
/// this twice a frame).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn refine_pupil_avx2(photo: &Pyramid, m: &Mesh, contour: &[usize], c_left: usize, c_right: usize) -> Point {
    refine_pupil_plain(photo, m, contour, c_left, c_right)
}

#[inline(always)]
fn refine_pupil_plain(photo: &Pyramid, m: &Mesh, contour: &[usize], c_left: usize, c_right: usize) -> Point {
    let start = m.mean(contour);
    let (a, b) = (m.p(c_left), m.p(c_right));
    let ew = a.dist(b);
    if ew < 4.0 {
        return start;
    }
    // Eye-aligned patch: 64 px across the eye width.
    const N: usize = 64;
    let px = ew / N as f64;
    let across = b.minus(a).scale(1.0 / ew);
    let down = across.rotate(std::f64::consts::FRAC_PI_2);
    let (pw, ph) = (N * 3 / 2, N);
    let origin = start.minus(across.scale(pw as f64 / 2.0 * px)).minus(down.scale(ph as f64 / 2.0 * px));
    let patch = sample_lightness(photo, origin, across, down, px, pw, ph);
    let to_photo = |u: f64, v: f64| origin.plus(across.scale(u * px)).plus(down.scale(v * px));

    let c0 = (pw as f64 / 2.0, ph as f64 / 2.0);
    let r0 = 0.2 * N as f64; // iris radius ≈ 0.2 × corner-to-corner eye width
    // Arc directions: ±50° around horizontal on both sides.
    let dirs: Vec<(f64, f64)> = (-5..=5)
        .flat_map(|k| {
            let t = (k as f64 * 10.0).to_radians();
            [(t.cos(), t.sin()), (-t.cos(), t.sin())]
        })
        .collect();
    let score = |u: f64, v: f64, r: f64| {
        dirs.iter()
            .map(|&(dx, dy)| {
                let out = patch.sample(u + dx * (r + 2.0), v + dy * (r + 2.0), 0.0);
                let inn = patch.sample(u + dx * (r - 2.0), v + dy * (r - 2.0), 0.0);
                (out - inn) as f64
            })
            .sum::<f64>()
    };
    // Coarse grid (1 px) over the search window, then 0.5 px steps around the best.
    let steps = |from: f64, to: f64| (0..).map(|k| from + k as f64).take_while(|&x| x <= to).collect::<Vec<f64>>();
    let us = steps(c0.0 - 0.3 * N as f64, c0.0 + 0.3 * N as f64);
    let vs = steps(c0.1 - 0.18 * N as f64, c0.1 + 0.18 * N as f64);
    let mut best = (f64::MIN, c0, r0);
    for rk in [0.85, 1.0, 1.15] {
        let r = r0 * rk;
        let scores = grid_scores(&patch, &dirs, r, &us, &vs).unwrap_or_else(|| {
            vs.iter().flat_map(|&v| us.iter().map(move |&u| (u, v))).map(|(u, v)| score(u, v, r)).collect()
        });
        for (k, &s) in scores.iter().enumerate() {
            if s > best.0 {
                best = (s, (us[k % us.len()], vs[k / us.len()]), r);
            }
        }
    }
    // The half-pixel steps are four 1-px grids (odd or even steps across and down), each
    // scored row-wise like the coarse grid; then visited in the same order as before.
    let (_, (cu, cv), cr) = best;
    let half = |c: f64, odd: i32| {
        (-3..=3).filter(|d: &i32| d.rem_euclid(2) == odd).map(|d| c + d as f64 * 0.5).collect::<Vec<f64>>()
    };
    for rk in [0.93, 1.0, 1.07] {
        let r = cr * rk;
        let grids: Option<Vec<Vec<f64>>> = [(0, 0), (0, 1), (1, 0), (1, 1)]
            .into_iter()
            .map(|(ov, ou)| grid_scores(&patch, &dirs, r, &half(cu, ou), &half(cv, ov)))
            .collect();
        for dv in -3..=3i32 {
            for du in -3..=3i32 {
                let (u, v) = (cu + du as f64 * 0.5, cv + dv as f64 * 0.5);
                let s = match &grids {
                    // Step d is index (d + 3) / 2 of its own parity's list (−3, −1, 1, 3 or −2, 0, 2).
                    Some(g) => {
                        let (ov, ou) = (dv.rem_euclid(2), du.rem_euclid(2));
                        let cols = if ou == 1 { 4 } else { 3 };
                        g[(ov * 2 + ou) as usize][((dv + 3) / 2) as usize * cols + ((du + 3) / 2) as usize]
                    }
                    None => score(u, v, r),
                };
                if s > best.0 {
                    best = (s, (u, v), r);
                }
            }
        }
    }
    let (u, v) = best.1;
    to_photo(u + 0.5, v + 0.5)
}

/// The pupil search's score (see `refine_pupil`) at every point of the grid `us × vs` (row by
/// row; both evenly spaced 1 px apart) for circle radius `r`: the sums of sampling point by
/// point, computed tap by tap over whole rows. On a 1-px grid a tap's bilinear weights are the
/// same at every grid point, so each tap is four weighted runs of the patch's rows, which the
/// compiler vectorises (the live view runs this on every frame). None when a tap would leave
/// the patch (the caller then samples point by point, with the patch's edge rule).
#[inline(always)]
fn grid_scores(patch: &FloatMap, dirs: &[(f64, f64)], r: f64, us: &[f64], vs: &[f64]) -> Option<Vec<f64>> {
    let (w, h) = (patch.w, patch.h);
    let fits = |x: f64, lim: usize| x >= 0.0 && x + 1.0 < lim as f64 - 1.0;
    let (u_lo, u_hi, v_lo, v_hi) = (*us.first()?, *us.last()?, *vs.first()?, *vs.last()?);
    let reach = r + 2.0;
    if !(fits(u_lo - reach, w) && fits(u_hi + reach, w) && fits(v_lo - reach, h) && fits(v_hi + reach, h)) {
        return None;
    }
    let (nu, d) = (us.len(), &patch.data);
    let mut acc = vec![0f32; nu * vs.len()];
    let taps = dirs
        .iter()
        .flat_map(|&(dx, dy)| [(dx * (r + 2.0), dy * (r + 2.0), 1.0), (dx * (r - 2.0), dy * (r - 2.0), -1.0)]);
    for (ox, oy, sign) in taps {
        let x = u_lo + ox;
        let (x0, fx) = (x.floor(), (x - x.floor()) as f32);
        for (j, &v) in vs.iter().enumerate() {
            let y = v + oy;
            let (y0, fy) = (y.floor(), (y - y.floor()) as f32);
            let (w00, w01) = (sign * (1.0 - fx) * (1.0 - fy), sign * fx * (1.0 - fy));
            let (w10, w11) = (sign * (1.0 - fx) * fy, sign * fx * fy);
            let i = y0 as usize * w + x0 as usize;
            let (top, bot) = (&d[i..i + nu + 1], &d[i + w..i + w + nu + 1]);
            let row = &mut acc[j * nu..(j + 1) * nu];
            for (k, a) in row.iter_mut().enumerate() {
                *a += w00 * top[k] + w01 * top[k + 1] + w10 * bot[k] + w11 * bot[k + 1];
            }
        }
    }
    Some(acc.into_iter().map(f64::from).collect())
}

#[inline(always)]
fn sample_lightness(
    photo: &Pyramid,
    origin: Point,
    across: Point,
    down: Point,
    px: f64,
    w: usize,
    h: usize,
) -> FloatMap {
    let mut map = FloatMap::new(w, h);
    let mut rgb = vec![0f32; 3 * w];
    // Row by row: pixel (u, v) centred at origin + across·(u + ½)·px + down·(v + ½)·px.
    for (v, out) in map.data.chunks_exact_mut(w).enumerate() {
        let start = origin.plus(down.scale((v as f64 + 0.5) * px));
        crate::pixels::sample_row(photo.base(), (start.x, start.y), (across.x * px, across.y * px), &mut rgb);
        for (o, c) in out.iter_mut().zip(rgb.chunks_exact(3)) {
            *o = lightness([c[0] as u8, c[1] as u8, c[2] as u8]);
        }
    }
    map
}

/// Top of the hair from the person mask; `head_top.rs` says what counts as hair.
pub fn head_top(mask: &PlacedMap, lm: &Landmarks) -> HeadTop {
    super::head_top::from_mask(mask, lm)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The row-wise grid gives the scores of sampling each point on its own (to float
    /// rounding), and declines a grid whose taps would leave the patch.
    #[test]
    fn grid_scores_equal_point_by_point_sampling() {
        let mut patch = FloatMap::new(96, 64);
        for (i, v) in patch.data.iter_mut().enumerate() {
            *v = ((i * 7919) % 101) as f32 * 0.9 + (i % 13) as f32;
        }
        let dirs: Vec<(f64, f64)> = (-5..=5)
            .flat_map(|k| {
                let t = (k as f64 * 10.0).to_radians();
                [(t.cos(), t.sin()), (-t.cos(), t.sin())]
            })
            .collect();
        let r = 12.8 * 1.15;
        let us: Vec<f64> = (0..39).map(|i| 28.8 + i as f64).collect();
        let vs: Vec<f64> = (0..23).map(|j| 20.48 + j as f64).collect();
        let grid = grid_scores(&patch, &dirs, r, &us, &vs).unwrap();
        for (j, &v) in vs.iter().enumerate() {
            for (i, &u) in us.iter().enumerate() {
                let one: f64 = dirs
                    .iter()
                    .map(|&(dx, dy)| {
                        let out = patch.sample(u + dx * (r + 2.0), v + dy * (r + 2.0), 0.0);
                        let inn = patch.sample(u + dx * (r - 2.0), v + dy * (r - 2.0), 0.0);
                        (out - inn) as f64
                    })
                    .sum();
                let got = grid[j * us.len() + i];
                assert!((got - one).abs() <= 1e-3 * (1.0 + one.abs()), "({u}, {v}): {got} vs {one}");
            }
        }
        assert!(grid.iter().any(|&s| s != 0.0));
        assert!(grid_scores(&patch, &dirs, 30.0, &us, &vs).is_none());
    }
}
