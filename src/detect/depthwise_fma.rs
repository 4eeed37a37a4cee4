//! The depthwise convolutions' path for processors with AVX2 and FMA. Each channel's input is
//! copied once into a plane with zero borders (at stride 2 as its even and its odd columns), so
//! that every tap of every output row is a run of eight-lane loads with no bounds to check; the
//! `k × k` weights stay in registers, and each kernel row sums into its own register (`k`
//! short chains of dependent multiply-adds instead of one long one). The output row is written
//! once, where [`super::depthwise::DepthwiseRows`]'s plain path reads and writes it once per
//! kernel row.

use std::arch::x86_64::*;

use super::planes::{Geometry, Plane};

/// One channel's input with zero borders, laid out for [`Padded::run`]: output `(oy, ox)`'s
/// tap `(ky, kx)` reads row `stride·oy + ky` at column `ox + kx` (stride 1) or, at stride 2,
/// column `ox + kx / 2` of the even (`kx` even) or odd half.
pub struct Padded {
    g: Geometry,
    /// Length of one row (of each half at stride 2), a multiple of 8.
    row: usize,
    /// Rows: `stride·(out_h − 1) + k`.
    rows: usize,
    /// The plane (stride 1), or the even half's rows followed by the odd half's.
    data: Vec<f32>,
    /// Stride 2: one input row with its zeros, before it is split into halves.
    line: Vec<f32>,
    /// Input columns copied per row (the rest is never read).
    copied: usize,
}

impl Padded {
    /// For `g`, when the processor has AVX2 and FMA and the kernel is 3×3 or 5×5.
    pub fn new(g: &Geometry) -> Option<Padded> {
        if !(std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")) {
            return None;
        }
        Padded::for_geometry(g)
    }

    /// As [`Padded::new`], without asking the processor (tests).
    fn for_geometry(g: &Geometry) -> Option<Padded> {
        let (k, s) = (g.k, g.stride);
        if !(k == 3 || k == 5) || !(s == 1 || s == 2) || g.pad_left >= k || g.pad_top >= k {
            return None;
        }
        let out_w8 = g.out_w.next_multiple_of(8);
        // The last vector's loads reach column out_w8 − 1 + (k − 1) (stride 1) or
        // out_w8 − 1 + k / 2 of a half.
        let row = if s == 1 { out_w8 + k - 1 } else { out_w8 + k / 2 }.next_multiple_of(8);
        let rows = s * (g.out_h - 1) + k;
        let halves = if s == 1 { 1 } else { 2 };
        let line = if s == 1 { 0 } else { 2 * row };
        let copied = g.in_hw.1.min(if s == 1 { row } else { line } - g.pad_left);
        Some(Padded { g: g.clone(), row, rows, data: vec![0.0; halves * rows * row], line: vec![0.0; line], copied })
    }

    /// Copy `src` (`h × w`) in: only the input's own cells change, so the zeros stay.
    #[target_feature(enable = "avx2")]
    fn load(&mut self, src: &[f32]) {
        let (h, w) = self.g.in_hw;
        assert_eq!(src.len(), h * w, "a plane of the wrong size");
        let (row, n, left) = (self.row, self.copied, self.g.pad_left);
        for r in 0..self.rows {
            let Some(iy) = r.checked_sub(self.g.pad_top).filter(|&iy| iy < h) else { continue };
            let from = &src[iy * w..][..n];
            if self.g.stride == 1 {
                self.data[r * row + left..][..n].copy_from_slice(from);
                continue;
            }
            self.line[left..left + n].copy_from_slice(from);
            let (even, odd) = self.data.split_at_mut(self.rows * row);
            let (even, odd) = (&mut even[r * row..][..row], &mut odd[r * row..][..row]);
            for (j, pair) in self.line.chunks_exact(16).enumerate() {
                // SAFETY: `pair` holds sixteen values.
                let (a, b) = unsafe { (_mm256_loadu_ps(pair.as_ptr()), _mm256_loadu_ps(pair.as_ptr().add(8))) };
                // [a0 a2 b0 b2 | a4 a6 b4 b6] → [a0 a2 a4 a6 b0 b2 b4 b6], and the odd ones.
                let order = |v: __m256| _mm256_castpd_ps(_mm256_permute4x64_pd::<0b11_01_10_00>(_mm256_castps_pd(v)));
                let e = order(_mm256_shuffle_ps::<0b10_00_10_00>(a, b));
                let o = order(_mm256_shuffle_ps::<0b11_01_11_01>(a, b));
                // SAFETY: `row` is `line / 2` values, so block `j` of eight is inside each half.
                unsafe {
                    _mm256_storeu_ps(even.as_mut_ptr().add(8 * j), e);
                    _mm256_storeu_ps(odd.as_mut_ptr().add(8 * j), o);
                }
            }
        }
    }

