//! Faster depthwise convolutions for tract. Every block of the face mesh, the detectors and
//! the segmenter has a 3×3 (or 5×5) depthwise convolution; tract 0.23.9 runs those of stride 2
//! through its generic zone walk at about 1 G multiply-adds/s, where its stride-1 path does
//! 13 (`netprof`: 0.37 ms for the mesh's 16×96×96 one against 0.10 ms for a stride-1 one four
//! times its size). [`fast_depthwise`] swaps them, in a decluttered model before tract's own
//! code generation, for [`DepthwiseRows`]. On processors with AVX2 and FMA it runs
//! `depthwise_fma.rs` (the mesh's depthwise convolutions 0.74 → 0.41–0.44 ms); otherwise each
//! input row is copied once between zeros (at stride 2 as its even and odd columns), so that
//! each kernel row becomes multiply-adds over contiguous runs, one pass over the output row,
//! which the compiler vectorises. Only the order of the additions (and, with FMA, the
//! products' rounding) differs from tract's (about 1e-7 relative); tests compare the nets'
//! outputs.

use tract_onnx::prelude::*;
use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::cnn::Conv;

use super::planes::{self, Geometry, Plane, Planes, Site, planes_op};

/// Depthwise convolution at stride 1 or 2 over NCHW (or CHW) f32, kernel `k × k`, zero padding `pad_top`
/// rows and `pad_left` columns before (whatever lies after is implied by the output size).
/// Inputs: data `[N, C, H, W]`, kernel `[C, 1, k, k]`, bias `[C]` or a single value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DepthwiseRows(pub Geometry);

planes_op!(DepthwiseRows);

/// One input row with `PAD` zeros on both sides; at stride 2 as its even and odd columns, so
/// a tap's columns `stride·ox + d` for every output `ox` are one contiguous run.
pub struct Split {
    stride: usize,
    even: Vec<f32>,
    odd: Vec<f32>,
}

/// Zeros on each side of a split row: enough for a 5×5 kernel's reach.
const PAD: usize = 3;

impl Split {
    fn new(w: usize, stride: usize) -> Split {
        let even = if stride == 1 { w } else { w.div_ceil(2) };
        Split { stride, even: vec![0.0; even + 2 * PAD], odd: vec![0.0; w / 2 + 2 * PAD] }
    }

    fn load(&mut self, row: &[f32]) {
        let w = row.len();
        if self.stride == 1 {
            self.even[PAD..PAD + w].copy_from_slice(row);
            return;
        }
        self.even[PAD..PAD + w.div_ceil(2)].iter_mut().zip(row.iter().step_by(2)).for_each(|(d, s)| *d = *s);
        self.odd[PAD..PAD + w / 2].iter_mut().zip(row.iter().skip(1).step_by(2)).for_each(|(d, s)| *d = *s);
    }

    /// Columns `stride·ox + d` for `ox` in `0..n` (out-of-row columns read as zero).
    fn run(&self, d: isize, n: usize) -> &[f32] {
        let (odd, start) = run_start(self.stride, d);
        let v = if odd { &self.odd } else { &self.even };
        &v[(PAD as isize + start) as usize..][..n]
    }
}

/// Where a tap's run starts: (in the odd columns?, first index not counting the zeros).
fn run_start(stride: usize, d: isize) -> (bool, isize) {
    match (stride, d.rem_euclid(2)) {
        (1, _) => (false, d),
        (_, 0) => (false, d.div_euclid(2)),
        _ => (true, (d - 1).div_euclid(2)),
    }
}

/// Per-evaluation buffers: the plain path's split row, and the AVX2 + FMA path's padded
/// plane where the processor has them (and the kernel is 3×3 or 5×5).
pub struct Scratch {
    split: Split,
    #[cfg(target_arch = "x86_64")]
    fast: Option<super::depthwise_fma::Padded>,
}

impl Planes for DepthwiseRows {
    type Scratch = Scratch;

    fn scratch(&self, w: usize) -> Scratch {
        Scratch {
            split: Split::new(w, self.stride),
            #[cfg(target_arch = "x86_64")]
            fast: super::depthwise_fma::Padded::new(&self.0),
        }
    }

