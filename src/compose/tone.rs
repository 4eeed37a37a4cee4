//! Global tone correction: one white-balance gain per channel and one exposure gain for the
//! whole frame, within the spec's limits — never a local edit, so facial features are untouched.
//! White balance is read from a near-neutral backdrop (a coloured backdrop says nothing about the
//! light); exposure from the person's highlights (skin tone says nothing about exposure).

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::pixels::{FloatMap, lab};
use crate::spec::Spec;

/// What was applied, for the report and the summary.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ToneCorrection {
    /// Linear-light gains for R, G, B (white balance).
    pub white_balance: [f64; 3],
    /// Exposure change in stops (EV).
    pub exposure_ev: f64,
}

impl ToneCorrection {
    pub fn is_identity(&self) -> bool {
        self.exposure_ev.abs() < 0.01 && self.white_balance.iter().all(|g| (g - 1.0).abs() < 0.005)
    }
}

/// Decide the correction for `out` (the composed frame before any background change), with
/// `person` the person's opacity over it.
pub fn estimate(out: &RgbImage, person: &FloatMap, spec: &Spec) -> ToneCorrection {
    let max_wb = spec.compose.white_balance_gain.max.unwrap_or(0.0);
    let max_ev = spec.compose.exposure_ev.max.unwrap_or(0.0);
    let lin = |v: u8| crate::pixels::to_linear(v) as f64;
    // Backdrop: confident background pixels.
    let (mut sum, mut n) = ([0f64; 3], 0usize);
    let mut chroma = 0f64;
    // Every other pixel of every other row is plenty for a mean.
    for (k, px) in
        out.pixels().enumerate().filter(|(k, _)| k.is_multiple_of(2) && (k / out.width() as usize).is_multiple_of(2))
    {
        if person.data[k] < 0.05 {
            for (acc, v) in sum.iter_mut().zip(px.0) {
                *acc += lin(v);
            }
            let l = lab(px.0);
            chroma += (l[1] as f64).hypot(l[2] as f64);
            n += 1;
        }
    }
    let mut wb = [1.0; 3];
    if n > 125 && chroma / (n as f64) < 12.0 {
        let mean = sum.map(|s| s / n as f64);
        let grey = (mean[0] + mean[1] + mean[2]) / 3.0;
        wb = mean.map(|m| (grey / m.max(1e-6)).clamp(1.0 - max_wb, 1.0 + max_wb));
    }
    // Exposure: bring the person's brightest 1 % (after white balance) up to L* ≈ 92 when short.
    // Also the brightest channel: skin is red-heavy, so a luminance target alone would push the
    // red channel of a well-lit face into clipping.
    let (mut lums, mut peaks): (Vec<f64>, Vec<f64>) = out
        .pixels()
        .enumerate()
        .filter(|(k, _)| person.data[*k] > 0.5)
        .map(|(_, px)| {
            let c: [f64; 3] = std::array::from_fn(|c| lin(px.0[c]) * wb[c]);
            (c[0] * 0.2126 + c[1] * 0.7152 + c[2] * 0.0722, c[0].max(c[1]).max(c[2]))
        })
        .unzip();
    let mut ev = 0.0;
    if lums.len() > 500 {
        // Order statistics by selection (linear time), not a full sort.
        let (n99, n995) = (lums.len() * 99 / 100, peaks.len() * 995 / 1000);
        let p99 = *lums.select_nth_unstable_by(n99, f64::total_cmp).1;
        let peak = *peaks.select_nth_unstable_by(n995, f64::total_cmp).1;
        let target = 0.80; // linear luminance of L* ≈ 92
        if p99 > 1e-4 && p99 < target * 0.9 {
            // Never lift the brightest 0.5 % of the person past 0.93 linear (≈ 247 of 255).
            let headroom = if peak > 1e-4 { (0.93 / peak).log2() } else { max_ev };
            ev = (target / p99).log2().min(headroom).clamp(0.0, max_ev);
        }
    }
    ToneCorrection { white_balance: wb, exposure_ev: ev }
}

/// Apply the same gains to every pixel.
pub fn apply(out: &RgbImage, t: &ToneCorrection) -> RgbImage {
    if t.is_identity() {
        return out.clone();
    }
    let k = 2f64.powf(t.exposure_ev);
    let lut: [[u8; 256]; 3] = std::array::from_fn(|c| {
        std::array::from_fn(|v| {
            let l = srgb_to_linear(v as f64 / 255.0) * t.white_balance[c] * k;
            (linear_to_srgb(l.min(1.0)) * 255.0 + 0.5) as u8
        })
    });
    RgbImage::from_fn(out.width(), out.height(), |x, y| {
        let p = out.get_pixel(x, y).0;
        image::Rgb([lut[0][p[0] as usize], lut[1][p[1] as usize], lut[2][p[2] as usize]])
    })
}

fn srgb_to_linear(c: f64) -> f64 {
    if c <= 0.040_45 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
}

fn linear_to_srgb(l: f64) -> f64 {
    if l <= 0.003_130_8 { l * 12.92 } else { 1.055 * l.powf(1.0 / 2.4) - 0.055 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SpecBook;

    fn scene(bg: [u8; 3], person: [u8; 3]) -> (RgbImage, FloatMap) {
        let img = RgbImage::from_fn(100, 100, |x, _| image::Rgb(if (30..70).contains(&x) { person } else { bg }));
        let mut m = FloatMap::new(100, 100);
        for y in 0..100 {
            for x in 30..70 {
                m.data[y * 100 + x] = 1.0;
            }
        }
        (img, m)
    }

    #[test]
    fn a_warm_grey_backdrop_is_neutralised_within_the_limit() {
        let spec = SpecBook::builtin().get("cn-exit-entry").unwrap().clone();
        let (img, m) = scene([200, 190, 175], [250, 250, 250]);
        let t = estimate(&img, &m, &spec);
        assert!(t.white_balance[2] > 1.0 && t.white_balance[0] < 1.0, "{t:?}");
        let out = apply(&img, &t);
        let p = out.get_pixel(5, 5).0;
        assert!((p[0] as i32 - p[2] as i32).abs() < (200 - 175), "{p:?}");
        let lim = spec.compose.white_balance_gain.max.unwrap();
        assert!(t.white_balance.iter().all(|g| (g - 1.0).abs() <= lim + 1e-9));
    }

    #[test]
    fn a_blue_backdrop_says_nothing_about_white_balance_and_exposure_is_capped() {
        let spec = SpecBook::builtin().get("cn-exit-entry").unwrap().clone();
        let (img, m) = scene([60, 120, 220], [60, 50, 45]);
        let t = estimate(&img, &m, &spec);
        assert_eq!(t.white_balance, [1.0; 3]);
        assert!(t.exposure_ev > 0.0 && t.exposure_ev <= spec.compose.exposure_ev.max.unwrap() + 1e-9, "{t:?}");
        // Identity leaves pixels alone.
        let same = ToneCorrection { white_balance: [1.0; 3], exposure_ev: 0.0 };
        assert_eq!(apply(&img, &same), img);
    }
}
