//! Background replacement at export resolution: the person mask of the output frame, refined
//! in a band around its outline — and in the pockets of backdrop the segmenter filled in
//! between curls and neck — from the frame's own colours (each pixel's place between the
//! local backdrop and person colours, smoothed by a colour guided filter, He et al. 2010),
//! then composited over the spec's colour with the old background's colour taken out of the
//! edge pixels (spill), so hair keeps its strands and no grey or coloured halo is left. The
//! face is never edited: inside the confident person area the output pixels are the input pixels.

use image::RgbImage;
use serde::{Deserialize, Serialize};

use rayon::prelude::*;

use crate::detect::{Models, VisionError, segment};
use crate::geometry::{Point, Similarity};
use crate::pixels::{FloatMap, Pyramid};

/// What to do with the background.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum BackgroundChoice {
    /// Replace with the spec's first allowed colour where the spec allows replacement.
    #[default]
    Auto,
    /// Keep the photo's own background (a booth with a real backdrop).
    Keep,
    /// Replace with this allowed colour (by name, e.g. "white", "light-blue").
    Color(String),
}

impl std::str::FromStr for BackgroundChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "auto" => BackgroundChoice::Auto,
            "keep" => BackgroundChoice::Keep,
            name => BackgroundChoice::Color(name.to_string()),
        })
    }
}

/// The person's opacity over the output frame, 0 (background) to 1 (person).
pub fn matte(
    photo: &Pyramid,
    frame_to_photo: &Similarity,
    out: &RgbImage,
    pockets: Option<&Pockets>,
) -> Result<FloatMap, VisionError> {
    Ok(refine_matte(out, &coarse_matte(photo, frame_to_photo, out)?, pockets))
}

/// Where the old backdrop may show through inside the person mask: the gaps between curls and
/// between hair and neck, which the segmenter fills in (it draws one outline round the head),
/// deep inside its outline where the band that `refine_matte` looks at does not reach.
///
/// Only around the head: outside the face's oval (the face is never edited) and above a line
/// 0.35 of the eye-to-chin distance below the chin, so clothing — a grey top on a grey
/// backdrop — is left to the segmenter.
#[derive(Debug, Clone, Copy)]
pub struct Pockets {
    /// The face's oval in frame pixels: centre, half-axes (across the face, along it) and the
    /// direction across the face (the eye line, level unless the crop left a tilt).
    centre: Point,
    half: (f64, f64),
    across: Point,
    /// The lowest frame row a pocket may reach.
    bottom: f64,
}

impl Pockets {
    /// The pocket area for a face whose landmarks are in photo pixels, on the frame `to_frame`
    /// maps them to.
    pub fn around(face: &crate::detect::Landmarks, to_frame: &Similarity) -> Pockets {
        let at = |p: Point| to_frame.apply(p);
        let (cl, cr, top, chin) = (at(face.cheek_left), at(face.cheek_right), at(face.skull_top), at(face.chin));
        let (lp, rp) = (at(face.left_pupil), at(face.right_pupil));
        let eyes = lp.mid(rp);
        let across = rp.minus(lp).scale(1.0 / lp.dist(rp).max(1e-9));
        // The oval spans cheek to cheek and skull top to chin, with a little margin for the
        // landmarks' error (a pocket is never carved out of skin).
        let half = (cl.dist(cr) / 2.0 * 1.08, top.dist(chin) / 2.0 * 1.04);
        let centre = cl.mid(cr).plus(top.mid(chin)).scale(0.5);
        let below_chin = 0.35 * chin.dist(eyes);
        Pockets { centre, half, across, bottom: chin.y.max(top.y) + below_chin }
    }

    /// The first frame row below the pocket area.
    pub fn bottom_row(&self) -> usize {
        self.bottom.max(0.0).ceil() as usize
    }

    /// May pixel (x, y) be a pocket?
    pub fn allows(&self, x: usize, y: usize) -> bool {
        let d = Point::new(x as f64 + 0.5, y as f64 + 0.5).minus(self.centre);
        let (u, v) = (d.x * self.across.x + d.y * self.across.y, -d.x * self.across.y + d.y * self.across.x);
        let (du, dv) = (u / self.half.0.max(1.0), v / self.half.1.max(1.0));
        y as f64 + 0.5 <= self.bottom && du * du + dv * dv > 1.0
    }
}

/// The segmenter's person mask resampled onto the output frame (soft over ~2 output px).
pub fn coarse_matte(photo: &Pyramid, frame_to_photo: &Similarity, out: &RgbImage) -> Result<FloatMap, VisionError> {
    let (w, h) = (out.width() as f64, out.height() as f64);
    let models = Models::get()?;
    // The square around the output frame, in photo pixels, upright in the photo.
    let corners = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)].map(|(x, y)| frame_to_photo.apply(Point::new(x, y)));
    let (x0, x1) = min_max(corners.iter().map(|p| p.x));
    let (y0, y1) = min_max(corners.iter().map(|p| p.y));
    let side = (x1 - x0).max(y1 - y0) * 1.04;
    let region = segment::Region { left: (x0 + x1 - side) / 2.0, top: (y0 + y1 - side) / 2.0, side };
    let mask = segment::person_mask(&models.segmenter, photo, region)?;
    Ok(mask.resample(frame_to_photo, out.width() as usize, out.height() as usize, 0.0))
}