    /// Fill `dst` (`out_h × out_w`) with the convolution of `p` (a plane of `in_hw`).
    pub fn plane(&mut self, p: Plane<'_>, dst: &mut [f32]) {
        assert_eq!(p.kernel.len(), self.g.k * self.g.k, "a kernel of the wrong size");
        assert_eq!(dst.len(), self.g.out_h * self.g.out_w, "an output of the wrong size");
        // SAFETY: a `Padded` exists only where the processor has AVX2 and FMA (or in tests
        // that ask the processor first).
        unsafe {
            self.load(p.src);
            match self.g.k {
                3 => self.run::<3>(p.kernel, p.bias, dst),
                _ => self.run::<5>(p.kernel, p.bias, dst),
            }
        }
    }

    /// The sums, eight outputs at a time; the last partial vector is stored under a mask.
    #[target_feature(enable = "avx2,fma")]
    fn run<const K: usize>(&self, kernel: &[f32], bias: f32, dst: &mut [f32]) {
        let Geometry { stride, out_h, out_w, .. } = self.g;
        let wgt: [[__m256; K]; K] =
            std::array::from_fn(|ky| std::array::from_fn(|kx| _mm256_set1_ps(kernel[ky * K + kx])));
        let b = _mm256_set1_ps(bias);
        let tail = out_w % 8;
        let mask = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(tail as i32), mask);
        let half = self.rows * self.row;
        let base = self.data.as_ptr();
        for oy in 0..out_h {
            // Where each tap's run starts for this output row.
            let taps: [[*const f32; K]; K] = std::array::from_fn(|ky| {
                let r = (stride * oy + ky) * self.row;
                std::array::from_fn(|kx| {
                    let at = if stride == 1 { r + kx } else { (kx % 2) * half + r + kx / 2 };
                    // SAFETY: `at` plus the loads' reach (below) is inside `data` (see `new`).
                    unsafe { base.add(at) }
                })
            });
            let sum = |x: usize| {
                let mut total = b;
                for (row, w) in taps.iter().zip(&wgt) {
                    // SAFETY: each load reads eight values from `x ≤ out_w8 − 8` past a tap's
                    // start, inside the row by the row's length.
                    let mut acc = _mm256_mul_ps(w[0], unsafe { _mm256_loadu_ps(row[0].add(x)) });
                    for kx in 1..K {
                        acc = _mm256_fmadd_ps(w[kx], unsafe { _mm256_loadu_ps(row[kx].add(x)) }, acc);
                    }
                    total = _mm256_add_ps(total, acc);
                }
                total
            };
            let out = &mut dst[oy * out_w..][..out_w];
            let mut x = 0;
            while x + 8 <= out_w {
                // SAFETY: `out` holds `x + 8` values or more.
                unsafe { _mm256_storeu_ps(out.as_mut_ptr().add(x), sum(x)) };
                x += 8;
            }
            if tail > 0 {
                // SAFETY: the mask stores only the `tail` values left in `out`.
                unsafe { _mm256_maskstore_ps(out.as_mut_ptr().add(x), mask, sum(x)) };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::depthwise::tests::definition;

    /// The same cases as the plain path's test, and the mesh's shapes.
    #[test]
    fn matches_the_definition() {
        if !(std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")) {
            eprintln!("SKIPPED: this processor has no AVX2 and FMA");
            return;
        }
        let cases = [
            (3, 0, 0, 8, 8),
            (3, 1, 1, 7, 9),
            (5, 1, 1, 10, 6),
            (5, 2, 2, 9, 11),
            (3, 1, 1, 96, 96),
            (3, 1, 1, 3, 3),
            (3, 0, 0, 24, 24),
            (5, 2, 2, 17, 23),
        ];
        for (stride, (k, pt, pl, h, w)) in cases.into_iter().flat_map(|c| [(1, c), (2, c)]) {
            let (oh, ow) = ((h + 2 * pt - k) / stride + 1, (w + 2 * pl - k) / stride + 1);
            let g = Geometry { stride, k, pad_top: pt, pad_left: pl, out_h: oh, out_w: ow, in_hw: (h, w) };
            let src: Vec<f32> = (0..h * w).map(|i| ((i * 37) % 17) as f32 - 8.0).collect();
            let kernel: Vec<f32> = (0..k * k).map(|i| (i as f32 - 4.0) / 3.0).collect();
            let mut padded = Padded::for_geometry(&g).expect("a 3×3 or 5×5 kernel");
            // Twice: the second plane must not see the first one's values.
            for scale in [3.0, 1.0] {
                let src: Vec<f32> = src.iter().map(|v| v * scale).collect();
                let mut got = vec![f32::NAN; oh * ow];
                padded.plane(Plane { src: &src, h, w, kernel: &kernel, bias: 0.5 }, &mut got);
                let want = definition(&g, &src, &kernel, 0.5);
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!((g - w).abs() < 1e-4 * scale, "s{stride} k{k} pad {pt},{pl} {h}×{w} at {i}: {g} vs {w}");
                }
            }
        }
    }
}
