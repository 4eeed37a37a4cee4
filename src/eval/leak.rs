//! What the new backdrop leaves of the old one: each photo is framed as the booth exports it,
//! composited onto white and onto magenta, and its edge band (the pixels within a few px of
//! the segmenter's person outline, the same pixels whatever the refinement) is compared with
//! the ideal composite α·F + (1−α)·B_new, F the person's colour nearby. Where the old backdrop
//! is left in an edge pixel (a halo), the pixel lies off the line from F to B_new, towards the
//! old colour. On plain backdrops a colour-distance reference of the person also shows where the
//! matte cuts into the person below the chin (the "white cut" at neck and collar).

use std::path::Path;

use image::RgbImage;
use serde::Serialize;

use crate::compose::background::{Pockets, box_blur, local_mean, refine_matte, replace};
use crate::detect::Effort;
use crate::pixels::{FloatMap, delta_e, lab};

use super::matte::{Framed, file_name, frame, jpgs};
use super::{Stats, sources_or_self};

pub const WHITE: [u8; 3] = [255, 255, 255];
/// Far from skin, hair, clothes and grey: a halo of the old backdrop shows plainly on it.
pub const MAGENTA: [u8; 3] = [255, 0, 255];

/// The edge band of one frame, with the person's and the old backdrop's local colours.
pub struct EdgeBand {
    /// Frame pixel indices in the band (whose F and old backdrop could both be estimated).
    pub pixels: Vec<usize>,
    /// The person's local colour (confident person pixels nearby), per band pixel.
    fg: Vec<[f32; 3]>,
    /// The old backdrop's local colour (confident background nearby), per band pixel.
    bg: Vec<[f32; 3]>,
}

/// How far a composite's edge pixels are from clean composites.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct EdgeLeak {
    /// Mean CIE76 ΔE between each edge pixel and the nearest ideal composite α·F + (1−α)·B_new.
    pub mean_de: f64,
    /// Share of edge pixels closer to the old backdrop's colour than to any ideal composite.
    pub old_share: f64,
}

impl EdgeBand {
    /// The band within `r` px (square window) of the coarse mask's 0.5 outline; F and the old
    /// backdrop are normalised blurs (radius 4r) of the pixels farther than `r` inside / outside.
    pub fn new(frame: &RgbImage, coarse: &FloatMap, r: usize) -> EdgeBand {
        let (w, h) = (coarse.w, coarse.h);
        let inside: Vec<f32> = coarse.data.iter().map(|&a| f32::from(a > 0.5)).collect();
        let near = box_blur(&inside, w, h, r);
        let person: Vec<f32> = near.iter().map(|&v| f32::from(v > 0.9999)).collect();
        let backdrop: Vec<f32> = near.iter().map(|&v| f32::from(v < 1e-4)).collect();
        let reach = 4 * r;
        let (pw, bw) = (box_blur(&person, w, h, reach), box_blur(&backdrop, w, h, reach));
        let (fm, bm) = (local_mean(frame, &person, reach), local_mean(frame, &backdrop, reach));
        let mut band = EdgeBand { pixels: Vec::new(), fg: Vec::new(), bg: Vec::new() };
        for k in 0..w * h {
            if person[k] == 0.0 && backdrop[k] == 0.0 && pw[k] > 1e-3 && bw[k] > 1e-3 {
                band.pixels.push(k);
                band.fg.push([fm[3 * k], fm[3 * k + 1], fm[3 * k + 2]]);
                band.bg.push([bm[3 * k], bm[3 * k + 1], bm[3 * k + 2]]);
            }
        }
        band
    }

    /// The band radius for a frame: about 1/64 of its width, at least 3 px.
    pub fn radius(w: usize) -> usize {
        (w / 64).max(3)
    }

    /// The leak of `composite`, made over `new`.
    pub fn leak(&self, composite: &RgbImage, new: [u8; 3]) -> EdgeLeak {
        let new = new.map(|c| c as f32);
        self.measure(composite, |_| new)
    }

    /// The measure's own floor: the unedited frame against its own backdrop, which is a clean
    /// composite by definition; what remains is the person's texture around the local mean F.
    pub fn floor(&self, frame: &RgbImage) -> f64 {
        self.measure(frame, |i| self.bg[i]).mean_de
    }