/// The coarse mask refined against the output frame's own colours, at the frame's resolution.
///
/// 1. A trimap from the coarse mask: pixels farther than `band` px from its outline are sure
///    person (α = 1, the face is never touched) or sure backdrop (α = 0); the rest is unknown.
/// 2. In the unknown band, a first α from colour: the pixel projected onto the line from the
///    local backdrop colour B to the local person colour F (normalised blurs of the sure pixels
///    nearby): α = (I − B)·(F − B) / |F − B|². Where F and B are alike (a white shirt on a light
///    grey backdrop) that says little, and the coarse mask is trusted instead, in proportion.
/// 3. A colour guided filter (He et al. 2010, 3×3 covariance) makes α locally a linear function
///    of the frame's colour, so it follows the photo's edges and loses the projection's noise.
///
/// With `pockets`, sure-person pixels in its area where the segmenter hesitated and the colour
/// is the backdrop's join the unknown pixels (see [`open_pockets`]) and get their α the same
/// way, against the backdrop's colour from farther around; those as smooth as a backdrop are
/// backdrop outright (α = 0).
pub fn refine_matte(out: &RgbImage, coarse: &FloatMap, pockets: Option<&Pockets>) -> FloatMap {
    let (w, h) = (coarse.w, coarse.h);
    if w == 0 || h == 0 || (out.width() as usize, out.height() as usize) != (w, h) {
        return coarse.clone();
    }
    let band = unknown_band(w, h);
    let inside: Vec<f32> = coarse.data.iter().map(|&a| f32::from(a > 0.5)).collect();
    let near = box_blur(&inside, w, h, band);
    let mut sure_fg: Vec<f32> = near.iter().map(|&v| f32::from(v > 0.9999)).collect();
    let sure_bg: Vec<f32> = near.iter().map(|&v| f32::from(v < 1e-4)).collect();
    let reach = 3 * band;
    let pocket = pockets.and_then(|p| open_pockets(out, coarse, &mut sure_fg, &sure_bg, p, 8 * band));
    let smooth_pocket = |k: usize| pocket.as_ref().is_some_and(|p| p.kind[k] == PocketKind::Smooth);
    // F and B vary slowly over the 3-band window: found at a third of the resolution.
    let (f, b) =
        rayon::join(|| local_mean_shrunk(out, &sure_fg, reach, 3), || local_mean_shrunk(out, &sure_bg, reach, 3));
    let raw = out.as_raw();
    let p: Vec<f32> = (0..w * h)
        .map(|k| {
            if sure_fg[k] > 0.0 {
                return 1.0;
            }
            // A smooth pocket is backdrop by its colour and smoothness, however close the
            // person's colours nearby (a white top beside a light grey backdrop).
            if sure_bg[k] > 0.0 || smooth_pocket(k) {
                return 0.0;
            }
            // Deep inside the outline the 3-band backdrop blur holds no backdrop: an opened
            // pixel reads the backdrop's colour from the wide one its pocket was found with.
            let b = match &pocket {
                Some(p) if p.kind[k] != PocketKind::No => &p.backdrop,
                _ => &b,
            };
            let t = b[0].taps(k % w, k / w);
            let bk: [f32; 3] = std::array::from_fn(|c| b[c].read(&t));
            let d: [f32; 3] = std::array::from_fn(|c| f[c].read(&t) - bk[c]);
            let len2: f32 = d.iter().map(|v| v * v).sum();
            let proj = (0..3).map(|c| (raw[3 * k + c] as f32 - bk[c]) * d[c]).sum::<f32>() / len2.max(1.0);
            // Trust the colours fully once F and B are ~40 levels apart.
            let trust = (len2.sqrt() / SEPARATION).min(1.0);
            trust * proj.clamp(0.0, 1.0) + (1.0 - trust) * coarse.data[k]
        })
        .collect();
    let r = ((w.max(h) as f64) / 140.0).round().max(2.0) as usize;
    let q = guided_colour(out, &p, r, GUIDED_EPS, GUIDED_SHRINK, |k| sure_fg[k] == 0.0 && sure_bg[k] == 0.0);
    let data = (0..w * h)
        .map(|k| {
            if sure_fg[k] > 0.0 {
                1.0
            } else if sure_bg[k] > 0.0 || smooth_pocket(k) {
                0.0
            } else {
                q[k].clamp(0.0, 1.0)
            }
        })
        .collect();
    FloatMap { w, h, data }
}

/// What [`open_pockets`] found, per pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PocketKind {
    /// Left as it was (sure person, sure backdrop or the outline's band).
    No,
    /// Opened: backdrop-coloured, or within the rim around such pixels.
    Opened,
    /// Opened, and as smooth as a backdrop: backdrop outright.
    Smooth,
}

/// The opened pockets and the backdrop colour they were found against.
struct Opened {
    kind: Vec<PocketKind>,
    backdrop: [Shrunk; 3],
}

/// Opens the pockets: sure-person pixels in the pocket area where the segmenter hesitated
/// (below [`POCKET_DOUBT`]) and that have the backdrop's colour — within [`POCKET_DELTA`] of
/// the backdrop nearby (a normalised blur of the sure backdrop within `reach`, wide, as pockets
/// lie deep inside the outline) — become unknown (`sure_fg` 0) with a rim of [`POCKET_RIM`] px
/// (inside the pocket area too), so colour decides their α as on the outline. Those also as
/// smooth as a backdrop (luminance spread over 5×5 px under [`POCKET_SMOOTH`]; hair of the
/// same shade has strands) are backdrop outright. None when nothing opened, or when the frame
/// has no sure backdrop to compare with.
fn open_pockets(
    out: &RgbImage,
    coarse: &FloatMap,
    sure_fg: &mut [f32],
    sure_bg: &[f32],
    pockets: &Pockets,
    reach: usize,
) -> Option<Opened> {
    let (w, h) = (out.width() as usize, out.height() as usize);
    // Only the rows the pocket area reaches (and the smoothness window's 2 below) are looked at.
    let rows = (pockets.bottom_row() + 2).min(h);
    let may_open = |k: usize| sure_fg[k] > 0.0 && coarse.data[k] < POCKET_DOUBT && pockets.allows(k % w, k / w);
    // Where the segmenter is sure of the whole head (most photos) nothing more is done.
    if !sure_bg.iter().any(|&v| v > 0.0) || !(0..w * rows).any(may_open) {
        return None;
    }
    let raw = out.as_raw();
    let luma: Vec<f32> = raw[..3 * w * rows]
        .chunks_exact(3)
        .map(|p| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32)
        .collect();
    let square: Vec<f32> = luma.iter().map(|v| v * v).collect();
    let ((mean, mean_sq), b) = rayon::join(
        || rayon::join(|| box_blur(&luma, w, rows, 2), || box_blur(&square, w, rows, 2)),
        || local_mean_shrunk(out, sure_bg, reach, 3),
    );
    let mut kind: Vec<PocketKind> = (0..w * h)
        .into_par_iter()
        .map(|k| {
            let (x, y) = (k % w, k / w);
            if y >= rows || !may_open(k) {
                return PocketKind::No;
            }
            let t = b[0].taps(x, y);
            let dist = (0..3).map(|c| (b[c].read(&t) - raw[3 * k + c] as f32).powi(2)).sum::<f32>().sqrt();
            let spread = (mean_sq[k] - mean[k] * mean[k]).max(0.0).sqrt();
            match (dist < POCKET_DELTA, spread < POCKET_SMOOTH) {
                (false, _) => PocketKind::No,
                (true, false) => PocketKind::Opened,
                (true, true) => PocketKind::Smooth,
            }
        })
        .collect();
    let opened: Vec<f32> = kind.iter().map(|&v| f32::from(v != PocketKind::No)).collect();
    if !opened.iter().any(|&v| v > 0.0) {
        return None;
    }
    let rim = box_blur(&opened, w, h, POCKET_RIM);
    for (k, r) in rim.into_iter().enumerate() {
        if r > 1e-4 && sure_fg[k] > 0.0 && pockets.allows(k % w, k / w) {
            sure_fg[k] = 0.0;
            if kind[k] == PocketKind::No {
                kind[k] = PocketKind::Opened;
            }
        }
    }
    Some(Opened { kind, backdrop: b })
}

