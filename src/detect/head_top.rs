//! Top of the head as a reviewer sees it, from the person mask, settled in the detect stage
//! (the crop is solved from it).
//!
//! What counts as hair: the part of the person that is at least `HAIR_MIN_WIDTH_IPD` wide
//! everywhere — a disc of that diameter (about 13 mm on an adult) fits inside it — and is
//! joined to the face. Single flyaway strands and thin tufts above the hair are narrower: they
//! are seen through, do not change the head's outline, and a reviewer's ruler passes them. A
//! hair volume (a bun, an afro, a ponytail on top) and a hat are wider and count in full. In
//! image terms this is a morphological opening of the mask with that disc, which removes what
//! is thinner than the disc and leaves the rest exactly as it was (a rounded top keeps its
//! height as long as it is rounder than the disc).

use super::landmarks::{HeadTop, Landmarks};
use crate::geometry::Point;
use crate::pixels::{PlacedMap, Pyramid, bilinear, delta_e, lab};

/// Narrowest hair that counts, in inter-pupil distances (see the module notes).
pub const HAIR_MIN_WIDTH_IPD: f64 = 0.2;
/// The head top is searched over columns this far either side of the face axis (IPD).
const AXIS_HALF_WIDTH_IPD: f64 = 0.6;

/// A face-aligned grid of cells over the head: columns across the face, rows up the face
/// axis, row 0 at the top. Cell `(x, y)` is centred at `u = u0 + (x + ½)·cell` IPD across and
/// `t = t_max − (y + ½)·cell` IPD up from the eyes' midpoint.
#[derive(Debug, Clone)]
pub struct FaceGrid {
    pub w: usize,
    pub h: usize,
    /// Cell side, IPD.
    pub cell: f64,
    pub u0: f64,
    pub t_max: f64,
    eye_mid: Point,
    across: Point,
    up: Point,
    ipd: f64,
}

impl FaceGrid {
    /// The head area above the eyes (1.6 IPD either side, 4 IPD up), cells of `cell` IPD.
    pub fn over_head(lm: &Landmarks, cell: f64) -> FaceGrid {
        let cell = cell.clamp(0.004, 0.05);
        let (half, t_max) = (1.6, 4.0);
        FaceGrid {
            w: (2.0 * half / cell).ceil() as usize,
            h: (t_max / cell).ceil() as usize,
            cell,
            u0: -half,
            t_max,
            eye_mid: lm.eye_mid(),
            across: lm.across(),
            up: lm.up(),
            ipd: lm.inter_pupil(),
        }
    }
    pub fn u(&self, x: usize) -> f64 {
        self.u0 + (x as f64 + 0.5) * self.cell
    }
    pub fn t(&self, y: f64) -> f64 {
        self.t_max - (y + 0.5) * self.cell
    }
    /// Photo point at `u` across and `t` up (IPD).
    pub fn at(&self, u: f64, t: f64) -> Point {
        self.eye_mid.plus(self.across.scale(u * self.ipd)).plus(self.up.scale(t * self.ipd))
    }
    pub fn photo(&self, x: usize, y: usize) -> Point {
        self.at(self.u(x), self.t(y as f64))
    }
    /// Evaluate `f` at every cell centre (row-major).
    pub fn fill<T>(&self, f: impl Fn(Point) -> T) -> Vec<T> {
        (0..self.h).flat_map(|y| (0..self.w).map(move |x| (x, y))).map(|(x, y)| f(self.photo(x, y))).collect()
    }
}

/// The top of the hair volume on `inside` (person cells of `grid`): opening with the hair
/// disc, the part joined to the face, then the highest cell within the columns near the face
/// axis. Returns the cell `(x, y)`.
pub fn volume_top(grid: &FaceGrid, inside: &[bool]) -> Option<(usize, usize)> {
    let r = (HAIR_MIN_WIDTH_IPD / 2.0 / grid.cell).round().max(1.0) as usize;
    let volume = open_with_disc(inside, grid.w, grid.h, r);
    // The face between the eyes is the seed: only hair joined to the face counts.
    let sx = ((0.0 - grid.u0) / grid.cell) as usize;
    let seed = (0..grid.h)
        .rev()
        .map(|y| (sx, y))
        .filter(|&(_, y)| grid.t(y as f64) > 0.0)
        .find(|&(x, y)| volume[y * grid.w + x])?;
    let joined = component(&volume, grid.w, grid.h, seed);
    let tops: Vec<(usize, usize)> = (0..grid.w)
        .filter(|&x| grid.u(x).abs() <= AXIS_HALF_WIDTH_IPD)
        .filter_map(|x| (0..grid.h).find(|&y| joined[y * grid.w + x]).map(|y| (x, y)))
        .collect();
    // A round top spans several columns in its highest row: take the middle one.
    let y = tops.iter().map(|t| t.1).min()?;
    let at_top: Vec<usize> = tops.iter().filter(|t| t.1 == y).map(|t| t.0).collect();
    Some((at_top[at_top.len() / 2], y))
}

