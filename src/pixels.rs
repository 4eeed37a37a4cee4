//! Pixel plumbing shared by the stages: a halving pyramid (cheap, alias-free downsampling of
//! 12 MP photos), affine sampling from it, and colour conversions (sRGB → CIE L*a*b*).

use std::sync::OnceLock;

use image::RgbImage;
use rayon::prelude::*;

use crate::geometry::{Point, Similarity};

/// A photo and its successive 2× box-filtered reductions. Sampling at a given scale reads from
/// the finest level that is at most 2× finer than needed, so no sample skips pixels. A lazy
/// pyramid builds its reductions on first use: a tracked live frame only reads the frame itself.
#[derive(Debug, Clone)]
pub struct Pyramid {
    base: RgbImage,
    /// Level `i + 1` (each half the size of the one before).
    reduced: Vec<OnceLock<RgbImage>>,
}

impl Pyramid {
    /// Levels down to `min_side` on the short side, all built now (each on every core).
    pub fn new(base: RgbImage, min_side: u32) -> Pyramid {
        let p = Pyramid::lazy(base, min_side);
        for i in 0..p.reduced.len() {
            let next = halve(p.level(i));
            let _ = p.reduced[i].set(next);
        }
        p
    }

    /// Levels down to `min_side`, each built when first read (on the reading thread: no
    /// rayon inside the lazy initialiser, which a stolen task could otherwise re-enter).
    pub fn lazy(base: RgbImage, min_side: u32) -> Pyramid {
        let mut n = 0;
        let mut short = base.width().min(base.height());
        while short / 2 >= min_side.max(1) {
            short /= 2;
            n += 1;
        }
        Pyramid { base, reduced: (0..n).map(|_| OnceLock::new()).collect() }
    }
    pub fn base(&self) -> &RgbImage {
        &self.base
    }
    pub fn width(&self) -> u32 {
        self.base.width()
    }
    pub fn height(&self) -> u32 {
        self.base.height()
    }
    fn level(&self, i: usize) -> &RgbImage {
        match i {
            0 => &self.base,
            _ => self.reduced[i - 1].get_or_init(|| halve_rows(self.level(i - 1), false)),
        }
    }
    /// Level to read when one output pixel covers `footprint` base pixels, and its scale
    /// (level pixels per base pixel).
    fn level_for(&self, footprint: f64) -> (&RgbImage, f64) {
        let mut i = 0;
        let mut f = footprint;
        while f >= 2.0 && i < self.reduced.len() {
            f /= 2.0;
            i += 1;
        }
        let l = self.level(i);
        (l, l.width() as f64 / self.base.width() as f64)
    }