/// How close (RGB levels, Euclidean) to the backdrop nearby a pixel inside the person mask must
/// be to count as backdrop showing through: a plain backdrop's own noise and light fall-off
/// stay within it; grey or white hair a shade away from a grey backdrop does not.
const POCKET_DELTA: f32 = 20.0;
/// The segmenter is sure of a person above this: it does not hesitate over a gap it saw, and it
/// is sure of a white top that looks like a light grey backdrop.
const POCKET_DOUBT: f32 = 0.9;
/// A backdrop's luminance spread over 5×5 px (levels): sensor noise and JPEG; hair is rougher.
const POCKET_SMOOTH: f32 = 3.0;
/// Pixels around an opened pocket that become unknown too, so its edge is matted like the outline.
const POCKET_RIM: usize = 2;

/// F and B this far apart (RGB levels) make the colour projection fully trusted.
const SEPARATION: f32 = 40.0;
/// The guided filter's ε on 0–1 colours: edges weaker than √ε ≈ 0.03 are smoothed over.
const GUIDED_EPS: f32 = 1e-3;
/// The guided filter's coefficients are found at half resolution (they vary slowly; the guide
/// applied at full resolution keeps the edges).
const GUIDED_SHRINK: usize = 2;

fn min_max(v: impl Iterator<Item = f64>) -> (f64, f64) {
    v.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)))
}

/// Half-width of the unknown band around the coarse outline: the segmenter's cells are ~2 output
/// px and its outline can be off by a few cells in hair; about 1/64 of the frame, at least 3 px.
pub fn unknown_band(w: usize, h: usize) -> usize {
    (w.min(h) / 64).max(3)
}

/// Guided filter with a colour guide (He et al. 2010, eq. 14): per window, p ≈ aᵀI + b with
/// a = (Σ + εU)⁻¹ cov(I, p); the output averages the windows' (a, b) at each pixel.
///
/// With `shrink` > 1 it is the fast guided filter (He & Sun 2015): the windows' (a, b) are
/// found on the guide and input shrunk `shrink`× (window radius `r / shrink`), enlarged back,
/// and applied to the full-resolution guide — so edges stay sharp while the 17 window means
/// cost `shrink`² less.
pub fn guided_colour(
    guide: &RgbImage,
    p: &[f32],
    r: usize,
    eps: f32,
    shrink: usize,
    wanted: impl Fn(usize) -> bool + Sync,
) -> Vec<f32> {
    let (w, h) = (guide.width() as usize, guide.height() as usize);
    let raw = guide.as_raw();
    let coefficients: [Shrunk; 4] = if shrink <= 1 {
        let chan = |c: usize| -> Vec<f32> { (0..w * h).map(|k| raw[3 * k + c] as f32 / 255.0).collect() };
        guided_coefficients(&[chan(0), chan(1), chan(2)], p, w, h, r, eps).map(|data| Shrunk {
            data,
            w,
            h,
            s: 1,
            full: (w, h),
        })
    } else {
        let [r0, g0, b0, _] = shrink_rgb(guide, |_| 1.0 / 255.0, shrink);
        let ps = Shrunk::new(p, w, h, shrink);
        let (lw, lh) = (ps.w, ps.h);
        guided_coefficients(&[r0.data, g0.data, b0.data], &ps.data, lw, lh, (r / shrink).max(1), eps)
            .map(|data| Shrunk { data, w: lw, h: lh, s: shrink, full: (w, h) })
    };
    let mut q = vec![0f32; w * h];
    q.par_chunks_mut(w).enumerate().for_each(|(y, row)| {
        for (x, v) in row.iter_mut().enumerate() {
            let k = y * w + x;
            if wanted(k) {
                let [a0, a1, a2, b] = &coefficients;
                let i = |c: usize| raw[3 * k + c] as f32 / 255.0;
                let t = b.taps(x, y);
                *v = a0.read(&t) * i(0) + a1.read(&t) * i(1) + a2.read(&t) * i(2) + b.read(&t);
            }
        }
    });
    q
}