/// Top of the hair from the person mask (see the module notes). `CutOff` when the hair
/// reaches the photo's top edge.
pub fn from_mask(mask: &PlacedMap, lm: &Landmarks) -> HeadTop {
    find(mask, lm, None)
}

/// As `from_mask`, then, on a plain backdrop, the last fraction of a mask pixel from the photo
/// itself: the mask is 256 px over 6.5 IPD, so a mask pixel is 2.5 % of the IPD (about 3 px
/// of an exported ID photo).
pub fn find(mask: &PlacedMap, lm: &Landmarks, photo: Option<&Pyramid>) -> HeadTop {
    let ipd = lm.inter_pupil();
    if ipd < 1e-6 {
        return HeadTop::Unknown;
    }
    let mask_cell = mask.map_to_photo().scale / ipd;
    // Half a mask pixel per cell: fine enough for the disc and the sub-cell step below.
    let grid = FaceGrid::over_head(lm, mask_cell / 2.0);
    let inside = grid.fill(|p| mask.at(p, 0.0) >= 0.5);
    let Some((x, y)) = volume_top(&grid, &inside) else { return HeadTop::Unknown };
    // Still on the person at the photo's top row: the real top is not in the picture.
    if grid.photo(x, y).y < 1.5 {
        return HeadTop::CutOff;
    }
    // Sub-cell: where the soft mask crosses ½ within the cell above the top cell.
    let (t0, u) = (grid.t(y as f64), grid.u(x));
    let (v0, v1) = (mask.at(grid.at(u, t0), 0.0), mask.at(grid.at(u, t0 + grid.cell), 0.0));
    let f = if v0 > v1 && v1 < 0.5 { ((v0 - 0.5) / (v0 - v1)).clamp(0.0, 1.0) as f64 } else { 0.0 };
    let mut t = t0 + f * grid.cell;
    if let Some(refined) = photo.and_then(|p| on_plain_backdrop(p, mask, &grid, u, t, mask_cell)) {
        t = refined;
    }
    let top = grid.at(u, t);
    if top.y < 1.5 {
        return HeadTop::CutOff;
    }
    if t0 > 0.8 { HeadTop::Found { at: top } } else { HeadTop::Unknown }
}

/// Colour distance (CIE76) from the backdrop above which a pixel is hair, not backdrop.
const HAIR_DELTA_E: f32 = 10.0;