    /// One channel: `dst[oy][ox] = b + Σ kernel[ky][kx] · src[s·oy + ky − pad_top][s·ox + kx − pad_left]`.
    #[inline(always)]
    fn plane(&self, p: Plane<'_>, dst: &mut [f32], scratch: &mut Scratch) {
        #[cfg(target_arch = "x86_64")]
        if let Some(fast) = &mut scratch.fast {
            fast.plane(p, dst);
            return;
        }
        let split = &mut scratch.split;
        let Plane { src, h, w, kernel, bias } = p;
        let (k, ow) = (self.k, self.out_w);
        dst.fill(bias);
        // Each input row feeds the output rows whose windows cover it: split it once.
        let stride = self.stride as isize;
        for iy in 0..h {
            split.load(&src[iy * w..][..w]);
            for ky in 0..k {
                let oys = iy as isize + self.pad_top as isize - ky as isize;
                if oys < 0 || oys % stride != 0 || (oys / stride) as usize >= self.out_h {
                    continue;
                }
                let row = &mut dst[(oys / stride) as usize * ow..][..ow];
                let wgt = &kernel[ky * k..][..k];
                let run = |kx: usize| split.run(kx as isize - self.pad_left as isize, ow);
                // A kernel row's taps in one pass over the output row (it is read and written
                // once per kernel row, not once per tap).
                if k == 3 {
                    let (a, b, c) = (run(0), run(1), run(2));
                    for (((o, a), b), c) in row.iter_mut().zip(a).zip(b).zip(c) {
                        *o += wgt[0] * a + wgt[1] * b + wgt[2] * c;
                    }
                } else {
                    for (kx, &wgt) in wgt.iter().enumerate() {
                        for (o, t) in row.iter_mut().zip(run(kx)) {
                            *o += wgt * t;
                        }
                    }
                }
            }
        }
    }
}

/// `model` (decluttered, not yet optimised) with every f32 NCHW or CHW depthwise convolution of
/// stride 1 or 2 and a square kernel up to 5 × 5 run by [`DepthwiseRows`].
pub fn fast_depthwise(model: TypedModel) -> TractResult<TypedModel> {
    planes::swap::<Conv, _>(model, replacement)
}