    fn measure(&self, img: &RgbImage, new: impl Fn(usize) -> [f32; 3]) -> EdgeLeak {
        let raw = img.as_raw();
        let (mut sum, mut old) = (0f64, 0usize);
        for (i, &k) in self.pixels.iter().enumerate() {
            let o: [f32; 3] = std::array::from_fn(|c| raw[3 * k + c] as f32);
            let (f, b) = (self.fg[i], new(i));
            let d: [f32; 3] = std::array::from_fn(|c| f[c] - b[c]);
            let len2 = d.iter().map(|v| v * v).sum::<f32>();
            let t = if len2 < 1e-6 {
                1.0
            } else {
                ((0..3).map(|c| (o[c] - b[c]) * d[c]).sum::<f32>() / len2).clamp(0.0, 1.0)
            };
            let ideal: [f32; 3] = std::array::from_fn(|c| b[c] + t * d[c]);
            let lo = lab(o.map(|v| v.round() as u8));
            let de = delta_e(lo, lab(ideal.map(|v| v.round() as u8)));
            sum += de as f64;
            old += usize::from(delta_e(lo, lab(self.bg[i].map(|v| v.round() as u8))) < de);
        }
        let n = self.pixels.len().max(1) as f64;
        EdgeLeak { mean_de: sum / n, old_share: old as f64 / n }
    }
}

/// A plain backdrop's colour at every pixel (normalised blur of confident background), or None
/// when the backdrop is not plain (its pixels stray from that estimate: a room, outdoors).
pub fn plain_backdrop(frame: &RgbImage, coarse: &FloatMap) -> Option<Vec<[f32; 3]>> {
    let (w, h) = (coarse.w, coarse.h);
    let r = EdgeBand::radius(w);
    let outside: Vec<f32> = coarse.data.iter().map(|&a| f32::from(a > 0.5)).collect();
    let near = box_blur(&outside, w, h, 2 * r);
    let weight: Vec<f32> = near.iter().map(|&v| f32::from(v < 1e-4)).collect();
    let mean = local_mean(frame, &weight, w / 4);
    let labs: Vec<[f32; 3]> = (0..w * h).map(|k| lab(std::array::from_fn(|c| mean[3 * k + c].round() as u8))).collect();
    let mut stray: Vec<f64> = frame
        .pixels()
        .enumerate()
        .filter(|(k, _)| weight[*k] > 0.0)
        .map(|(k, p)| delta_e(lab(p.0), labs[k]) as f64)
        .collect();
    if stray.len() < w * h / 20 {
        return None;
    }
    stray.sort_by(f64::total_cmp);
    let p90 = stray[stray.len() * 9 / 10];
    (p90 < PLAIN_P90).then_some(labs)
}

/// A backdrop is plain when 90 % of its pixels are within this ΔE of its local mean.
const PLAIN_P90: f64 = 5.0;
/// A pixel is the person (reference) when it is this far from the backdrop's colour.
const REF_DELTA_E: f32 = 10.0;

/// Share of the reference person's pixels from row `from` down (2 px or more inside its outline)
/// that the matte (α < 0.5) gives
/// to the backdrop: the "white cut" at neck and collar. The reference is every pixel more than
/// `REF_DELTA_E` from the plain backdrop's local colour or enclosed by such pixels (not reached
/// from the frame's border through backdrop-coloured pixels) — except, with `pockets`, the
/// backdrop-coloured pixels in their area: backdrop enclosed by hair, which the matte is right
/// to give back to the backdrop.
pub fn white_cut(
    frame: &RgbImage,
    backdrop: &[[f32; 3]],
    alpha: &FloatMap,
    from: usize,
    pockets: Option<&Pockets>,
) -> f64 {
    let (w, h) = (alpha.w, alpha.h);
    let like: Vec<bool> = frame.pixels().zip(backdrop).map(|(p, b)| delta_e(lab(p.0), *b) <= REF_DELTA_E).collect();
    let border = (0..w).flat_map(|x| [x, (h - 1) * w + x]).chain((0..h).flat_map(|y| [y * w, y * w + w - 1]));
    let reached = crate::detect::head_top::flood(&like, w, h, border);
    // The person's own pixels, 2 px or more inside the reference's outline: a cut is an area,
    // and the outline's own pixels are partly backdrop.
    let core = |k: usize| {
        let (x, y) = (k % w, k / w);
        x >= 2 && x + 2 < w && y + 2 < h && [k - 2, k + 2, k - 2 * w, k + 2 * w].iter().all(|&n| !reached[n])
    };
    let (mut person, mut cut) = (0usize, 0usize);
    for (k, &a) in alpha.data.iter().enumerate().skip((from.min(h) * w).max(2 * w)) {
        let pocket = like[k] && pockets.is_some_and(|p| p.allows(k % w, k / w));
        if !reached[k] && !pocket && core(k) {
            person += 1;
            cut += usize::from(a < 0.5);
        }
    }
    cut as f64 / person.max(1) as f64
}