/// The hair top near `t` (IPD above the eyes, column `u`) from the photo's colours, within two
/// mask pixels either way: the highest row across a band as wide as the narrowest hair that
/// counts where most pixels differ from the backdrop just above the head. None when that
/// backdrop is not plain (a room, a busy wall) or photo and mask disagree.
fn on_plain_backdrop(
    photo: &Pyramid,
    mask: &PlacedMap,
    grid: &FaceGrid,
    u: f64,
    t: f64,
    mask_cell: f64,
) -> Option<f64> {
    let img = photo.base();
    let (w, h) = (img.width() as f64, img.height() as f64);
    let colour = |p: Point| {
        (p.x >= 0.0 && p.y >= 0.0 && p.x < w && p.y < h).then(|| {
            let c = bilinear(img, p.x - 0.5, p.y - 0.5);
            lab([c[0] as u8, c[1] as u8, c[2] as u8])
        })
    };
    // Backdrop: 3 to 5 mask pixels above the top, where the mask is sure there is no person.
    let half = HAIR_MIN_WIDTH_IPD / 2.0;
    let mut backdrop = Vec::new();
    for k in 0..=8 {
        for j in -4..=4 {
            let p = grid.at(u + half * j as f64 / 4.0, t + mask_cell * (3.0 + k as f64 / 4.0));
            if mask.at(p, 0.0) > 0.2 {
                return None;
            }
            backdrop.push(colour(p)?);
        }
    }
    // Per-channel medians and the spread of the typical pixel, so a stray strand in the
    // sample neither moves the backdrop colour nor makes a plain backdrop look busy.
    let mean = [0, 1, 2].map(|c| {
        let mut v: Vec<f32> = backdrop.iter().map(|b| b[c]).collect();
        v.sort_by(f32::total_cmp);
        v[v.len() / 2]
    });
    let mut spread: Vec<f32> = backdrop.iter().map(|b| delta_e(*b, mean)).collect();
    spread.sort_by(f32::total_cmp);
    if spread[spread.len() * 3 / 4] > HAIR_DELTA_E / 2.0 {
        return None;
    }
    // Rows every half photo pixel from two mask pixels below to two above.
    let row_step = 0.5 / grid.ipd;
    let hair_share = |tt: f64| {
        let n = 21;
        let hits = (0..n)
            .filter(|&j| {
                let p = grid.at(u + half * (2.0 * j as f64 / (n - 1) as f64 - 1.0), tt);
                colour(p).is_some_and(|c| delta_e(c, mean) > HAIR_DELTA_E)
            })
            .count();
        hits as f64 / n as f64
    };
    let (lo, hi) = (t - 2.0 * mask_cell, t + 2.0 * mask_cell);
    if hair_share(lo) < 0.5 {
        return None;
    }
    let mut tt = lo;
    while tt + row_step <= hi && hair_share(tt + row_step) >= 0.5 {
        tt += row_step;
    }
    Some(tt + row_step / 2.0)
}

/// Morphological opening of a `w × h` boolean grid with a disc of radius `r` cells: keeps the
/// cells covered by some disc that fits entirely inside.
pub fn open_with_disc(inside: &[bool], w: usize, h: usize, r: usize) -> Vec<bool> {
    let half: Vec<usize> = (0..=r).map(|d| (((r * r - d * d) as f64).sqrt()) as usize).collect();
    // Run lengths of inside cells to the left and right of each cell (inclusive).
    let mut left = vec![0usize; w * h];
    let mut right = vec![0usize; w * h];
    for y in 0..h {
        for x in 0..w {
            let k = y * w + x;
            left[k] = if inside[k] { 1 + if x > 0 { left[k - 1] } else { 0 } } else { 0 };
        }
        for x in (0..w).rev() {
            let k = y * w + x;
            right[k] = if inside[k] { 1 + if x + 1 < w { right[k + 1] } else { 0 } } else { 0 };
        }
    }
    // Erosion: the disc centred here fits when every chord row has the run to cover it.
    let eroded: Vec<bool> = (0..w * h)
        .map(|k| {
            let (x, y) = (k % w, k / w);
            (0..=r).all(|d| {
                let need = half[d] + 1;
                [y.checked_sub(d), (y + d < h).then_some(y + d)].iter().all(|row| {
                    row.is_some_and(|yy| {
                        let kk = yy * w + x;
                        left[kk] >= need && right[kk] >= need
                    })
                })
            })
        })
        .collect();
    // Dilation of the eroded centres with the same disc: distance to the nearest centre per row.
    let mut near = vec![usize::MAX; w * h];
    for y in 0..h {
        let mut last = None;
        for x in 0..w {
            if eroded[y * w + x] {
                last = Some(x);
            }
            if let Some(l) = last {
                near[y * w + x] = x - l;
            }
        }
        let mut next = None;
        for x in (0..w).rev() {
            if eroded[y * w + x] {
                next = Some(x);
            }
            if let Some(n) = next {
                near[y * w + x] = near[y * w + x].min(n - x);
            }
        }
    }
    (0..w * h)
        .map(|k| {
            let (x, y) = (k % w, k / w);
            (0..=r).any(|d| {
                [y.checked_sub(d), (y + d < h).then_some(y + d)]
                    .iter()
                    .any(|row| row.is_some_and(|yy| near[yy * w + x] <= half[d]))
            })
        })
        .collect()
}

/// The 4-connected part of `set` that contains `seed`.
pub fn component(set: &[bool], w: usize, h: usize, seed: (usize, usize)) -> Vec<bool> {
    flood(set, w, h, [seed.1 * w + seed.0])
}