/// The guided filter's window-averaged coefficients (a_r, a_g, a_b, b) for planes `i` and input `p`.
fn guided_coefficients(i: &[Vec<f32>; 3], p: &[f32], w: usize, h: usize, r: usize, eps: f32) -> [Vec<f32>; 4] {
    let prod = |a: &[f32], b: &[f32]| -> Vec<f32> { a.iter().zip(b).map(|(x, y)| x * y).collect() };
    // The 6 distinct entries of the colour covariance: rr rg rb gg gb bb.
    const PAIRS: [(usize, usize); 6] = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)];
    // The 13 window means are independent: blur them side by side.
    let mut inputs: Vec<Vec<f32>> = vec![i[0].clone(), i[1].clone(), i[2].clone(), p.to_vec()];
    inputs.extend((0..3).map(|c| prod(&i[c], p)));
    inputs.extend(PAIRS.iter().map(|&(a, b)| prod(&i[a], &i[b])));
    let means = blur_all(inputs, w, h, r);
    let (mi, rest) = means.split_at(3);
    let (mp, rest) = rest.split_at(1);
    let (mip, mii) = rest.split_at(3);
    let mp = &mp[0];
    let mut a = [vec![0f32; w * h], vec![0f32; w * h], vec![0f32; w * h]];
    let mut bb = vec![0f32; w * h];
    for k in 0..w * h {
        let m = [mi[0][k], mi[1][k], mi[2][k]];
        let s: [f32; 6] = std::array::from_fn(|n| mii[n][k] - m[PAIRS[n].0] * m[PAIRS[n].1]);
        let (rr, rg, rb, gg, gb, bl) = (s[0] + eps, s[1], s[2], s[3] + eps, s[4], s[5] + eps);
        let cov: [f32; 3] = std::array::from_fn(|c| mip[c][k] - m[c] * mp[k]);
        // Σ⁻¹ by cofactors (Σ is symmetric and positive definite with ε on the diagonal).
        let inv = [
            gg * bl - gb * gb,
            gb * rb - rg * bl,
            rg * gb - gg * rb,
            rr * bl - rb * rb,
            rb * rg - rr * gb,
            rr * gg - rg * rg,
        ];
        let det = rr * inv[0] + rg * inv[1] + rb * inv[2];
        let ak = [
            (inv[0] * cov[0] + inv[1] * cov[1] + inv[2] * cov[2]) / det,
            (inv[1] * cov[0] + inv[3] * cov[1] + inv[4] * cov[2]) / det,
            (inv[2] * cov[0] + inv[4] * cov[1] + inv[5] * cov[2]) / det,
        ];
        for c in 0..3 {
            a[c][k] = ak[c];
        }
        bb[k] = mp[k] - ak[0] * m[0] - ak[1] * m[1] - ak[2] * m[2];
    }
    let [a0, a1, a2] = a;
    let mut m = blur_all(vec![a0, a1, a2, bb], w, h, r).into_iter();
    std::array::from_fn(|_| m.next().unwrap_or_default())
}

/// A map kept `s`× shrunk as the mean of each `s`×`s` block (the last blocks of a row or column
/// may be partial), read back at full-resolution pixels by bilinear interpolation between block
/// centres (block i's centre is at (i + ½)·s − ½; clamped beyond the outer ones).
pub struct Shrunk {
    pub data: Vec<f32>,
    pub w: usize,
    pub h: usize,
    pub s: usize,
    /// The size it was shrunk from.
    pub full: (usize, usize),
}

impl Shrunk {
    pub fn new(src: &[f32], w: usize, h: usize, s: usize) -> Shrunk {
        let [m] = shrink_planes(w, h, s, |k| [src[k]]);
        m
    }

    /// Where full-resolution pixel (x, y) reads from: the same for every map of this shape.
    /// A partial last block's centre is the middle of the pixels it holds, not where a full
    /// block's would be.
    pub fn taps(&self, x: usize, y: usize) -> Taps {
        let (full_w, full_h) = self.full;
        let s = self.s;
        let axis = |v: usize, cells: usize, len: usize| {
            let centre = |i: usize| (i * s + ((i + 1) * s).min(len) - 1) as f32 / 2.0;
            let i0 = ((v as f32 + 0.5) / s as f32 - 0.5).max(0.0) as usize;
            let i0 = i0.min(cells - 1);
            if i0 + 1 >= cells {
                return (i0, i0, 0.0);
            }
            let f = (v as f32 - centre(i0)) / (centre(i0 + 1) - centre(i0));
            (i0, i0 + 1, f.clamp(0.0, 1.0))
        };
        let ((x0, x1, fx), (y0, y1, fy)) = (axis(x, self.w, full_w), axis(y, self.h, full_h));
        Taps { at: [y0 * self.w + x0, y0 * self.w + x1, y1 * self.w + x0, y1 * self.w + x1], fx, fy }
    }

    /// The value at the pixel `taps` was made for.
    pub fn read(&self, t: &Taps) -> f32 {
        let d = &self.data;
        let top = d[t.at[0]] + (d[t.at[1]] - d[t.at[0]]) * t.fx;
        let bottom = d[t.at[2]] + (d[t.at[3]] - d[t.at[2]]) * t.fx;
        top + (bottom - top) * t.fy
    }

    /// The value at full-resolution pixel (x, y).
    pub fn at(&self, x: usize, y: usize) -> f32 {
        self.read(&self.taps(x, y))
    }
}

/// The four block cells around a full-resolution pixel and its place between them.
pub struct Taps {
    at: [usize; 4],
    fx: f32,
    fy: f32,
}

/// The colour planes of `img` times `weight` (and `weight` itself, the fourth), shrunk `s`×.
fn shrink_rgb(img: &RgbImage, weight: impl Fn(usize) -> f32 + Sync, s: usize) -> [Shrunk; 4] {
    let raw = img.as_raw();
    shrink_planes(img.width() as usize, img.height() as usize, s, |k| {
        let wt = weight(k);
        [raw[3 * k] as f32 * wt, raw[3 * k + 1] as f32 * wt, raw[3 * k + 2] as f32 * wt, wt]
    })
}

/// `N` planes of a `w`×`h` image (`value(k)` at pixel k) shrunk `s`× in one pass: the mean of
/// each `s`×`s` block, partial at the right and bottom edges.
fn shrink_planes<const N: usize>(
    w: usize,
    h: usize,
    s: usize,
    value: impl Fn(usize) -> [f32; N] + Sync,
) -> [Shrunk; N] {
    let (lw, lh) = (w.div_ceil(s), h.div_ceil(s));
    let mut sums = vec![[0f32; N]; lw * lh];
    sums.par_chunks_mut(lw.max(1)).enumerate().for_each(|(ly, out)| {
        for y in ly * s..((ly + 1) * s).min(h) {
            for x in 0..w {
                let v = value(y * w + x);
                for (acc, v) in out[x / s].iter_mut().zip(v) {
                    *acc += v;
                }
            }
        }
    });
    // Pixels per block: full blocks s², the last column and row fewer.
    let count = |i: usize, len: usize| (((i + 1) * s).min(len) - i * s) as f32;
    std::array::from_fn(|c| Shrunk {
        data: (0..lw * lh).map(|k| sums[k][c] / (count(k % lw, w) * count(k / lw, h))).collect(),
        w: lw,
        h: lh,
        s,
        full: (w, h),
    })
}