    /// Render `w × h` output pixels where output pixel centres map to base pixels through
    /// `out_to_base`. Each output pixel averages a small grid of bilinear samples over its
    /// footprint (box prefilter), so downscaling does not alias. Outside the photo the image is
    /// mirrored at its edge (a strip below a cut-off shirt continues its texture, not a smear).
    pub fn warp(&self, out_to_base: &Similarity, w: u32, h: u32) -> RgbImage {
        let footprint = out_to_base.scale;
        let (lvl, k) = self.level_for(footprint);
        let f = footprint * k; // footprint in level pixels, < 2 unless at the top level
        // Bilinear already spans two pixels: one sample suffices up to a footprint of ~1.6.
        let n = if f < 1.6 { 1 } else { (f.ceil() as usize).clamp(2, 4) };
        let m = out_to_base.matrix();
        let (bw, bh) = (self.width() as f64, self.height() as f64);
        // Sample offsets inside an output pixel, and the level's raw pixels and limits, once.
        let offsets: Vec<f64> = (0..n).map(|s| (s as f64 + 0.5) / n as f64).collect();
        let (lw, lh, raw) = (lvl.width() as usize, lvl.height() as usize, lvl.as_raw().as_slice());
        let (xmax, ymax) = ((lw - 1) as f32, (lh - 1) as f32);
        let inv = 1.0 / (n * n) as f32;
        let mut out = RgbImage::new(w, h);
        out.par_chunks_mut(w as usize * 3).enumerate().for_each(|(y, row)| {
            let oy = y as f64 + 0.5;
            // One sample per pixel on a row that lies inside the photo (no mirroring): the
            // row walk of `sample_row`, eight pixels at a time.
            let at = |ox: f64| (m[0][0] * ox + m[0][1] * oy + m[0][2], m[1][0] * ox + m[1][1] * oy + m[1][2]);
            let inside = |(x, y): (f64, f64)| (0.0..=bw).contains(&x) && (0.0..=bh).contains(&y);
            if n == 1 && inside(at(0.5)) && inside(at(w as f64 - 0.5)) {
                let mut rgb = vec![0f32; row.len()];
                let (start, step) = level_row(&m, oy, k);
                sample_row(lvl, start, step, &mut rgb);
                for (px, v) in row.iter_mut().zip(&rgb) {
                    *px = (v + 0.5) as u8;
                }
                return;
            }
            for (x, px) in row.chunks_exact_mut(3).enumerate() {
                let mut acc = [0f32; 3];
                for &sy in &offsets {
                    let oy = y as f64 + sy;
                    for &sx in &offsets {
                        let ox = x as f64 + sx;
                        let bx = reflect(m[0][0] * ox + m[0][1] * oy + m[0][2], bw);
                        let by = reflect(m[1][0] * ox + m[1][1] * oy + m[1][2], bh);
                        // Bilinear, as `bilinear`, with the level's size read once per warp.
                        let lx = ((bx * k - 0.5) as f32).clamp(0.0, xmax);
                        let ly = ((by * k - 0.5) as f32).clamp(0.0, ymax);
                        let (x0, y0) = (lx as usize, ly as usize);
                        let dx = if x0 + 1 < lw { 3 } else { 0 };
                        let dy = if y0 + 1 < lh { 3 * lw } else { 0 };
                        let v = blend4(&raw[(y0 * lw + x0) * 3..], dx, dy, lx - x0 as f32, ly - y0 as f32);
                        for c in 0..3 {
                            acc[c] += v[c];
                        }
                    }
                }
                for c in 0..3 {
                    // `as u8` saturates; +0.5 rounds (f32::round is a libm call on baseline x86-64).
                    px[c] = (acc[c] * inv + 0.5) as u8;
                }
            }
        });
        out
    }

    /// Sample a `w × h` patch into an NHWC float tensor buffer with values mapped from
    /// 0–255 to `lo..hi`, as the face models expect. Out-of-photo pixels are `fill` (in 0–255)
    /// or, with `fill = None`, the nearest edge pixel.
    pub fn sample_tensor(
        &self,
        out_to_base: &Similarity,
        w: usize,
        h: usize,
        lo: f32,
        hi: f32,
        fill: Option<f32>,
    ) -> Vec<f32> {
        let (lvl, k) = self.level_for(out_to_base.scale);
        let m = out_to_base.matrix();
        let a = (hi - lo) / 255.0;
        let mut buf = vec![0f32; w * h * 3];
        let src = TensorSource { lvl, fill, lo, a };
        // Rows on every core: the level is built (if lazy) above, on this thread; here it is only read.
        buf.par_chunks_mut(w * 3).enumerate().for_each(|(y, row)| {
            let (start, step) = level_row(&m, y as f64 + 0.5, k);
            src.row_fast(start, step, row);
        });
        buf
    }
}

/// An output row at `oy` (pixel centres) mapped by `m` onto a level of scale `k`: where it
/// starts (output x = 0) and its step per output pixel, in level coordinates — the `start`
/// and `step` of the row sampler.
fn level_row(m: &[[f64; 3]; 2], oy: f64, k: f64) -> ((f64, f64), (f64, f64)) {
    (((m[0][1] * oy + m[0][2]) * k, (m[1][1] * oy + m[1][2]) * k), (m[0][0] * k, m[1][0] * k))
}

/// What the row sampler reads and how it maps values ([`Pyramid::sample_tensor`]; with 0–255
/// as it is, [`sample_row`] and [`Pyramid::warp`]'s one-sample rows).
struct TensorSource<'a> {
    lvl: &'a RgbImage,
    fill: Option<f32>,
    lo: f32,
    /// Scale from 0–255 to the output range.
    a: f32,
}

/// Bilinear samples of `img` along a line, as RGB floats (0–255) into `row` (three per
/// pixel): pixel `x` at `start + step · (x + 0.5)` in `img`'s pixel coordinates, the edge
/// pixel outside (as [`bilinear`]).
pub fn sample_row(img: &RgbImage, start: (f64, f64), step: (f64, f64), row: &mut [f32]) {
    TensorSource { lvl: img, fill: None, lo: 0.0, a: 1.0 }.row_fast(start, step, row);
}