/// The 4-connected part of `set` reached from any of the `seeds` (row-major indices).
pub fn flood(set: &[bool], w: usize, h: usize, seeds: impl IntoIterator<Item = usize>) -> Vec<bool> {
    let mut out = vec![false; w * h];
    let mut stack: Vec<usize> = seeds.into_iter().collect();
    while let Some(k) = stack.pop() {
        if out[k] || !set[k] {
            continue;
        }
        out[k] = true;
        let (x, y) = (k % w, k / w);
        if x > 0 {
            stack.push(k - 1);
        }
        if x + 1 < w {
            stack.push(k + 1);
        }
        if y > 0 {
            stack.push(k - w);
        }
        if y + 1 < h {
            stack.push(k + w);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Similarity;
    use crate::pixels::FloatMap;

    /// A dark round head (radius 150 px, top at y = 100) on a plain light backdrop, eyes at
    /// y = 330, 100 px apart; the mask (64 × 64 over 400 px) is drawn 1.5 mask pixels too low.
    #[test]
    fn the_photo_settles_the_last_mask_pixel_on_a_plain_backdrop() {
        let (cx, cy, r) = (200.0, 250.0, 150.0);
        let img = image::RgbImage::from_fn(400, 600, |x, y| {
            let d = (x as f64 + 0.5 - cx).hypot(y as f64 + 0.5 - cy);
            image::Rgb(if d <= r { [70, 50, 40] } else { [205, 205, 200] })
        });
        let k = 400.0 / 64.0;
        let mut map = FloatMap::new(64, 64);
        for y in 0..64 {
            for x in 0..64 {
                let d = ((x as f64 + 0.5) * k - cx).hypot((y as f64 + 0.5) * k + 50.0 - cy - 1.5 * k);
                map.data[y * 64 + x] = if d <= r { 1.0 } else { 0.0 };
            }
        }
        let mask = PlacedMap::new(map, Similarity { scale: k, angle: 0.0, tx: 0.0, ty: 50.0 });
        let lm = Landmarks {
            left_pupil: Point::new(150.0, 330.0),
            right_pupil: Point::new(250.0, 330.0),
            chin: Point::new(200.0, 420.0),
            head_top: HeadTop::Unknown,
            skull_top: Point::new(200.0, 110.0),
            cheek_left: Point::new(120.0, 360.0),
            cheek_right: Point::new(280.0, 360.0),
        };
        let top_y = |t: HeadTop| t.point().unwrap().y;
        let coarse = top_y(from_mask(&mask, &lm));
        let fine = top_y(find(&mask, &lm, Some(&Pyramid::new(img, 32))));
        assert!(coarse > 100.0 + k, "the mask alone is low: {coarse}");
        assert!((fine - 100.0).abs() < 1.0, "refined on the photo: {fine}");
    }

    fn disc_and_strand(w: usize, h: usize) -> Vec<bool> {
        // A disc of radius 12 centred at (30, 40) and a 2-cell-wide strand rising from it.
        (0..w * h)
            .map(|k| {
                let (x, y) = ((k % w) as f64, (k / w) as f64);
                (x - 30.0).powi(2) + (y - 40.0).powi(2) <= 144.0
                    || ((30.0..32.0).contains(&x) && (10.0..40.0).contains(&y))
            })
            .collect()
    }

    #[test]
    fn opening_drops_a_thin_strand_and_keeps_a_round_volume_whole() {
        let (w, h) = (60, 60);
        let g = disc_and_strand(w, h);
        let o = open_with_disc(&g, w, h, 4);
        let top = |m: &[bool]| (0..h).find(|&y| m[y * w + 30]).unwrap();
        assert_eq!(top(&g), 10, "the strand reaches row 10");
        assert_eq!(top(&o), 28, "the disc's own top (40 − 12) survives the opening");
        // Nothing outside the original appears, and the disc's body is intact.
        assert!(o.iter().zip(&g).all(|(a, b)| !a || *b));
        assert!(o[40 * w + 30] && o[40 * w + 20] && o[40 * w + 40]);
    }

    #[test]
    fn component_keeps_only_what_touches_the_seed() {
        let (w, h) = (10, 3);
        let mut set = vec![false; w * h];
        for x in [0, 1, 2, 6, 7] {
            set[w + x] = true;
        }
        let c = component(&set, w, h, (1, 1));
        assert_eq!(c.iter().filter(|&&v| v).count(), 3);
        assert!(!c[w + 6]);
    }
}