/// `box_blur` of several maps, in parallel.
fn blur_all(maps: Vec<Vec<f32>>, w: usize, h: usize, r: usize) -> Vec<Vec<f32>> {
    maps.par_iter().map(|v| box_blur(v, w, h, r)).collect()
}

/// Mean over a (2r+1)² window, clamped at the borders (running sums, O(pixels)).
pub fn box_blur(src: &[f32], w: usize, h: usize, r: usize) -> Vec<f32> {
    let n = (2 * r + 1) as f32;
    let mut tmp = vec![0f32; w * h];
    for (row, out) in src.chunks_exact(w).zip(tmp.chunks_exact_mut(w)) {
        let at = |x: isize| row[x.clamp(0, w as isize - 1) as usize];
        let mut acc = 0f32;
        for x in -(r as isize)..=(r as isize) {
            acc += at(x);
        }
        for (x, o) in out.iter_mut().enumerate() {
            *o = acc / n;
            acc += at(x as isize + r as isize + 1) - at(x as isize - r as isize);
        }
    }
    // The vertical pass keeps one running sum per column, as a column-by-column pass would
    // (the same additions in the same order), but walks the rows in memory order.
    let row = |y: isize| &tmp[y.clamp(0, h as isize - 1) as usize * w..][..w];
    let mut acc = vec![0f32; w];
    for y in -(r as isize)..=(r as isize) {
        for (a, v) in acc.iter_mut().zip(row(y)) {
            *a += v;
        }
    }
    let mut out = vec![0f32; w * h];
    for (y, o) in out.chunks_exact_mut(w).enumerate() {
        let (add, sub) = (row(y as isize + r as isize + 1), row(y as isize - r as isize));
        for x in 0..w {
            o[x] = acc[x] / n;
            acc[x] += add[x] - sub[x];
        }
    }
    out
}

/// Composite the person over `color`. Edge pixels are a mix of person and old background:
/// the old background's local colour (estimated from confident background nearby) is taken
/// out before the new colour is mixed in, which removes halos and colour spill.
pub fn replace(out: &RgbImage, alpha: &FloatMap, color: [u8; 3]) -> RgbImage {
    let (w, h) = (alpha.w, alpha.h);
    let old_bg = background_estimate(out, alpha);
    let new = color.map(|c| c as f32);
    let mut result = RgbImage::new(w as u32, h as u32);
    let src = out.as_raw();
    result.par_chunks_mut(w * 3).enumerate().for_each(|(y, row)| {
        for (x, px_out) in row.chunks_exact_mut(3).enumerate() {
            let k = y * w + x;
            let a = alpha.data[k];
            let px = &src[3 * k..3 * k + 3];
            if a >= 0.98 {
                px_out.copy_from_slice(px);
            } else if a <= 0.02 {
                px_out.copy_from_slice(&color);
            } else {
                // Read only here: edge pixels are a small share of the frame.
                let t = old_bg[0].taps(x, y);
                for c in 0..3 {
                    // Foreground colour from I = a·F + (1 − a)·B, kept within range.
                    let b = old_bg[c].read(&t);
                    let f = ((px[c] as f32 - (1.0 - a) * b) / a).clamp(0.0, 255.0);
                    px_out[c] = (a * f + (1.0 - a) * new[c] + 0.5) as u8;
                }
            }
        }
    });
    result
}

/// The old background's colour everywhere: a normalised blur of confident-background pixels
/// (a blur of colour·weight over a blur of weight), wide enough to reach into hair. It varies
/// over tens of pixels, so it is kept at a third of the resolution.
fn background_estimate(out: &RgbImage, alpha: &FloatMap) -> [Shrunk; 3] {
    let (w, h) = (alpha.w, alpha.h);
    let r = (w.max(h) / 25).max(4);
    let weight: Vec<f32> = alpha.data.iter().map(|&a| if a < 0.05 { 1.0 } else { 0.0 }).collect();
    local_mean_shrunk(out, &weight, r, 3)
}

/// The weighted mean colour around every pixel, interleaved RGB: a blur of colour·weight over
/// a blur of weight in a (2r+1)² window; where the window holds no weight, the weighted mean of
/// the whole image (or white when nothing has weight).
pub fn local_mean(img: &RgbImage, weight: &[f32], r: usize) -> Vec<f32> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let wb = box_blur(weight, w, h, r);
    let mut result = vec![0f32; w * h * 3];
    let fallback: [f32; 3] = {
        let (mut s, mut n) = ([0f64; 3], 0f64);
        for (px, &wt) in img.pixels().zip(weight) {
            for (acc, v) in s.iter_mut().zip(px.0) {
                *acc += (v as f32 * wt) as f64;
            }
            n += wt as f64;
        }
        std::array::from_fn(|c| if n > 0.0 { (s[c] / n) as f32 } else { 255.0 })
    };
    let blurred: Vec<Vec<f32>> = (0..3)
        .into_par_iter()
        .map(|c| {
            let chan: Vec<f32> = img.pixels().zip(weight).map(|(px, wt)| px.0[c] as f32 * wt).collect();
            box_blur(&chan, w, h, r)
        })
        .collect();
    for (c, cb) in blurred.iter().enumerate() {
        for k in 0..w * h {
            result[k * 3 + c] = if wb[k] > 1e-3 { cb[k] / wb[k] } else { fallback[c] };
        }
    }
    result
}