/// One photo's figures.
#[derive(Debug, Clone, Serialize)]
pub struct PhotoLeak {
    pub file: String,
    pub white: EdgeLeak,
    pub magenta: EdgeLeak,
    /// The measure on the unedited frame against its own backdrop (its floor).
    pub floor: f64,
    /// White cut below the chin (None: the backdrop is not plain, no reference).
    pub cut: Option<f64>,
}

/// One set of photos.
#[derive(Debug, Clone, Serialize)]
pub struct SetLeak {
    pub name: String,
    pub photos: Vec<PhotoLeak>,
    /// Per-photo mean ΔE on magenta and on white, share closer to the old backdrop on magenta.
    pub magenta_de: Stats,
    pub white_de: Stats,
    pub magenta_old: Stats,
    pub floor: Stats,
    pub cut: Stats,
    /// The photo with the largest magenta ΔE, and with the largest cut.
    pub worst_de: (String, f64),
    pub worst_cut: (String, f64),
}

/// The figures of one framed photo, with the booth's refinement and replacement.
pub(crate) fn photo_leak(file: String, f: &Framed) -> PhotoLeak {
    let alpha = refine_matte(&f.out, &f.coarse, Some(&f.pockets));
    let band = EdgeBand::new(&f.out, &f.coarse, EdgeBand::radius(f.coarse.w));
    let cut = plain_backdrop(&f.out, &f.coarse).map(|b| white_cut(&f.out, &b, &alpha, f.chin, Some(&f.pockets)));
    PhotoLeak {
        file,
        white: band.leak(&replace(&f.out, &alpha, WHITE), WHITE),
        magenta: band.leak(&replace(&f.out, &alpha, MAGENTA), MAGENTA),
        floor: band.floor(&f.out),
        cut,
    }
}

/// Leak and cut for every photo of `dir` (or of each sub-folder holding photos), framed for
/// `spec`; `dump` receives each photo's magenta composite as PNG.
pub fn leak(dir: &Path, spec: &crate::spec::Spec, dump: Option<&Path>) -> anyhow::Result<Vec<SetLeak>> {
    use rayon::prelude::*;
    let opts = crate::session::detect_options(spec, Effort::Still);
    let mut sets = Vec::new();
    for (name, folder) in sources_or_self(dir, |d| Ok(!jpgs(d)?.is_empty()))? {
        let rows: Vec<anyhow::Result<Option<PhotoLeak>>> = jpgs(&folder)?
            .par_iter()
            .map(|p| {
                let Some(f) = frame(p, spec, &opts)? else { return Ok(None) };
                if let Some(d) = dump {
                    let alpha = refine_matte(&f.out, &f.coarse, Some(&f.pockets));
                    let stem = p.file_stem().unwrap_or_default().to_string_lossy();
                    replace(&f.out, &alpha, MAGENTA).save(d.join(format!("{name}-{stem}.png")))?;
                }
                Ok(Some(photo_leak(file_name(p), &f)))
            })
            .collect();
        let mut photos = Vec::new();
        for r in rows {
            photos.extend(r?);
        }
        if !photos.is_empty() {
            sets.push(summarise(name, photos));
        }
    }
    anyhow::ensure!(!sets.is_empty(), "no photo in {} could be framed", dir.display());
    Ok(sets)
}

