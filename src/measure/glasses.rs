//! Eyeglasses from the pixels around the eyes: a frame's bar across the nose bridge shows as a
//! thin horizontal line where bare skin has a smooth gradient; tinted lenses darken the skin
//! under the eyes against the cheeks; glare is near-white, colourless pixels on the lenses
//! (outside the eye itself, whose white and catchlights are bright too).

use super::regions::{CHEEK_PAIRS, FaceOnFrame, luminance, median_stops};
use crate::geometry::Point;
use crate::pixels::{lab, lightness};

/// Strongest thin horizontal line (L* contrast against the rows `d` IPDs above and below)
/// across the nose bridge, between the eye line and a little above it.
pub fn bridge_line(f: &FaceOnFrame) -> Option<f64> {
    let centre = f.p(133).mid(f.p(362));
    line_contrast(f, centre, -0.12, 0.22, 0.07)
}

/// The same line detector under each eye (the lower rims); the weaker side, so that one dark
/// crease does not count.
pub fn lower_rims(f: &FaceOnFrame) -> Option<f64> {
    let l = f.eye(0, 1.0).iter().fold(Point::default(), |a, p| a.plus(*p)).scale(1.0 / 16.0);
    let r = f.eye(1, 1.0).iter().fold(Point::default(), |a, p| a.plus(*p)).scale(1.0 / 16.0);
    Some(line_contrast(f, l, -0.45, -0.2, 0.12)?.min(line_contrast(f, r, -0.45, -0.2, 0.12)?))
}

/// Max over `t` in `t0..t1` (IPDs up from `centre`) of |L(t) − (L(t−d) + L(t+d)) / 2|, each
/// row averaged over ±`half` IPDs across.
fn line_contrast(f: &FaceOnFrame, centre: Point, t0: f64, t1: f64, half: f64) -> Option<f64> {
    let step = 0.5 / f.ipd; // half a pixel, in IPDs
    let d = 0.05;
    let row = |t: f64| -> Option<f64> {
        let n = ((2.0 * half) / step).ceil().max(1.0) as usize;
        let mut sum = 0.0;
        for k in 0..=n {
            let p = f.offset(centre, -half + 2.0 * half * k as f64 / n as f64, t);
            sum += sample_l(f, p)?;
        }
        Some(sum / (n + 1) as f64)
    };
    let mut best: Option<f64> = None;
    let mut t = t0;
    while t <= t1 {
        let c = row(t)? - (row(t - d)? + row(t + d)?) / 2.0;
        best = Some(best.unwrap_or(0.0).max(c.abs()));
        t += step;
    }
    best
}

fn sample_l(f: &FaceOnFrame, p: Point) -> Option<f64> {
    let (w, h) = (f.out.width(), f.out.height());
    if p.x < 0.0 || p.y < 0.0 || p.x >= w as f64 || p.y >= h as f64 {
        return None;
    }
    Some(lightness(f.out.get_pixel(p.x as u32, p.y as u32).0) as f64)
}

/// How much darker (stops) the skin just under the eyes is than the cheeks: tinted lenses
/// darken it by a stop or more; bare skin and clear lenses by a fraction.
pub fn tint(f: &FaceOnFrame) -> Option<f64> {
    let mut d = Vec::new();
    for (side, cheek) in [(0, CHEEK_PAIRS[0].0), (1, CHEEK_PAIRS[0].1)] {
        let eye = f.eye(side, 1.0);
        let c = eye.iter().fold(Point::default(), |a, p| a.plus(*p)).scale(1.0 / eye.len() as f64);
        let under = median_stops(&f.disc(f.offset(c, 0.0, -0.17), 0.06))?;
        d.push(median_stops(&f.disc(f.p(cheek), 0.09))? - under);
    }
    Some((d[0] + d[1]) / 2.0)
}

/// Share (%) of the lens area (around each eye, outside the eye itself) that is glare.
pub fn glare(f: &FaceOnFrame) -> Option<f64> {
    let skin = f.skin?;
    let (mut hot, mut n) = (0usize, 0usize);
    for side in 0..2 {
        let lens = f.eye(side, 2.3);
        let eye = f.eye(side, 1.2);
        let (x0, y0, x1, y1) = super::bbox(&lens, f.out.width(), f.out.height());
        let (mut in_lens, mut in_eye) = (super::RowScan::new(&lens), super::RowScan::new(&eye));
        for y in y0..y1 {
            in_lens.row(y as f64 + 0.5);
            in_eye.row(y as f64 + 0.5);
            for x in x0..x1 {
                let px = x as f64 + 0.5;
                if !in_lens.contains(px) || in_eye.contains(px) {
                    continue;
                }
                let px = f.out.get_pixel(x, y).0;
                let c = lab(px);
                n += 1;
                if c[0] > 80.0 && c[0] > skin[0] + 15.0 && c[1].hypot(c[2]) < 10.0 && luminance(px) > 0.55 {
                    hot += 1;
                }
            }
        }
    }
    (n > 100).then(|| 100.0 * hot as f64 / n as f64)
}
