//! A faster depthwise transposed convolution for tract. The segmenter and the full-range
//! detector upsample by two with bilinear weights, which `tools/models/rewrite.py` turns into a
//! depthwise `ConvTranspose` (stride 2, kernel 4×4) because tract's `Resize` was slower still;
//! tract 0.23.9 runs that as `DepthwiseDeconv` at 1–2 ms a net (`netprof`). [`fast_deconv`]
//! swaps such convolutions, in a decluttered model before tract's code generation, for
//! [`DeconvRows`]: each output row takes the input rows its kernel rows land on, and at
//! stride 2 its even and odd columns are each a run of multiply-adds over one contiguous input
//! row, which the compiler vectorises. Only the order of additions differs from tract's; the
//! nets' outputs are compared in `depthwise.rs`'s tests.

use tract_onnx::prelude::*;
use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::cnn::{Deconv, PaddingSpec};

use super::planes::{self, Geometry, Plane, Planes, Site, planes_op};

/// Depthwise transposed convolution, stride 1 or 2, over NCHW (or CHW) f32, kernel `k × k`:
/// `out[oy][ox] = b + Σ x[iy][ix] · kernel[ky][kx]` over `stride·iy + ky − pad_top = oy` and
/// `stride·ix + kx − pad_left = ox`. Inputs: data, kernel `[C, 1, k, k]`, bias `[C]` or one value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeconvRows(pub Geometry);

planes_op!(DeconvRows);

/// Zeros on each side of an input row: columns a tap reads beyond the row read them.
const PAD: usize = 4;

/// An input row between zeros, and the output row's columns by phase (`ox mod stride`).
pub struct RowBuffers {
    input: Vec<f32>,
    phases: [Vec<f32>; 2],
}

impl RowBuffers {
    fn new(w: usize, out_w: usize) -> RowBuffers {
        RowBuffers { input: vec![0.0; w + 2 * PAD], phases: [vec![0.0; out_w], vec![0.0; out_w.div_ceil(2)]] }
    }
}

impl DeconvRows {
    /// Which output columns tap `kx` feeds and from where: (phase, offset), output column
    /// `phase + stride·j` reading input column `j + offset`.
    fn tap(&self, kx: usize) -> (usize, isize) {
        let s = self.stride as isize;
        // ox = s·ix + kx − pad_left, so ox ≡ kx − pad_left (mod s).
        let d = kx as isize - self.pad_left as isize;
        let phase = d.rem_euclid(s);
        (phase as usize, (phase - d) / s)
    }

    /// Output columns of `phase` (how many).
    fn phase_len(&self, phase: usize) -> usize {
        (self.out_w + self.stride - 1 - phase) / self.stride
    }
}

impl Planes for DeconvRows {
    type Scratch = RowBuffers;

    fn scratch(&self, w: usize) -> RowBuffers {
        RowBuffers::new(w, self.out_w)
    }

    #[inline(always)]
    fn plane(&self, p: Plane<'_>, dst: &mut [f32], rows: &mut RowBuffers) {
        let Plane { src, h, w, kernel, bias } = p;
        let (k, s, ow) = (self.k, self.stride, self.out_w);
        for (oy, out) in dst.chunks_exact_mut(ow).enumerate() {
            for (p, phase) in rows.phases.iter_mut().enumerate().take(s) {
                phase[..self.phase_len(p)].fill(bias);
            }
            for ky in 0..k {
                // oy = s·iy + ky − pad_top.
                let t = oy as isize + self.pad_top as isize - ky as isize;
                if t < 0 || t % s as isize != 0 || (t / s as isize) as usize >= h {
                    continue;
                }
                let iy = (t / s as isize) as usize;
                rows.input[PAD..PAD + w].copy_from_slice(&src[iy * w..][..w]);
                for kx in 0..k {
                    let wgt = kernel[ky * k + kx];
                    let (p, offset) = self.tap(kx);
                    let n = self.phase_len(p);
                    let start = (PAD as isize + offset) as usize;
                    for (o, v) in rows.phases[p][..n].iter_mut().zip(&rows.input[start..start + n]) {
                        *o += wgt * v;
                    }
                }
            }
            if s == 1 {
                out.copy_from_slice(&rows.phases[0][..ow]);
            } else {
                for (ox, o) in out.iter_mut().enumerate() {
                    *o = rows.phases[ox % 2][ox / 2];
                }
            }
        }
    }
}