fn replacement(model: &TypedModel, node: &TypedNode, conv: &Conv) -> TractResult<Option<DepthwiseRows>> {
    let spec = &conv.pool_spec;
    if conv.q_params.is_some() {
        return Ok(None);
    }
    let Some(Site { h, w, k, stride, out_h, out_w }) = planes::site(model, node, spec, conv.group, conv.kernel_fmt, 5)?
    else {
        return Ok(None);
    };
    let pads = spec.computed_padding(&[h, w]);
    let (pad_top, pad_left) = (pads[0].pad_before, pads[1].pad_before);
    // Every tap's run of columns lies inside the split row with its zeros.
    let fits = (0..k).all(|kx| {
        let (odd, start) = run_start(stride, kx as isize - pad_left as isize);
        let len = if stride == 1 {
            w
        } else if odd {
            w / 2
        } else {
            w.div_ceil(2)
        };
        start >= -(PAD as isize) && start + out_w as isize <= (len + PAD) as isize
    });
    if pad_top >= k || !fits {
        return Ok(None);
    }
    Ok(Some(DepthwiseRows(Geometry { stride, k, pad_top, pad_left, out_h, out_w, in_hw: (h, w) })))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Each net with tract's own operators and as the app runs it (our depthwise and 1×1
    /// convolutions and pools): the same outputs up to the order of additions.
    #[test]
    fn every_net_gives_the_same_output_with_our_operators() -> TractResult<()> {
        use crate::detect::runtime::tract_test::{count, outputs, tracts_own};
        let nets: [(&str, &[u8], [usize; 4]); 4] = [
            ("mesh", include_bytes!("../../assets/models/face_landmark.onnx"), [1, 27, 96, 96]),
            ("short", include_bytes!("../../assets/models/face_detection_short_range.onnx"), [1, 75, 64, 64]),
            ("full", include_bytes!("../../assets/models/face_detection_full_range.onnx"), [1, 27, 96, 96]),
            ("segmenter", include_bytes!("../../assets/models/selfie_segmentation.onnx"), [1, 27, 128, 128]),
        ];
        for (name, bytes, shape) in nets {
            let theirs = tracts_own(bytes, &shape)?;
            let ours = crate::detect::runtime::tract_model(bytes, &shape)?;
            // Every depthwise convolution is ours.
            let before = count(&theirs, "DepthWiseConv");
            let after = (count(&ours, "DepthWiseConv"), count(&ours, "DepthwiseRows"));
            assert!(before > 0 && after == (0, before), "{name}: {before} → {after:?}");
            // And every depthwise transposed convolution (the bilinear upsampling).
            let (before, after) = (count(&theirs, "DepthwiseDeconv"), count(&ours, "DeconvRows"));
            assert!(count(&ours, "DepthwiseDeconv") == 0 && after == before, "{name}: {before} → {after}");
            // And the 1×1 convolutions (tract's are matrix products; a few larger kernels stay so).
            let (before, after) = (count(&theirs, "OptMatMul"), count(&ours, "OptMatMul"));
            assert!(count(&ours, "PointwiseRows") > 0 && after < before, "{name}: {before} → {after}");
            if name == "mesh" {
                // Every PReLU is fused into a 1×1 convolution (both of rewrite.py's forms): no
                // element-wise operation is left.
                let names: Vec<String> = ours.nodes().iter().map(|n| n.op().name().to_string()).collect();
                let left: Vec<&String> = names
                    .iter()
                    .filter(|n| n.contains("BinChain") || ["Max", "Mul", "Add"].contains(&n.as_str()))
                    .collect();
                assert!(left.is_empty(), "mesh: element-wise operations left: {left:?}");
            }
            let (a, b) = (outputs(theirs, &shape)?, outputs(ours, &shape)?);
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(&b) {
                // (A NaN, e.g. a value our operators left unwritten, would vanish in the max.)
                assert!(y.iter().all(|v| v.is_finite()), "{name}: not every output is finite");
                let scale = x.iter().fold(1f32, |m, v| m.max(v.abs()));
                let worst = x.iter().zip(y).map(|(p, q)| (p - q).abs()).fold(0f32, f32::max);
                assert!(worst <= 1e-4 * scale, "{name}: outputs differ by {worst} (largest {scale})");
            }
        }
        Ok(())
    }

    /// Output of a depthwise convolution by `g` of one plane, straight from the definition.
    pub(crate) fn definition(g: &Geometry, src: &[f32], kernel: &[f32], bias: f32) -> Vec<f32> {
        let Geometry { stride, k, pad_top, pad_left, out_h, out_w, in_hw: (h, w) } = *g;
        let mut out = vec![bias; out_h * out_w];
        for oy in 0..out_h {
            for ox in 0..out_w {
                for ky in 0..k {
                    for kx in 0..k {
                        let iy = (stride * oy + ky) as isize - pad_top as isize;
                        let ix = (stride * ox + kx) as isize - pad_left as isize;
                        if iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < w {
                            out[oy * out_w + ox] += kernel[ky * k + kx] * src[iy as usize * w + ix as usize];
                        }
                    }
                }
            }
        }
        out
    }

    /// One channel against the definition (the plain path), with padding before and after
    /// and odd sizes.
    #[test]
    fn one_plane_matches_the_definition() {
        let cases = [(3, 0, 0, 8, 8), (3, 1, 1, 7, 9), (5, 1, 1, 10, 6), (5, 2, 2, 9, 11)];
        for (stride, (k, pt, pl, h, w)) in cases.into_iter().flat_map(|c| [(1, c), (2, c)]) {
            let (oh, ow) = ((h + 2 * pt - k) / stride + 1, (w + 2 * pl - k) / stride + 1);
            let g = Geometry { stride, k, pad_top: pt, pad_left: pl, out_h: oh, out_w: ow, in_hw: (h, w) };
            let op = DepthwiseRows(g.clone());
            let src: Vec<f32> = (0..h * w).map(|i| ((i * 37) % 17) as f32 - 8.0).collect();
            let kernel: Vec<f32> = (0..k * k).map(|i| (i as f32 - 4.0) / 3.0).collect();
            let mut got = vec![0f32; oh * ow];
            let mut plain = Scratch {
                split: Split::new(w, stride),
                #[cfg(target_arch = "x86_64")]
                fast: None,
            };
            op.plane(Plane { src: &src, h, w, kernel: &kernel, bias: 0.5 }, &mut got, &mut plain);
            for (i, (g, w)) in got.iter().zip(definition(&g, &src, &kernel, 0.5)).enumerate() {
                assert!((g - w).abs() < 1e-4, "s{stride} k{k} pad {pt},{pl} {h}×{w} at {i}");
            }
        }
    }
}