fn summarise(name: String, photos: Vec<PhotoLeak>) -> SetLeak {
    let of = |f: &dyn Fn(&PhotoLeak) -> Option<f64>| Stats::of(&photos.iter().filter_map(f).collect::<Vec<_>>());
    let worst = |f: &dyn Fn(&PhotoLeak) -> Option<f64>| {
        photos
            .iter()
            .filter_map(|p| Some((p.file.clone(), f(p)?)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or_else(|| (String::new(), f64::NAN))
    };
    SetLeak {
        magenta_de: of(&|p| Some(p.magenta.mean_de)),
        white_de: of(&|p| Some(p.white.mean_de)),
        magenta_old: of(&|p| Some(p.magenta.old_share)),
        floor: of(&|p| Some(p.floor)),
        cut: of(&|p| p.cut),
        worst_de: worst(&|p| Some(p.magenta.mean_de)),
        worst_cut: worst(&|p| p.cut),
        name,
        photos,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dark-haired disc on a light grey backdrop, with a soft 4-px edge; its true alpha.
    fn scene() -> (RgbImage, FloatMap) {
        let (w, h) = (90usize, 70usize);
        let mut alpha = FloatMap::new(w, h);
        let img = RgbImage::from_fn(w as u32, h as u32, |x, y| {
            let d = ((x as f32 - 45.0).powi(2) + (y as f32 - 35.0).powi(2)).sqrt();
            let a = ((22.0 - d) / 4.0 + 0.5).clamp(0.0, 1.0);
            alpha.data[y as usize * w + x as usize] = a;
            image::Rgb([0, 1, 2].map(|c| (a * (50.0 + 10.0 * c as f32) + (1.0 - a) * 190.0) as u8))
        });
        (img, alpha)
    }

    #[test]
    fn a_clean_composite_does_not_leak_and_keeping_the_old_edge_does() {
        let (img, alpha) = scene();
        let band = EdgeBand::new(&img, &alpha, 4);
        assert!(band.pixels.len() > 100, "{}", band.pixels.len());
        // The ideal: the same alpha and person colour over magenta.
        let clean = RgbImage::from_fn(90, 70, |x, y| {
            let a = alpha.get(x as usize, y as usize);
            image::Rgb([0, 1, 2].map(|c| (a * (50.0 + 10.0 * c as f32) + (1.0 - a) * MAGENTA[c] as f32).round() as u8))
        });
        let good = band.leak(&clean, MAGENTA);
        assert!(good.mean_de < 1.0 && good.old_share < 0.01, "{good:?}");
        // A hard cut at α > 0.3 that keeps the photo's pixels: the grey in the edge stays.
        let hard = RgbImage::from_fn(90, 70, |x, y| {
            if alpha.get(x as usize, y as usize) > 0.3 { *img.get_pixel(x, y) } else { image::Rgb(MAGENTA) }
        });
        let bad = band.leak(&hard, MAGENTA);
        assert!(bad.mean_de > 5.0 * good.mean_de.max(1.0) && bad.old_share > 0.1, "{bad:?}");
        // The unedited photo is a clean composite over its own backdrop.
        assert!(band.floor(&img) < 1.0, "{}", band.floor(&img));
    }

    #[test]
    fn the_white_cut_counts_person_pixels_the_matte_drops_below_a_row() {
        let (img, alpha) = scene();
        let backdrop = plain_backdrop(&img, &alpha).expect("a plain backdrop");
        assert_eq!(white_cut(&img, &backdrop, &alpha, 0, None), 0.0);
        // Drop the lower half of the disc from the matte: about half the person below row 35.
        let mut cut = alpha.clone();
        cut.data[45 * 90..].fill(0.0);
        let share = white_cut(&img, &backdrop, &cut, 35, None);
        assert!((0.4..0.75).contains(&share), "{share}");
        // A room is not a plain backdrop.
        let room = RgbImage::from_fn(90, 70, |x, y| image::Rgb([((x * 37 + y * 91) % 256) as u8, 90, 120]));
        assert!(plain_backdrop(&room, &alpha).is_none());
    }
}