/// `local_mean` for wide windows, kept `s`× shrunk (one map per channel): the weighted mean
/// over a window of radius `r` ≫ `s` changes slowly, so interpolating it loses little.
pub fn local_mean_shrunk(img: &RgbImage, weight: &[f32], r: usize, s: usize) -> [Shrunk; 3] {
    let planes = shrink_rgb(img, |k| weight[k], s);
    let (lw, lh, full) = (planes[0].w, planes[0].h, planes[0].full);
    // Where no weight is near: the weighted mean of the whole image (from the shrunk planes).
    let sum = |m: &Shrunk| m.data.iter().map(|&v| f64::from(v)).sum::<f64>();
    let total = sum(&planes[3]);
    let fallback: [f32; 3] =
        std::array::from_fn(|c| if total > 0.0 { (sum(&planes[c]) / total) as f32 } else { 255.0 });
    let blurred = blur_all(planes.map(|m| m.data).into(), lw, lh, (r / s).max(1));
    let wb = &blurred[3];
    std::array::from_fn(|c| Shrunk {
        data: blurred[c].iter().zip(wb).map(|(v, &n)| if n > 1e-3 { v / n } else { fallback[c] }).collect(),
        w: lw,
        h: lh,
        s,
        full,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dark disc (the "person") on a grey backdrop, with a soft 3-px edge.
    fn scene() -> (RgbImage, FloatMap) {
        let (w, h) = (80usize, 60usize);
        let img = RgbImage::from_fn(w as u32, h as u32, |x, y| {
            let d = ((x as f32 - 40.0).powi(2) + (y as f32 - 30.0).powi(2)).sqrt();
            let a = ((18.0 - d) / 3.0 + 0.5).clamp(0.0, 1.0);
            let v = a * 60.0 + (1.0 - a) * 170.0;
            image::Rgb([v as u8, v as u8, (v + (1.0 - a) * 20.0) as u8])
        });
        // A coarse, blocky mask as the model would give: 4-px cells, edge off by a pixel.
        (img, blocky_disc(w, h, (40.0, 30.0), 19.0))
    }

    /// A disc mask made of 4-px cells, as the segmenter gives.
    fn blocky_disc(w: usize, h: usize, centre: (f32, f32), radius: f32) -> FloatMap {
        let mut m = FloatMap::new(w, h);
        for y in 0..h {
            for x in 0..w {
                let (cx, cy) = ((x / 4 * 4) as f32 + 2.0, (y / 4 * 4) as f32 + 2.0);
                let d = ((cx - centre.0).powi(2) + (cy - centre.1).powi(2)).sqrt();
                m.data[y * w + x] = if d < radius { 1.0 } else { 0.0 };
            }
        }
        m
    }

    /// Dark striped hair (a disc) on a smooth grey backdrop, with a smooth pocket of the backdrop
    /// deep inside it, left of the face; the segmenter's mask covers the pocket at `doubt`.
    fn pocket_scene(doubt: f32) -> (RgbImage, FloatMap, (usize, usize)) {
        let (w, h) = (120usize, 170usize);
        let (centre, radius, pocket) = ((60.0f32, 80.0f32), 55.0f32, (28usize, 88usize));
        let dist = |x: usize, y: usize, c: (f32, f32)| ((x as f32 - c.0).powi(2) + (y as f32 - c.1).powi(2)).sqrt();
        let in_pocket = |x: usize, y: usize| dist(x, y, (pocket.0 as f32, pocket.1 as f32)) < 7.0;
        let img = RgbImage::from_fn(w as u32, h as u32, |x, y| {
            let (x, y) = (x as usize, y as usize);
            if dist(x, y, centre) >= radius || in_pocket(x, y) {
                image::Rgb([180, 184, 186])
            } else if (x + y) % 4 < 2 {
                image::Rgb([40, 32, 28])
            } else {
                image::Rgb([75, 60, 50])
            }
        });
        let mut coarse = FloatMap::new(w, h);
        for y in 0..h {
            for x in 0..w {
                let inside = dist(x, y, centre) < radius;
                coarse.data[y * w + x] = if !inside {
                    0.0
                } else if in_pocket(x, y) {
                    doubt
                } else {
                    1.0
                };
            }
        }
        (img, coarse, pocket)
    }

    fn face_at(centre: (f64, f64)) -> Pockets {
        Pockets {
            centre: Point::new(centre.0, centre.1),
            half: (18.0, 26.0),
            across: Point::new(1.0, 0.0),
            bottom: 160.0,
        }
    }

    #[test]
    fn the_pocket_area_leaves_out_the_face_oval_however_the_frame_turns_it() {
        use crate::detect::{HeadTop, Landmarks};
        // An upright face in the photo: cheeks 100 px apart, skull top to chin 160 px.
        let face = Landmarks {
            left_pupil: Point::new(170.0, 200.0),
            right_pupil: Point::new(230.0, 200.0),
            chin: Point::new(200.0, 300.0),
            head_top: HeadTop::Unknown,
            skull_top: Point::new(200.0, 140.0),
            cheek_left: Point::new(150.0, 220.0),
            cheek_right: Point::new(250.0, 220.0),
        };
        for deg in [0.0f64, 10.0, -15.0] {
            let to_frame = Similarity { scale: 0.8, angle: deg.to_radians(), tx: 40.0, ty: 30.0 };
            let p = Pockets::around(&face, &to_frame);
            let at = |q: Point| {
                let f = to_frame.apply(q);
                (f.x.round() as usize, f.y.round() as usize)
            };
            // The face's own points, and points just inside the oval along its axes, are never
            // a pocket; the hair beside the cheeks (beyond the margin) is.
            for q in [face.chin, face.skull_top, face.cheek_left, face.cheek_right, Point::new(200.0, 222.0)] {
                let (x, y) = at(q);
                assert!(!p.allows(x, y), "{deg}°: face point {q:?} at ({x},{y})");
            }
            for q in [Point::new(130.0, 220.0), Point::new(270.0, 220.0)] {
                let (x, y) = at(q);
                assert!(p.allows(x, y), "{deg}°: beside the cheek {q:?} at ({x},{y})");
            }
            // Nothing below 0.35 of the eye-to-chin distance under the chin (100 px → 35, × 0.8).
            let chin = to_frame.apply(face.chin);
            assert!(!p.allows(5, (chin.y + 0.8 * 35.0 + 2.0) as usize), "{deg}°");
            assert!((p.bottom - (chin.y + 0.8 * 35.0)).abs() < 0.01, "{deg}°: bottom {}", p.bottom);
        }
    }

    #[test]
    fn a_pocket_of_backdrop_inside_the_hair_is_cut_out_where_the_segmenter_hesitated() {
        let (img, coarse, (px, py)) = pocket_scene(0.7);
        let alpha = refine_matte(&img, &coarse, Some(&face_at((60.0, 75.0))));
        assert!(alpha.get(px, py) < 0.1, "pocket centre α {}", alpha.get(px, py));
        // The hair around it and the face stay person.
        for (x, y) in [(60, 40), (px + 12, py), (60, 120)] {
            assert_eq!(alpha.get(x, y), 1.0, "({x},{y})");
        }
        let face = face_at((60.0, 75.0));
        for y in 0..alpha.h {
            for x in 0..alpha.w {
                if !face.allows(x, y) && y < 150 && coarse.get(x, y) == 1.0 {
                    assert_eq!(alpha.get(x, y), 1.0, "inside the face's oval: ({x},{y})");
                }
            }
        }
        // Without the pocket area, or where the segmenter is sure, or inside the face's oval,
        // the pocket stays as the segmenter drew it.
        assert_eq!(refine_matte(&img, &coarse, None).get(px, py), 1.0);
        let (img_sure, coarse_sure, _) = pocket_scene(1.0);
        assert_eq!(refine_matte(&img_sure, &coarse_sure, Some(&face_at((60.0, 75.0)))).get(px, py), 1.0);
        let over_face = face_at((px as f64, py as f64));
        assert_eq!(refine_matte(&img, &coarse, Some(&over_face)).get(px, py), 1.0);
        // Nor below the pocket area's bottom row.
        let high = Pockets { bottom: 60.0, ..face_at((60.0, 75.0)) };
        assert_eq!(refine_matte(&img, &coarse, Some(&high)).get(px, py), 1.0);
    }

    #[test]
    fn shrunk_maps_hold_block_means_and_read_back_linear_ramps_exactly() {
        let (w, h) = (10usize, 7usize);
        let ramp: Vec<f32> = (0..w * h).map(|k| (k % w) as f32 * 2.0 + (k / w) as f32 * 3.0).collect();
        let m = Shrunk::new(&ramp, w, h, 3);
        assert_eq!((m.w, m.h), (4, 3));
        // The first block holds x, y ∈ 0..3: mean x = 1, mean y = 1; the last column holds x = 9 only.
        assert!((m.data[0] - 5.0).abs() < 1e-5, "{}", m.data[0]);
        assert!((m.data[3] - (9.0 * 2.0 + 3.0)).abs() < 1e-5, "{}", m.data[3]);
        // From the first block's centre (1, 1) on, a linear ramp reads back exactly, up to the
        // partial last blocks (x = 9 alone, y = 6 alone), whose centres are their own pixels.
        for y in 1..h {
            for x in 1..w {
                let got = m.at(x, y);
                assert!((got - ramp[y * w + x]).abs() < 1e-4, "({x},{y}) {got} vs {}", ramp[y * w + x]);
            }
        }
    }

    #[test]
    fn the_fast_guided_filter_stays_close_to_the_exact_one() {
        let (img, coarse) = scene();
        let (w, h) = (coarse.w, coarse.h);
        let exact = guided_colour(&img, &coarse.data, 4, GUIDED_EPS, 1, |_| true);
        let fast = guided_colour(&img, &coarse.data, 4, GUIDED_EPS, 2, |_| true);
        let worst = exact.iter().zip(&fast).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        let mean = exact.iter().zip(&fast).map(|(a, b)| (a - b).abs()).sum::<f32>() / (w * h) as f32;
        assert!(mean < 0.02 && worst < 0.15, "mean {mean} worst {worst}");
        // Pixels nobody asked for are left at 0.
        let some = guided_colour(&img, &coarse.data, 4, GUIDED_EPS, 2, |k| k == 5);
        assert!(some.iter().enumerate().all(|(k, &v)| k == 5 || v == 0.0));
    }

    #[test]
    fn shrunk_local_means_match_the_full_resolution_ones_inside_the_weight() {
        let (img, coarse) = scene();
        let (w, h) = (coarse.w, coarse.h);
        let weight: Vec<f32> = coarse.data.iter().map(|&a| f32::from(a < 0.01)).collect();
        let full = local_mean(&img, &weight, 12);
        let small = local_mean_shrunk(&img, &weight, 12, 3);
        for k in (0..w * h).filter(|&k| weight[k] > 0.0) {
            for c in 0..3 {
                let (a, b) = (full[3 * k + c], small[c].at(k % w, k / w));
                assert!((a - b).abs() < 6.0, "pixel {k} channel {c}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn tiny_or_mismatched_frames_are_left_as_the_segmenter_gave_them() {
        for (w, h) in [(0u32, 0u32), (1, 1), (2, 5), (7, 1)] {
            let img = RgbImage::from_pixel(w, h, image::Rgb([90, 90, 90]));
            let mut coarse = FloatMap::new(w as usize, h as usize);
            coarse.data.iter_mut().step_by(2).for_each(|v| *v = 1.0);
            for pockets in [None, Some(&face_at((0.5, 0.5)))] {
                let m = refine_matte(&img, &coarse, pockets);
                assert_eq!((m.w, m.h), (w as usize, h as usize));
                assert!(m.data.iter().all(|v| (0.0..=1.0).contains(v)));
            }
        }
        let other = refine_matte(&RgbImage::new(4, 4), &FloatMap::new(3, 3), None);
        assert_eq!((other.w, other.h), (3, 3));
    }

    #[test]
    fn box_blur_averages_and_keeps_constants() {
        let v = vec![1.0f32; 30];
        assert!(box_blur(&v, 6, 5, 2).iter().all(|x| (x - 1.0).abs() < 1e-6));
        let mut d = vec![0f32; 25];
        d[12] = 25.0;
        let b = box_blur(&d, 5, 5, 2);
        assert!((b[12] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn box_blur_matches_the_window_mean_with_clamped_borders() {
        let (w, h, r) = (23usize, 17usize, 3usize);
        let src: Vec<f32> = (0..w * h).map(|k| ((k * 7919) % 101) as f32 / 7.0).collect();
        let got = box_blur(&src, w, h, r);
        for y in 0..h as isize {
            for x in 0..w as isize {
                let mut sum = 0f32;
                for dy in -(r as isize)..=r as isize {
                    for dx in -(r as isize)..=r as isize {
                        let (xx, yy) = ((x + dx).clamp(0, w as isize - 1), (y + dy).clamp(0, h as isize - 1));
                        sum += src[yy as usize * w + xx as usize];
                    }
                }
                let want = sum / ((2 * r + 1) * (2 * r + 1)) as f32;
                let v = got[y as usize * w + x as usize];
                assert!((v - want).abs() < 1e-3, "({x}, {y}): {v} vs {want}");
            }
        }
    }

    #[test]
    fn refinement_moves_a_blocky_mask_onto_the_photo_edge() {
        let (img, coarse) = scene();
        let fine = refine_matte(&img, &coarse, None);
        // Truth: the disc of radius 18. Count pixels that land on the wrong side.
        let wrong = |m: &FloatMap| {
            let mut n = 0;
            for y in 0..m.h {
                for x in 0..m.w {
                    let d = ((x as f32 - 40.0).powi(2) + (y as f32 - 30.0).powi(2)).sqrt();
                    if (d - 18.0).abs() > 1.5 && ((m.get(x, y) > 0.5) != (d < 18.0)) {
                        n += 1;
                    }
                }
            }
            n
        };
        assert!(wrong(&fine) < wrong(&coarse), "{} vs {}", wrong(&fine), wrong(&coarse));
        assert!(wrong(&fine) <= 4, "{}", wrong(&fine));
    }

    /// Dark hair on a bluish grey backdrop: a disc with a soft 3-px edge and 1-px strands
    /// (α = 0.6) that leave it upwards, past the segmenter's blocky mask but within its band; the true α and the
    /// person's colour are known, so the ideal composite over a new colour is too.
    fn hair_scene() -> (RgbImage, FloatMap, FloatMap) {
        let (w, h) = (120usize, 90usize);
        let (person, old) = ([60.0f32, 45.0, 40.0], [178.0f32, 180.0, 192.0]);
        let mut truth = FloatMap::new(w, h);
        for y in 0..h {
            for x in 0..w {
                let (dx, dy) = (x as f32 - 60.0, y as f32 - 55.0);
                let d = (dx * dx + dy * dy).sqrt();
                let mut a = ((26.0 - d) / 3.0 + 0.5).clamp(0.0, 1.0);
                // Strands every 8 px along the top, up to 4 px beyond the head (and the mask).
                if dy < -10.0 && (x % 8 == 4) && d < 30.0 {
                    a = a.max(0.6);
                }
                truth.data[y * w + x] = a;
            }
        }
        let img = RgbImage::from_fn(w as u32, h as u32, |x, y| {
            let a = truth.get(x as usize, y as usize);
            image::Rgb(std::array::from_fn(|c| (a * person[c] + (1.0 - a) * old[c]).round() as u8))
        });
        (img, blocky_disc(w, h, (60.0, 55.0), 27.0), truth)
    }

    #[test]
    fn strands_and_soft_edges_lose_the_old_backdrop_over_a_new_colour() {
        let (img, coarse, truth) = hair_scene();
        let person = [60.0f32, 45.0, 40.0];
        let alpha = refine_matte(&img, &coarse, None);
        let out = replace(&img, &alpha, [255, 0, 255]);
        let (mut err, mut n, mut worst) = (0f32, 0usize, 0f32);
        for y in 0..90u32 {
            for x in 0..120u32 {
                let a = truth.get(x as usize, y as usize);
                if a <= 0.0 || a >= 1.0 {
                    continue;
                }
                let ideal: [f32; 3] = std::array::from_fn(|c| a * person[c] + (1.0 - a) * [255.0, 0.0, 255.0][c]);
                let got = out.get_pixel(x, y).0;
                let e = (0..3).map(|c| (got[c] as f32 - ideal[c]).abs()).fold(0f32, f32::max);
                err += e;
                worst = worst.max(e);
                n += 1;
            }
        }
        let mean = err / n as f32;
        // The grey backdrop's green channel is 180 and magenta's is 0: a kept old edge pixel is
        // off by ~70 levels; a correct one by a few.
        assert!(mean < 12.0, "mean error {mean} over {n} edge pixels (worst {worst})");
        // Deep inside, the person's pixels are the photo's.
        assert_eq!(out.get_pixel(60, 60), img.get_pixel(60, 60));
        assert!(alpha.get(60, 60) == 1.0 && alpha.get(2, 2) == 0.0);
    }

    #[test]
    fn replacement_removes_the_old_background_from_edge_pixels() {
        let (img, _) = scene();
        // The exact alpha of the scene.
        let mut alpha = FloatMap::new(80, 60);
        for y in 0..60 {
            for x in 0..80 {
                let d = ((x as f32 - 40.0).powi(2) + (y as f32 - 30.0).powi(2)).sqrt();
                alpha.data[y * 80 + x] = ((18.0 - d) / 3.0 + 0.5).clamp(0.0, 1.0);
            }
        }
        let out = replace(&img, &alpha, [255, 255, 255]);
        for y in 0..60u32 {
            for x in 0..80u32 {
                let a = alpha.get(x as usize, y as usize);
                let expect = a * 60.0 + (1.0 - a) * 255.0;
                let got = out.get_pixel(x, y).0;
                // No grey halo: edge pixels mix the person with white, not with the old grey,
                // and the bluish cast of the old backdrop is gone.
                assert!((got[0] as f32 - expect).abs() <= 3.0, "({x},{y}) a={a}: {got:?} vs {expect}");
                assert!((got[2] as f32 - got[0] as f32).abs() <= 3.0, "({x},{y}) spill {got:?}");
            }
        }
        // The person's own pixels are untouched.
        assert_eq!(out.get_pixel(40, 30), img.get_pixel(40, 30));
    }
}