impl TensorSource<'_> {
    /// [`Self::row`] from the row's start, with AVX2 where the processor has it.
    fn row_fast(&self, start: (f64, f64), step: (f64, f64), row: &mut [f32]) {
        // The gathers address bytes with 32-bit offsets (images up to ~700 megapixels).
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && self.lvl.as_raw().len() < i32::MAX as usize {
            // SAFETY: the processor has AVX2, checked just above.
            unsafe { avx2::tensor_row(self, start, step, row) };
            return;
        }
        self.row(start, step, row, 0);
    }

    /// Output pixels `from..` of a row whose pixel `x` centres on level coordinates
    /// `start + step · (x + 0.5)`.
    #[inline(always)]
    fn row(&self, start: (f64, f64), step: (f64, f64), row: &mut [f32], from: usize) {
        for (x, out) in row.chunks_exact_mut(3).enumerate().skip(from) {
            let ox = x as f64 + 0.5;
            let px = self.pixel(start.0 + step.0 * ox - 0.5, start.1 + step.1 * ox - 0.5);
            for (o, v) in out.iter_mut().zip(px) {
                *o = self.lo + v * self.a;
            }
        }
    }

    /// The bilinear sample at level coordinates `(bx, by)` (pixel centres at integers).
    #[inline(always)]
    fn pixel(&self, bx: f64, by: f64) -> [f32; 3] {
        let lvl = self.lvl;
        let (lw, lh) = (lvl.width() as f64, lvl.height() as f64);
        let (raw, stride) = (lvl.as_raw(), lvl.width() as usize * 3);
        // Inside, where all four neighbours exist (nearly every pixel of a face crop):
        // `bilinear` without its clamps and edge cases. Tested after the rounding to f32: a
        // coordinate a hair before the last row or column rounds onto it, which has no
        // neighbour below or to the right (`bilinear` gives the same value there).
        let (fx, fy) = (bx as f32, by as f32);
        if fx >= 0.0 && fy >= 0.0 && fx < (lw - 1.0) as f32 && fy < (lh - 1.0) as f32 {
            let (x0, y0) = (fx as usize, fy as usize);
            let at = y0 * stride + x0 * 3;
            inner4(&raw[at..at + 6], &raw[at + stride..at + stride + 6], fx - x0 as f32, fy - y0 as f32)
        } else {
            match self.fill {
                Some(v) if bx < -0.5 || by < -0.5 || bx >= lw - 0.5 || by >= lh - 0.5 => [v; 3],
                _ => bilinear(lvl, bx, by),
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::TensorSource;

    /// [`TensorSource::row`] eight pixels at a time: their coordinates in four-lane doubles
    /// (the same operations, so the same values), the four neighbours' bytes fetched by
    /// gathers, and the weights and sums in the same order as `inner4` (multiplies and adds,
    /// no fused ones): the same floats. A group with a pixel outside, and the row's last
    /// pixels, take the plain path.
    #[target_feature(enable = "avx2")]
    pub(super) fn tensor_row(src: &TensorSource<'_>, start: (f64, f64), step: (f64, f64), row: &mut [f32]) {
        let lvl = src.lvl;
        let (lw, lh) = (lvl.width() as f64, lvl.height() as f64);
        let (raw, stride) = (lvl.as_raw().as_slice(), lvl.width() as usize * 3);
        let n = row.len() / 3;
        let half = _mm256_set1_pd(0.5);
        let coords = |s: f64, d: f64, x: usize| -> (__m256d, __m256d) {
            let ox = |k: usize| _mm256_add_pd(_mm256_set_pd(3.0, 2.0, 1.0, 0.0), _mm256_set1_pd((x + k) as f64 + 0.5));
            let (s, d) = (_mm256_set1_pd(s), _mm256_set1_pd(d));
            let at = |o: __m256d| _mm256_sub_pd(_mm256_add_pd(s, _mm256_mul_pd(d, o)), half);
            (at(ox(0)), at(ox(4)))
        };
        // Inside: 0 ≤ c < limit − 1 in every lane, after the rounding to f32 (as `pixel`).
        let inside = |v: __m256, limit: f64| {
            let (lo, hi) = (_mm256_setzero_ps(), _mm256_set1_ps((limit - 1.0) as f32));
            let ok = _mm256_and_ps(_mm256_cmp_ps::<_CMP_GE_OQ>(v, lo), _mm256_cmp_ps::<_CMP_LT_OQ>(v, hi));
            _mm256_movemask_ps(ok) == 0xff
        };
        let to_f32 = |(a, b): (__m256d, __m256d)| _mm256_set_m128(_mm256_cvtpd_ps(b), _mm256_cvtpd_ps(a));
        let byte = |v: __m256i, shift: i32| {
            _mm256_cvtepi32_ps(_mm256_and_si256(
                _mm256_srlv_epi32(v, _mm256_set1_epi32(shift)),
                _mm256_set1_epi32(0xff),
            ))
        };
        let one = _mm256_set1_ps(1.0);
        let (lo, a) = (_mm256_set1_ps(src.lo), _mm256_set1_ps(src.a));
        let mut x = 0;
        while x + 8 <= n {
            let (fx, fy) = (to_f32(coords(start.0, step.0, x)), to_f32(coords(start.1, step.1, x)));
            if !(inside(fx, lw) && inside(fy, lh)) {
                src.row(start, step, &mut row[..(x + 8) * 3], x);
                x += 8;
                continue;
            }
            let (x0, y0) = (_mm256_cvttps_epi32(fx), _mm256_cvttps_epi32(fy));
            let (fx, fy) = (_mm256_sub_ps(fx, _mm256_cvtepi32_ps(x0)), _mm256_sub_ps(fy, _mm256_cvtepi32_ps(y0)));
            // Byte offset of each top-left neighbour: y0 · stride + 3 · x0 (inside an image of
            // fewer than 2³¹ bytes, checked by the caller).
            let at = _mm256_add_epi32(
                _mm256_mullo_epi32(y0, _mm256_set1_epi32(stride as i32)),
                _mm256_mullo_epi32(x0, _mm256_set1_epi32(3)),
            );
            let below = _mm256_add_epi32(at, _mm256_set1_epi32(stride as i32));
            let base = raw.as_ptr() as *const i32;
            // SAFETY: each pixel is inside (checked above), so its four neighbours' six bytes
            // per row, at..at + 6 and at + stride..at + stride + 6, are in `raw`; the gathers
            // read four bytes at `at` (R G B of the left pixel, then one more) and four at
            // `at + 2` (one byte, then R G B of the right one), both within those six.
            let (tl, tr, bl, br) = unsafe {
                (
                    _mm256_i32gather_epi32::<1>(base, at),
                    _mm256_i32gather_epi32::<1>(base.byte_add(2), at),
                    _mm256_i32gather_epi32::<1>(base, below),
                    _mm256_i32gather_epi32::<1>(base.byte_add(2), below),
                )
            };
            let (gx, gy) = (_mm256_sub_ps(one, fx), _mm256_sub_ps(one, fy));
            let (w00, w01, w10, w11) =
                (_mm256_mul_ps(gx, gy), _mm256_mul_ps(fx, gy), _mm256_mul_ps(gx, fy), _mm256_mul_ps(fx, fy));
            let mut planes = [[0f32; 8]; 3];
            for (c, plane) in planes.iter_mut().enumerate() {
                let (l, r) = (8 * c as i32, 8 * (c as i32 + 1));
                let v = _mm256_add_ps(_mm256_mul_ps(byte(tl, l), w00), _mm256_mul_ps(byte(tr, r), w01));
                let v = _mm256_add_ps(v, _mm256_mul_ps(byte(bl, l), w10));
                let v = _mm256_add_ps(v, _mm256_mul_ps(byte(br, r), w11));
                let v = _mm256_add_ps(lo, _mm256_mul_ps(v, a));
                // SAFETY: `plane` holds eight floats.
                unsafe { _mm256_storeu_ps(plane.as_mut_ptr(), v) };
            }
            for (i, out) in row[x * 3..(x + 8) * 3].chunks_exact_mut(3).enumerate() {
                out.copy_from_slice(&[planes[0][i], planes[1][i], planes[2][i]]);
            }
            x += 8;
        }
        src.row(start, step, row, x);
    }
}

/// Mirror a coordinate into [0, len] (the edge is the mirror).
#[inline]
fn reflect(v: f64, len: f64) -> f64 {
    if v < 0.0 {
        (-v).min(len)
    } else if v > len {
        (2.0 * len - v).max(0.0)
    } else {
        v
    }
}

/// 2× box reduction (odd last row/column dropped).
pub fn halve(img: &RgbImage) -> RgbImage {
    halve_rows(img, true)
}

fn halve_rows(img: &RgbImage, parallel: bool) -> RgbImage {
    let (w, h) = (img.width() / 2, img.height() / 2);
    let src = img.as_raw();
    let sw = img.width() as usize * 3;
    let mut out = RgbImage::new(w.max(1), h.max(1));
    let row_of = |(y, row): (usize, &mut [u8])| {
        let r0 = &src[2 * y * sw..];
        let r1 = &src[(2 * y + 1) * sw..];
        for x in 0..w as usize {
            for c in 0..3 {
                let i = 6 * x + c;
                let s = r0[i] as u16 + r0[i + 3] as u16 + r1[i] as u16 + r1[i + 3] as u16;
                row[3 * x + c] = ((s + 2) / 4) as u8;
            }
        }
    };
    if parallel {
        out.par_chunks_mut(w as usize * 3).enumerate().for_each(row_of);
    } else {
        out.chunks_mut(w as usize * 3).enumerate().for_each(row_of);
    }
    out
}

/// Bilinear sample at continuous pixel coordinates (pixel centres at integers), clamped to the edge.
#[inline]
pub fn bilinear(img: &RgbImage, x: f64, y: f64) -> [f32; 3] {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let x = (x as f32).clamp(0.0, (w - 1) as f32);
    let y = (y as f32).clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (x as usize, y as usize);
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let dx = if x0 + 1 < w { 3 } else { 0 };
    let dy = if y0 + 1 < h { 3 * w } else { 0 };
    blend4(&img.as_raw()[(y0 * w + x0) * 3..], dx, dy, fx, fy)
}

/// `blend4` for a pixel whose four neighbours are known to exist: the two rows' three-byte
/// pixel pairs as fixed-size arrays, so the inner loop of `sample_tensor` has no bounds checks.
#[inline]
fn inner4(top: &[u8], bottom: &[u8], fx: f32, fy: f32) -> [f32; 3] {
    let (Ok(t), Ok(b)) = (<&[u8; 6]>::try_from(top), <&[u8; 6]>::try_from(bottom)) else { return [0.0; 3] };
    let (w00, w01, w10, w11) = ((1.0 - fx) * (1.0 - fy), fx * (1.0 - fy), (1.0 - fx) * fy, fx * fy);
    let f = |v: u8| BYTE_F32[v as usize];
    std::array::from_fn(|c| f(t[c]) * w00 + f(t[3 + c]) * w01 + f(b[c]) * w10 + f(b[3 + c]) * w11)
}

/// Every byte value as a float: the bilinear samplers read their twelve bytes per pixel through
/// it, because a scalar conversion instruction per byte waits on its register's previous value
/// (`sample_tensor` 0.28–0.32 → 0.23–0.24 ms for the mesh's crop; the same numbers).
static BYTE_F32: [f32; 256] = {
    let mut t = [0f32; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = i as f32;
        i += 1;
    }
    t
};

/// The four pixels at `raw[0]`, `raw[dx]`, `raw[dy]`, `raw[dy + dx]` (RGB, `dx`/`dy` in bytes)
/// weighted by the fractions `fx`, `fy` of the way to the right and down.
#[inline]
fn blend4(raw: &[u8], dx: usize, dy: usize, fx: f32, fy: f32) -> [f32; 3] {
    let (w00, w01, w10, w11) = ((1.0 - fx) * (1.0 - fy), fx * (1.0 - fy), (1.0 - fx) * fy, fx * fy);
    let f = |v: u8| BYTE_F32[v as usize];
    std::array::from_fn(|c| f(raw[c]) * w00 + f(raw[dx + c]) * w01 + f(raw[dy + c]) * w10 + f(raw[dy + dx + c]) * w11)
}

/// A single-channel float map (masks, probabilities) with its own bilinear sampler.
#[derive(Debug, Clone, PartialEq)]
pub struct FloatMap {
    pub w: usize,
    pub h: usize,
    pub data: Vec<f32>,
}

impl FloatMap {
    pub fn new(w: usize, h: usize) -> FloatMap {
        FloatMap { w, h, data: vec![0.0; w * h] }
    }
    #[inline]
    pub fn get(&self, x: usize, y: usize) -> f32 {
        self.data[y * self.w + x]
    }
    /// Bilinear at continuous coordinates (pixel centres at integers); outside → `outside`.
    pub fn sample(&self, x: f64, y: f64, outside: f32) -> f32 {
        if x < -0.5 || y < -0.5 || x > self.w as f64 - 0.5 || y > self.h as f64 - 0.5 {
            return outside;
        }
        let x = x.clamp(0.0, (self.w - 1) as f64);
        let y = y.clamp(0.0, (self.h - 1) as f64);
        // Truncation is the floor here (x, y ≥ 0) and, unlike f64::floor on baseline
        // x86-64, not a libm call: the pupil search samples this ~10⁵ times per eye.
        let (x0, y0) = (x as usize, y as usize);
        let (x1, y1) = ((x0 + 1).min(self.w - 1), (y0 + 1).min(self.h - 1));
        let (fx, fy) = ((x - x0 as f64) as f32, (y - y0 as f64) as f32);
        let top = self.get(x0, y0) * (1.0 - fx) + self.get(x1, y0) * fx;
        let bot = self.get(x0, y1) * (1.0 - fx) + self.get(x1, y1) * fx;
        top * (1.0 - fy) + bot * fy
    }
}

/// A float map placed in a photo: map pixel (u, v) centre sits at `map_to_photo.apply(u+0.5, v+0.5)`.
#[derive(Debug, Clone)]
pub struct PlacedMap {
    pub map: FloatMap,
    map_to_photo: Similarity,
    /// `map_to_photo` inverted once, as a matrix: `at` is called in loops (head top, person
    /// mask), and inverting the similarity there would cost a sin/cos per call.
    photo_to_map: [[f64; 3]; 2],
}

impl PlacedMap {
    pub fn new(map: FloatMap, map_to_photo: Similarity) -> PlacedMap {
        PlacedMap { map, photo_to_map: map_to_photo.inverse().matrix(), map_to_photo }
    }

    /// Where the map sits in the photo.
    pub fn map_to_photo(&self) -> &Similarity {
        &self.map_to_photo
    }

    /// Value at a photo point (`outside` beyond the map).
    pub fn at(&self, p: Point, outside: f32) -> f32 {
        let m = &self.photo_to_map;
        let (u, v) = (m[0][0] * p.x + m[0][1] * p.y + m[0][2], m[1][0] * p.x + m[1][1] * p.y + m[1][2]);
        self.map.sample(u - 0.5, v - 0.5, outside)
    }

    /// The map resampled onto a `w × h` frame whose pixel centres sit at photo points
    /// `frame_to_photo.apply(x + 0.5, y + 0.5)` (`outside` beyond the map). One matrix from
    /// frame to map for all pixels (no trigonometry per pixel), rows on every core.
    pub fn resample(&self, frame_to_photo: &Similarity, w: usize, h: usize, outside: f32) -> FloatMap {
        let m = frame_to_photo.then(&self.map_to_photo.inverse()).matrix();
        let mut out = FloatMap::new(w, h);
        out.data.par_chunks_mut(w.max(1)).enumerate().for_each(|(y, row)| {
            let oy = y as f64 + 0.5;
            for (x, v) in row.iter_mut().enumerate() {
                let ox = x as f64 + 0.5;
                let (u, t) = (m[0][0] * ox + m[0][1] * oy + m[0][2], m[1][0] * ox + m[1][1] * oy + m[1][2]);
                *v = self.map.sample(u - 0.5, t - 0.5, outside);
            }
        });
        out
    }
}

/// sRGB 0–255 → CIE L*a*b* (D65).
pub fn lab(rgb: [u8; 3]) -> [f32; 3] {
    let lin = |v: u8| SRGB_TO_LINEAR[v as usize];
    let (r, g, b) = (lin(rgb[0]), lin(rgb[1]), lin(rgb[2]));
    let x = (0.412_456_4 * r + 0.357_576_1 * g + 0.180_437_5 * b) / 0.950_47;
    let y = 0.212_672_9 * r + 0.715_152_2 * g + 0.072_175 * b;
    let z = (0.019_333_9 * r + 0.119_192 * g + 0.950_304_1 * b) / 1.088_83;
    let f = |t: f32| {
        if t > 0.008_856 { t.cbrt() } else { 7.787 * t + 16.0 / 116.0 }
    };
    let (fx, fy, fz) = (f(x), f(y), f(z));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// Linear light (0–1) of an sRGB channel value (table lookup).
#[inline]
pub fn to_linear(v: u8) -> f32 {
    SRGB_TO_LINEAR[v as usize]
}

/// CIE L* (0–100) of an sRGB pixel.
pub fn lightness(rgb: [u8; 3]) -> f32 {
    LIGHTNESS[luma_index(rgb)]
}

#[inline]
fn luma_index(rgb: [u8; 3]) -> usize {
    // Rec. 709 luma on gamma-encoded values: close enough to index the L* table.
    ((rgb[0] as u32 * 54 + rgb[1] as u32 * 183 + rgb[2] as u32 * 19) >> 8) as usize
}

static SRGB_TO_LINEAR: std::sync::LazyLock<[f32; 256]> = std::sync::LazyLock::new(|| {
    std::array::from_fn(|i| {
        let c = i as f32 / 255.0;
        if c <= 0.040_45 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    })
});

static LIGHTNESS: std::sync::LazyLock<[f32; 256]> =
    std::sync::LazyLock::new(|| std::array::from_fn(|i| lab([i as u8; 3])[0]));

/// CIE76 colour difference.
pub fn delta_e(a: [f32; 3], b: [f32; 3]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lab_of_reference_colours() {
        let w = lab([255, 255, 255]);
        assert!((w[0] - 100.0).abs() < 0.05 && w[1].abs() < 0.05 && w[2].abs() < 0.05, "{w:?}");
        assert!(lab([0, 0, 0])[0].abs() < 1e-3);
        // Mid grey 119 is L* ≈ 50.
        assert!((lightness([119, 119, 119]) - 50.0).abs() < 0.6);
        let red = lab([255, 0, 0]);
        assert!((red[0] - 53.24).abs() < 0.1 && (red[1] - 80.09).abs() < 0.2 && (red[2] - 67.2).abs() < 0.2, "{red:?}");
    }

    #[test]
    fn halving_averages_blocks() {
        let img = RgbImage::from_fn(4, 2, |x, _| image::Rgb([if x % 2 == 0 { 0 } else { 200 }, 10, 20]));
        let h = halve(&img);
        assert_eq!((h.width(), h.height()), (2, 1));
        assert_eq!(h.get_pixel(0, 0).0, [100, 10, 20]);
    }

    #[test]
    fn warp_identity_reproduces_the_image() {
        let img = RgbImage::from_fn(20, 10, |x, y| image::Rgb([(x * 10) as u8, (y * 20) as u8, 7]));
        let p = Pyramid::new(img.clone(), 4);
        assert_eq!(p.warp(&Similarity::IDENTITY, 20, 10), img);
    }

    #[test]
    fn downscaling_warp_does_not_alias_a_fine_stripe_pattern() {
        // 1-px black/white stripes shrunk 5×: every output pixel should be mid grey.
        let img = RgbImage::from_fn(500, 100, |x, _| image::Rgb([if x % 2 == 0 { 0 } else { 255 }; 3]));
        let p = Pyramid::new(img, 8);
        let out = p.warp(&Similarity { scale: 5.0, angle: 0.0, tx: 0.0, ty: 0.0 }, 100, 20);
        for px in out.pixels() {
            assert!((px.0[0] as i32 - 128).abs() <= 12, "{:?}", px.0);
        }
    }

    /// The tensor sampler's row walk gives what `bilinear` gives at each pixel centre: inside,
    /// on the last row and column, and outside (`fill`, or the edge pixel without one).
    #[test]
    fn tensor_sampling_agrees_with_bilinear_everywhere() {
        let img = RgbImage::from_fn(37, 29, |x, y| image::Rgb([(x * 7) as u8, (y * 9) as u8, ((x * y) % 251) as u8]));
        let p = Pyramid::new(img.clone(), 64);
        let t = Similarity { scale: 0.23, angle: 0.35, tx: -3.0, ty: -2.0 };
        let (w, h) = (160, 150);
        for fill in [Some(7.0), None] {
            let got = p.sample_tensor(&t, w, h, -1.0, 1.0, fill);
            let m = t.matrix();
            for y in 0..h {
                for x in 0..w {
                    let (ox, oy) = (x as f64 + 0.5, y as f64 + 0.5);
                    let (bx, by) = (m[0][0] * ox + m[0][1] * oy + m[0][2], m[1][0] * ox + m[1][1] * oy + m[1][2]);
                    let outside = bx < 0.0 || by < 0.0 || bx >= 37.0 || by >= 29.0;
                    let px = match fill {
                        Some(v) if outside => [v; 3],
                        _ => bilinear(&img, bx - 0.5, by - 0.5),
                    };
                    for c in 0..3 {
                        let want = -1.0 + px[c] * 2.0 / 255.0;
                        let v = got[(y * w + x) * 3 + c];
                        assert!((v - want).abs() < 1e-4, "({x}, {y}) {c}: {v} vs {want}");
                    }
                }
            }
        }
    }

    /// The AVX2 row gives exactly the plain row's floats, inside, across the edges and in a
    /// row's last pixels.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn tensor_rows_with_avx2_equal_the_plain_ones() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            eprintln!("SKIPPED: this processor has no AVX2");
            return;
        }
        let img =
            RgbImage::from_fn(61, 43, |x, y| image::Rgb([(x * 7 + y) as u8, (y * 9) as u8, ((x * y) % 251) as u8]));
        for fill in [Some(7.0), None] {
            let src = TensorSource { lvl: &img, fill, lo: -1.0, a: 2.0 / 255.0 };
            // Inside, across the edges, a row's last pixels, and coordinates a hair before the
            // last row and column (they round onto it in f32, which has no neighbour beyond).
            let hair = 1e-7;
            for (start, step, n) in [
                ((3.3, 4.1), (0.37, 0.11), 100),
                ((-2.0, 20.2), (0.9, -0.05), 77),
                ((0.0, 0.0), (0.5, 0.4), 19),
                ((10.0, 42.5 - hair), (0.5, 0.0), 40),
                ((53.0 - hair, 10.0), (1.0, 0.25), 8),
            ] {
                let (mut plain, mut fast) = (vec![0f32; 3 * n], vec![0f32; 3 * n]);
                src.row(start, step, &mut plain, 0);
                // SAFETY: the processor has AVX2, checked above.
                unsafe { avx2::tensor_row(&src, start, step, &mut fast) };
                assert!(
                    plain.iter().zip(&fast).all(|(p, f)| p.to_bits() == f.to_bits()),
                    "{start:?} {step:?} {fill:?}"
                );
            }
        }
    }

    #[test]
    fn float_map_samples_and_places() {
        let mut m = FloatMap::new(2, 1);
        m.data = vec![0.0, 1.0];
        assert!((m.sample(0.5, 0.0, -1.0) - 0.5).abs() < 1e-6);
        assert_eq!(m.sample(5.0, 0.0, -1.0), -1.0);
        let placed = PlacedMap::new(m, Similarity { scale: 10.0, angle: 0.0, tx: 100.0, ty: 0.0 });
        // Map pixel 1's centre (1.5, 0.5) sits at photo (115, 5).
        assert!((placed.at(Point::new(115.0, 5.0), -1.0) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn resampling_a_placed_map_agrees_with_sampling_it_point_by_point() {
        let mut m = FloatMap::new(16, 12);
        for (k, v) in m.data.iter_mut().enumerate() {
            *v = ((k * 37) % 11) as f32 / 10.0;
        }
        let placed = PlacedMap::new(m, Similarity { scale: 7.5, angle: 0.2, tx: 40.0, ty: -9.0 });
        let frame_to_photo = Similarity { scale: 0.8, angle: -0.1, tx: 30.0, ty: 5.0 };
        let (w, h) = (90, 70);
        let r = placed.resample(&frame_to_photo, w, h, -1.0);
        let mut inside = 0;
        for y in 0..h {
            for x in 0..w {
                let p = frame_to_photo.apply(Point::new(x as f64 + 0.5, y as f64 + 0.5));
                // Independently: invert the placement for this one point.
                let q = placed.map_to_photo().inverse().apply(p);
                let want = placed.map.sample(q.x - 0.5, q.y - 0.5, -1.0);
                assert!((placed.at(p, -1.0) - want).abs() < 1e-5, "at ({x},{y})");
                assert!((r.get(x, y) - want).abs() < 1e-4, "({x}, {y}): {} vs {want}", r.get(x, y));
                inside += (want >= 0.0) as usize;
            }
        }
        assert!(inside > 1000 && inside < w * h, "{inside} of {} inside the map", w * h);
    }
}