/// `model` (decluttered, not yet optimised) with every f32 depthwise transposed convolution of
/// stride 1 or 2 and a square kernel up to 4 × 4 with explicit padding run by [`DeconvRows`].
pub fn fast_deconv(model: TypedModel) -> TractResult<TypedModel> {
    planes::swap::<Deconv, _>(model, replacement)
}

fn replacement(model: &TypedModel, node: &TypedNode, deconv: &Deconv) -> TractResult<Option<DeconvRows>> {
    let spec = &deconv.pool_spec;
    let (pad_top, pad_left) = match &spec.padding {
        PaddingSpec::Explicit(before, _) if before.len() == 2 => (before[0], before[1]),
        PaddingSpec::Valid => (0, 0),
        _ => return Ok(None),
    };
    let site = planes::site(model, node, spec, deconv.group, deconv.kernel_format, 4)?;
    let Some(Site { h, w, k, stride, out_h, out_w }) = site else {
        return Ok(None);
    };
    let op = DeconvRows(Geometry { stride, k, pad_top, pad_left, out_h, out_w, in_hw: (h, w) });
    // Every tap's run of input columns lies inside the row with its zeros.
    let fits = (0..k).all(|kx| {
        let (p, offset) = op.tap(kx);
        let n = op.phase_len(p) as isize;
        PAD as isize + offset >= 0 && offset + n <= (w + PAD) as isize
    });
    Ok(fits.then_some(op))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One channel against the definition, both strides, padding and odd sizes.
    #[test]
    fn one_plane_matches_the_definition() {
        for (s, k, pt, pl, h, w) in
            [(2, 4, 3, 3, 6, 6), (2, 4, 1, 2, 5, 7), (2, 3, 0, 1, 4, 3), (1, 3, 1, 1, 5, 4), (2, 2, 0, 0, 3, 3)]
        {
            let (oh, ow) = ((h - 1) * s + k - 2 * pt, (w - 1) * s + k - 2 * pl);
            let op =
                DeconvRows(Geometry { stride: s, k, pad_top: pt, pad_left: pl, out_h: oh, out_w: ow, in_hw: (h, w) });
            let src: Vec<f32> = (0..h * w).map(|i| ((i * 37) % 17) as f32 - 8.0).collect();
            let kernel: Vec<f32> = (0..k * k).map(|i| (i as f32 - 4.0) / 3.0).collect();
            let mut got = vec![0f32; oh * ow];
            op.plane(Plane { src: &src, h, w, kernel: &kernel, bias: 0.5 }, &mut got, &mut RowBuffers::new(w, ow));
            let mut want = vec![0.5f32; oh * ow];
            for iy in 0..h {
                for ix in 0..w {
                    for ky in 0..k {
                        for kx in 0..k {
                            let (oy, ox) = ((s * iy + ky) as isize - pt as isize, (s * ix + kx) as isize - pl as isize);
                            if oy >= 0 && ox >= 0 && (oy as usize) < oh && (ox as usize) < ow {
                                want[oy as usize * ow + ox as usize] += src[iy * w + ix] * kernel[ky * k + kx];
                            }
                        }
                    }
                }
            }
            for (i, (g, e)) in got.iter().zip(&want).enumerate() {
                assert!((g - e).abs() < 1e-4, "s{s} k{k} pad {pt},{pl} {h}×{w} at {i}: {g} vs {e}");
            }
        }
    }
}
