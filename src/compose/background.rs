//! Background replacement at export resolution: the person mask of the output frame, refined
//! against the frame's own edges with a guided filter (He et al. 2010), then composited over
//! the spec's colour with the old background's colour taken out of the edge pixels (spill),
//! so hair keeps its strands and no grey or coloured halo is left. The face is never edited:
//! inside the confident person area the output pixels are the input pixels.

use image::RgbImage;
use serde::{Deserialize, Serialize};

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
pub fn matte(photo: &Pyramid, frame_to_photo: &Similarity, out: &RgbImage) -> Result<FloatMap, VisionError> {
    Ok(refine_matte(out, &coarse_matte(photo, frame_to_photo, out)?))
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
    let (ow, oh) = (out.width() as usize, out.height() as usize);
    let mut coarse = FloatMap::new(ow, oh);
    for y in 0..oh {
        for x in 0..ow {
            let p = frame_to_photo.apply(Point::new(x as f64 + 0.5, y as f64 + 0.5));
            coarse.data[y * ow + x] = mask.at(p, 0.0);
        }
    }
    Ok(coarse)
}

/// The coarse mask refined against the output frame's own edges.
pub fn refine_matte(out: &RgbImage, coarse: &FloatMap) -> FloatMap {
    // The model's mask is ~2 output px per cell: let the photo's edges decide the last pixels.
    let r = ((coarse.w.max(coarse.h) as f64) / 140.0).round().max(2.0) as usize;
    refine(out, coarse, r, 1e-4)
}

fn min_max(v: impl Iterator<Item = f64>) -> (f64, f64) {
    v.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)))
}

/// Guided-filter refinement of a soft mask against a colour photo (on its grey values):
/// the mask becomes locally a linear function of the image, so its edge follows the photo's
/// edges; then it is pushed to 0/1 away from the boundary.
pub fn refine(guide: &RgbImage, p: &FloatMap, r: usize, eps: f32) -> FloatMap {
    let (w, h) = (p.w, p.h);
    let i: Vec<f32> = guide
        .pixels()
        .map(|px| (px.0[0] as f32 * 0.299 + px.0[1] as f32 * 0.587 + px.0[2] as f32 * 0.114) / 255.0)
        .collect();
    let ip: Vec<f32> = i.iter().zip(&p.data).map(|(a, b)| a * b).collect();
    let ii: Vec<f32> = i.iter().map(|a| a * a).collect();
    let mean_i = box_blur(&i, w, h, r);
    let mean_p = box_blur(&p.data, w, h, r);
    let mean_ip = box_blur(&ip, w, h, r);
    let mean_ii = box_blur(&ii, w, h, r);
    let mut a = vec![0f32; w * h];
    let mut b = vec![0f32; w * h];
    for k in 0..w * h {
        let cov = mean_ip[k] - mean_i[k] * mean_p[k];
        let var = mean_ii[k] - mean_i[k] * mean_i[k];
        a[k] = cov / (var + eps);
        b[k] = mean_p[k] - a[k] * mean_i[k];
    }
    let ma = box_blur(&a, w, h, r);
    let mb = box_blur(&b, w, h, r);
    let data = (0..w * h)
        .map(|k| {
            let q = ma[k] * i[k] + mb[k];
            // Sharpen the transition: the guided output is soft over ~2r px.
            ((q - 0.5) * 1.6 + 0.5).clamp(0.0, 1.0)
        })
        .collect();
    FloatMap { w, h, data }
}

/// Mean over a (2r+1)² window, clamped at the borders (running sums, O(pixels)).
pub fn box_blur(src: &[f32], w: usize, h: usize, r: usize) -> Vec<f32> {
    let mut tmp = vec![0f32; w * h];
    for y in 0..h {
        let row = &src[y * w..(y + 1) * w];
        let mut acc = 0f32;
        let at = |x: isize| row[x.clamp(0, w as isize - 1) as usize];
        for x in -(r as isize)..=(r as isize) {
            acc += at(x);
        }
        for x in 0..w {
            tmp[y * w + x] = acc / (2 * r + 1) as f32;
            acc += at(x as isize + r as isize + 1) - at(x as isize - r as isize);
        }
    }
    let mut out = vec![0f32; w * h];
    for x in 0..w {
        let at = |y: isize| tmp[y.clamp(0, h as isize - 1) as usize * w + x];
        let mut acc = 0f32;
        for y in -(r as isize)..=(r as isize) {
            acc += at(y);
        }
        for y in 0..h {
            out[y * w + x] = acc / (2 * r + 1) as f32;
            acc += at(y as isize + r as isize + 1) - at(y as isize - r as isize);
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
    RgbImage::from_fn(w as u32, h as u32, |x, y| {
        let k = y as usize * w + x as usize;
        let a = alpha.data[k];
        let px = out.get_pixel(x, y).0.map(|c| c as f32);
        if a >= 0.98 {
            return image::Rgb(px.map(|c| c as u8));
        }
        if a <= 0.02 {
            return image::Rgb(color);
        }
        let b = &old_bg[k * 3..k * 3 + 3];
        let mixed: [u8; 3] = std::array::from_fn(|c| {
            // Foreground colour from I = a·F + (1 − a)·B, kept within range.
            let f = ((px[c] - (1.0 - a) * b[c]) / a).clamp(0.0, 255.0);
            (a * f + (1.0 - a) * new[c] + 0.5) as u8
        });
        image::Rgb(mixed)
    })
}

/// The old background's colour everywhere: a normalised blur of confident-background pixels
/// (a blur of colour·weight over a blur of weight), wide enough to reach into hair.
fn background_estimate(out: &RgbImage, alpha: &FloatMap) -> Vec<f32> {
    let (w, h) = (alpha.w, alpha.h);
    let r = (w.max(h) / 25).max(4);
    let weight: Vec<f32> = alpha.data.iter().map(|&a| if a < 0.05 { 1.0 } else { 0.0 }).collect();
    local_mean(out, &weight, r)
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
    for c in 0..3 {
        let chan: Vec<f32> = img.pixels().zip(weight).map(|(px, wt)| px.0[c] as f32 * wt).collect();
        let cb = box_blur(&chan, w, h, r);
        for k in 0..w * h {
            result[k * 3 + c] = if wb[k] > 1e-3 { cb[k] / wb[k] } else { fallback[c] };
        }
    }
    result
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
        let mut m = FloatMap::new(w, h);
        for y in 0..h {
            for x in 0..w {
                let (cx, cy) = ((x / 4 * 4) as f32 + 2.0, (y / 4 * 4) as f32 + 2.0);
                let d = ((cx - 40.0).powi(2) + (cy - 30.0).powi(2)).sqrt();
                m.data[y * w + x] = if d < 19.0 { 1.0 } else { 0.0 };
            }
        }
        (img, m)
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
    fn refinement_moves_a_blocky_mask_onto_the_photo_edge() {
        let (img, coarse) = scene();
        let fine = refine(&img, &coarse, 3, 1e-4);
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
