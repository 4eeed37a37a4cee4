//! Faster 1×1 convolutions for tract. Every block of these nets ends in one (the expansion
//! after the depthwise convolution); tract 0.23.9 runs them as matrix products with the pixels
//! as rows, so it first copies the NCHW input into panels (`OptMatMulPack`) and then calls its
//! kernel once per 16×8 tile: with the mesh's 16 or 32 channels that is a short inner loop,
//! about 18 G multiply-adds/s where the processor does several times that. On NCHW data a
//! channel's pixels are already contiguous, so [`PointwiseRows`] needs no copy: a tile of
//! `TC` output channels × `TP` pixels sums, input channel by input channel, a weight times a
//! contiguous run of pixels (AVX2 with fused multiply-adds where the processor has them),
//! then adds the bias and, where the net does so next, the block's residual input and its
//! PReLU or ReLU, while the sums are still in registers. [`fast_pointwise`] swaps them into a
//! decluttered model before tract's own code generation: the mesh takes 2.0 ms instead of
//! 3.2. Only the rounding differs from tract's; tests compare the nets.

use std::sync::Arc;

use tract_onnx::prelude::*;
use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::binary::TypedBinOp;
use tract_onnx::tract_core::ops::einsum::EinSum;

/// Output channels per tile (per pass: 4 with AVX2's 16 vector registers, 8 with AVX-512's 32).
const TC: usize = 8;
/// Pixels per tile (two AVX2 vectors): 8 running sums, 2 input vectors and a weight stay in
/// registers (with three vectors the sums spilled to memory and ran at half the speed).
const TP: usize = 16;

/// `out[co][p] = bias[co] + Σ_ci weight[co][ci] · x[ci][p]` over NCHW (or CHW) f32.
#[derive(Debug, Clone, PartialEq)]
pub struct PointwiseRows {
    ci: usize,
    co: usize,
    /// The input's shape it was made for, `[1, ci, h, w]` or `[ci, h, w]`, and the output's,
    /// `[1, co, h, w]` or `[co, h, w]` (tract may have added or dropped the unit batch axis).
    shapes: (TVec<usize>, TVec<usize>),
    /// The weights by tiles of `TC` output channels: `[co / TC][ci][TC]`, the last tile padded
    /// with zeros, so a tile reads its weights for one input channel as one run.
    packed: Arc<[f32]>,
    /// One per output channel, padded with zeros like the weights.
    bias: Arc<[f32]>,
    /// What follows the sums in the same pass.
    then: Epilogue,
}

/// What the nets do right after a 1×1 convolution, done while its sums are in registers
/// (tract runs each as a pass of its own over the output).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Epilogue {
    /// Add a second input of the output's shape (the block's residual connection).
    pub residual: bool,
    /// Then PReLU, `v` where `v ≥ 0` else `α·v`, with one α per output channel (padded like
    /// the bias).
    pub prelu: Option<Arc<[f32]>>,
    /// Or `max(v, c)` (ReLU for c = 0, the detectors').
    pub floor: Option<F32Bits>,
}

/// An `f32` that compares by its bits (operators must be `Eq`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct F32Bits(u32);

impl F32Bits {
    pub fn new(v: f32) -> F32Bits {
        F32Bits(v.to_bits())
    }
    fn get(self) -> f32 {
        f32::from_bits(self.0)
    }
}

// The weights never hold NaN (they come from the model file and are checked at the swap).
impl Eq for PointwiseRows {}

/// The AVX2 tile, compiled once per instruction set (`#[target_feature]` functions are not
/// inlined into each other reliably, and the register count is what differs).
macro_rules! tile_simd {
    ($(#[$doc:meta])* $name:ident, $features:literal) => {
        $(#[$doc])*
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $features)]
        #[allow(clippy::too_many_arguments)]
        fn $name<const PARTIAL: bool, const NC: usize>(
            &self,
            x: &[f32],
            residual: &[f32],
            out: &mut [f32],
            hw: usize,
            p0: usize,
            t: usize,
            c0: usize,
        ) {
            use std::arch::x86_64::*;
            let (ci, n) = (self.ci, TP.min(hw - p0));
            // Lane i of vector k is pixel p0 + 8k + i; with PARTIAL only those below hw.
            let masks: [__m256i; TP / 8] = std::array::from_fn(|k| {
                _mm256_cmpgt_epi32(_mm256_set1_epi32(n as i32 - 8 * k as i32), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
            });
            // SAFETY (loads and stores below): `from` holds `n` values; a full vector is read or
            // written only where `n == TP` (not PARTIAL), else only the masked lanes below `n`,
            // and a vector with no lane below `n` is not touched.
            let load = |from: &[f32], k: usize| -> __m256 {
                if !PARTIAL {
                    unsafe { _mm256_loadu_ps(from.as_ptr().add(8 * k)) }
                } else if 8 * k < n {
                    unsafe { _mm256_maskload_ps(from.as_ptr().add(8 * k), masks[k]) }
                } else {
                    _mm256_setzero_ps()
                }
            };
            let mut acc = [[_mm256_setzero_ps(); TP / 8]; NC];
            for (i, w) in self.packed[t * ci * TC..][..ci * TC].chunks_exact(TC).enumerate() {
                let row = &x[i * hw + p0..][..n];
                let xs: [__m256; TP / 8] = std::array::from_fn(|k| load(row, k));
                for (a, &w) in acc.iter_mut().zip(&w[c0..c0 + NC]) {
                    let w = _mm256_set1_ps(w);
                    for (a, x) in a.iter_mut().zip(xs) {
                        *a = _mm256_fmadd_ps(w, x, *a);
                    }
                }
            }
            for (j, a) in acc.into_iter().enumerate() {
                let o = t * TC + c0 + j;
                let b = _mm256_set1_ps(self.bias[o]);
                let at = o * hw + p0;
                let dst = &mut out[at..][..n];
                for (k, v) in a.into_iter().enumerate() {
                    let mut v = _mm256_add_ps(v, b);
                    if self.then.residual {
                        v = _mm256_add_ps(v, load(&residual[at..][..n], k));
                    }
                    if let Some(alpha) = &self.then.prelu {
                        // α·v where the sign bit is set.
                        v = _mm256_blendv_ps(v, _mm256_mul_ps(v, _mm256_set1_ps(alpha[o])), v);
                    }
                    if let Some(c) = self.then.floor {
                        v = _mm256_max_ps(v, _mm256_set1_ps(c.get()));
                    }
                    if !PARTIAL {
                        unsafe { _mm256_storeu_ps(dst.as_mut_ptr().add(8 * k), v) };
                    } else if 8 * k < n {
                        unsafe { _mm256_maskstore_ps(dst.as_mut_ptr().add(8 * k), masks[k], v) };
                    }
                }
            }
        }
    };
}

impl PointwiseRows {
    /// From `[co][ci]` weights and a bias per output channel; None with a NaN weight.
    /// `input` and `output` are the shapes of one image with or without a unit batch axis.
    pub fn new(input: &[usize], output: &[usize], weights: &[f32], mut bias: Vec<f32>) -> Option<PointwiseRows> {
        let image = |s: &[usize]| match *s {
            [1, c, h, w] | [c, h, w] => Some((c, h * w)),
            _ => None,
        };
        let ((ci, hw), (co, out_hw)) = (image(input)?, image(output)?);
        if ci == 0
            || co == 0
            || hw == 0
            || hw != out_hw
            || weights.len() != ci * co
            || bias.len() != co
            || weights.iter().chain(&bias).any(|v| v.is_nan())
        {
            return None;
        }
        let mut packed = vec![0f32; co.div_ceil(TC) * ci * TC];
        for o in 0..co {
            for i in 0..ci {
                packed[(o / TC) * ci * TC + i * TC + o % TC] = weights[o * ci + i];
            }
        }
        bias.resize(co.div_ceil(TC) * TC, 0.0);
        Some(PointwiseRows {
            ci,
            co,
            shapes: (input.into(), output.into()),
            packed: packed.into(),
            bias: bias.into(),
            then: Epilogue::default(),
        })
    }

    /// The same operator followed by `then`.
    pub fn then(self, then: Epilogue) -> PointwiseRows {
        let co = self.bias.len();
        let prelu = then.prelu.map(|a| {
            let mut a = a.to_vec();
            a.resize(co, 0.0);
            a.into()
        });
        PointwiseRows { then: Epilogue { prelu, ..then }, ..self }
    }

    /// `x` is `ci` planes of `hw` pixels, `out` `co` planes, `residual` (with
    /// [`Epilogue::residual`]) as many as `out`.
    fn run(&self, x: &[f32], residual: &[f32], out: &mut [f32], hw: usize) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512vl") {
                // SAFETY: the processor has AVX2, FMA and AVX-512 F and VL, checked just above.
                unsafe { self.image_avx512(x, residual, out, hw) };
            } else {
                // SAFETY: the processor has AVX2 and FMA, checked just above.
                unsafe { self.image_avx2(x, residual, out, hw) };
            }
            return;
        }
        self.image(x, residual, out, hw);
    }

    /// One image, tile by tile, in plain Rust.
    fn image(&self, x: &[f32], residual: &[f32], out: &mut [f32], hw: usize) {
        for p0 in (0..hw).step_by(TP) {
            for t in 0..self.co.div_ceil(TC) {
                self.tile(x, residual, out, hw, p0, t, 0);
            }
        }
    }

    /// Output channels `t·TC + c0..` (those of the tile that exist) × pixels `p0..` (up to `TP`).
    #[allow(clippy::too_many_arguments)]
    fn tile(&self, x: &[f32], residual: &[f32], out: &mut [f32], hw: usize, p0: usize, t: usize, c0: usize) {
        let n = TP.min(hw - p0);
        let mut acc = [[0f32; TP]; TC];
        for (i, w) in self.packed[t * self.ci * TC..][..self.ci * TC].chunks_exact(TC).enumerate() {
            let xs = &x[i * hw + p0..][..n];
            for (a, &w) in acc.iter_mut().zip(w).skip(c0) {
                for (a, &x) in a.iter_mut().zip(xs) {
                    *a += w * x;
                }
            }
        }
        for (j, a) in acc.iter().enumerate().take(self.co - t * TC).skip(c0) {
            let (o, b) = (t * TC + j, self.bias[t * TC + j]);
            let at = o * hw + p0;
            let dst = &mut out[at..][..n];
            for (d, a) in dst.iter_mut().zip(a) {
                *d = a + b;
            }
            if self.then.residual {
                dst.iter_mut().zip(&residual[at..][..n]).for_each(|(d, r)| *d += r);
            }
            if let Some(alpha) = &self.then.prelu {
                dst.iter_mut().for_each(|d| *d = if *d < 0.0 { alpha[o] * *d } else { *d });
            }
            if let Some(c) = self.then.floor {
                dst.iter_mut().for_each(|d| *d = d.max(c.get()));
            }
        }
    }

    /// [`Self::image`] with AVX2 and fused multiply-adds (each product is not rounded before
    /// it is added: the sums differ from the plain ones in the last bits), four output
    /// channels at a time: their 8 sums, 2 input vectors and a weight fill AVX2's 16
    /// registers. A plane's last pixels, fewer than a tile (all of a 3×3 plane's), go through
    /// the same code under masks; only a last group of fewer than 4 output channels takes the
    /// plain tile.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn image_avx2(&self, x: &[f32], residual: &[f32], out: &mut [f32], hw: usize) {
        assert!(x.len() >= self.ci * hw && out.len() >= self.co * hw, "planes of the wrong size");
        assert!(!self.then.residual || residual.len() >= self.co * hw, "a residual of the wrong size");
        for p0 in (0..hw).step_by(TP) {
            for t in 0..self.co.div_ceil(TC) {
                for c0 in (0..TC).step_by(4) {
                    if t * TC + c0 >= self.co {
                        break;
                    } else if t * TC + c0 + 4 > self.co {
                        self.tile(x, residual, out, hw, p0, t, c0);
                    } else if p0 + TP > hw {
                        self.tile_avx2::<true, 4>(x, residual, out, hw, p0, t, c0);
                    } else {
                        self.tile_avx2::<false, 4>(x, residual, out, hw, p0, t, c0);
                    }
                }
            }
        }
    }

    /// [`Self::image_avx2`] on processors with AVX-512, whose 32 vector registers hold the
    /// sums of all `TC` output channels of a tile: each input vector loaded serves twice as
    /// many multiply-adds (the mesh's 1×1 convolutions 0.66 → 0.58 ms). The same AVX2
    /// instructions, so the same sums to the bit.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma,avx512f,avx512vl")]
    fn image_avx512(&self, x: &[f32], residual: &[f32], out: &mut [f32], hw: usize) {
        assert!(x.len() >= self.ci * hw && out.len() >= self.co * hw, "planes of the wrong size");
        assert!(!self.then.residual || residual.len() >= self.co * hw, "a residual of the wrong size");
        for p0 in (0..hw).step_by(TP) {
            for t in 0..self.co.div_ceil(TC) {
                let partial = p0 + TP > hw;
                match (self.co - t * TC >= TC, partial) {
                    (true, false) => self.tile_avx512::<false, TC>(x, residual, out, hw, p0, t, 0),
                    (true, true) => self.tile_avx512::<true, TC>(x, residual, out, hw, p0, t, 0),
                    // A last group of fewer than `TC`: four at a time, then the plain tile.
                    (false, _) => {
                        let mut c0 = 0;
                        while t * TC + c0 + 4 <= self.co {
                            if partial {
                                self.tile_avx512::<true, 4>(x, residual, out, hw, p0, t, c0);
                            } else {
                                self.tile_avx512::<false, 4>(x, residual, out, hw, p0, t, c0);
                            }
                            c0 += 4;
                        }
                        if t * TC + c0 < self.co {
                            self.tile(x, residual, out, hw, p0, t, c0);
                        }
                    }
                }
            }
        }
    }

    tile_simd!(
        /// Output channels `t·TC + c0 .. + NC` (all exist) × pixels `p0..`: `TP` of them, or
        /// with `PARTIAL` the `hw − p0 < TP` left, read and written under masks.
        tile_avx2,
        "avx2,fma"
    );
    tile_simd!(
        /// [`Self::tile_avx2`] compiled for AVX-512: the same instructions, with 32 registers.
        tile_avx512,
        "avx2,fma,avx512f,avx512vl"
    );
}

impl Op for PointwiseRows {
    fn name(&self) -> StaticName {
        "PointwiseRows".into()
    }

    fn validation(&self) -> Validation {
        Validation::Rounding
    }

    op_as_typed_op!();
}

impl EvalOp for PointwiseRows {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let (input, output) = &self.shapes;
        ensure!(inputs.len() == 1 + self.then.residual as usize, "PointwiseRows given {} inputs", inputs.len());
        let x = &inputs[0];
        ensure!(x.shape() == &input[..], "PointwiseRows made for {input:?}, given {:?}", x.shape());
        let plain = x.try_as_plain_ram()?;
        let x = plain.as_slice::<f32>()?;
        let residual = match inputs.get(1) {
            Some(r) => {
                ensure!(r.shape() == &output[..], "a residual of {:?} for {output:?}", r.shape());
                Some(r.try_as_plain_ram()?)
            }
            None => None,
        };
        let residual = residual.as_ref().map(|r| r.as_slice::<f32>()).transpose()?.unwrap_or(&[]);
        // Written in place: a copy of the output would cost as much as a third of the sums.
        let mut out = super::planes::output_tensor(output)?;
        self.run(x, residual, out.try_as_plain_ram_mut()?.as_slice_mut::<f32>()?, x.len() / self.ci);
        Ok(tvec!(out.into_tvalue()))
    }
}

impl TypedOp for PointwiseRows {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        ensure!(inputs[0].shape.as_concrete() == Some(&self.shapes.0[..]), "PointwiseRows made for another shape");
        Ok(tvec!(f32::fact(&self.shapes.1)))
    }

    as_op!();
}

/// `model` (decluttered, not yet optimised) with every f32 1×1 convolution over NCHW or CHW
/// data with constant weights run by [`PointwiseRows`]. tract's decluttering has already made
/// each an `EinSum` (`NIHW,OI->NOHW`) followed by the bias's `Add`; the bias goes into our
/// operator, which takes over both.
pub fn fast_pointwise(mut model: TypedModel) -> TractResult<TypedModel> {
    let mut found = Vec::new();
    for node in model.nodes() {
        let Some(einsum) = node.op_as::<EinSum>() else { continue };
        if let Some(site) = replacement(&model, node, einsum)? {
            found.push(site);
        }
    }
    for (einsum, op, last) in found {
        // Read the input now: an earlier swap may have rewired it (one convolution's bias
        // feeding the next).
        let input = model.node(einsum).inputs[0];
        take_over(&mut model, &[input], op, last, "pointwise")?;
    }
    fuse_epilogues(model)
}

/// `op` on `inputs` in place of node `last`'s output (named after `last` with `suffix`).
fn take_over(
    model: &mut TypedModel,
    inputs: &[OutletId],
    op: PointwiseRows,
    last: usize,
    suffix: &str,
) -> TractResult<()> {
    let mut patch = TypedModelPatch::new(suffix);
    let taps = inputs.iter().map(|&o| patch.tap_model(model, o)).collect::<TractResult<Vec<_>>>()?;
    let y = patch.wire_node(format!("{}.{suffix}", model.node(last).name), op, &taps)?;
    patch.shunt_outside(model, last.into(), y[0])?;
    patch.apply(model)
}

/// Each of our 1×1 convolutions with the residual `Add` and the PReLU (the mesh's) or ReLU
/// (`max(v, 0)`, the detectors') that follow it, where they do, as one operator.
fn fuse_epilogues(mut model: TypedModel) -> TractResult<TypedModel> {
    let mut found = Vec::new();
    for node in model.nodes() {
        let Some(op) = node.op_as::<PointwiseRows>() else { continue };
        let (residual, after) = match residual_add(&model, node.id)? {
            Some(add) => (Some(add), add),
            None => (None, node.id),
        };
        let prelu = prelu(&model, after, op.co)?;
        let floor = if prelu.is_none() { floor(&model, after)? } else { None };
        let last = prelu.as_ref().map(|(max, _)| *max).or(floor.map(|(max, _)| max)).unwrap_or(after);
        if last != node.id {
            let then = Epilogue {
                residual: residual.is_some(),
                prelu: prelu.map(|(_, a)| a),
                floor: floor.map(|(_, c)| F32Bits::new(c)),
            };
            found.push((node.id, residual, op.clone().then(then), last));
        }
    }
    for (conv, residual, op, last) in found {
        // Two convolutions feeding one `Add` both claim it: the first fusion takes the other
        // convolution's output as its residual and removes the `Add`; the second stays as it is.
        if model.node(last).outputs.is_empty() {
            continue;
        }
        // Inputs are read now: an earlier fusion may have rewired them.
        let mut inputs = vec![model.node(conv).inputs[0]];
        if let Some(add) = residual {
            inputs.extend(model.node(add).inputs.iter().find(|&&o| o != OutletId::new(conv, 0)));
        }
        take_over(&mut model, &inputs, op, last, "fused")?;
    }
    Ok(model)
}

/// The only consumer of `node`'s output is an `Add` of another input of the same shape
/// (no broadcasting).
fn residual_add(model: &TypedModel, node: usize) -> TractResult<Option<usize>> {
    let out = OutletId::new(node, 0);
    let [only] = &model.node(node).outputs[0].successors[..] else { return Ok(None) };
    let add = model.node(only.node);
    let Some(other) = add.inputs.iter().find(|&&o| o != out) else { return Ok(None) };
    if !is_bin(add, "Add") || add.inputs.len() != 2 {
        return Ok(None);
    }
    let (a, b, c) = (model.outlet_fact(out)?, model.outlet_fact(*other)?, model.outlet_fact(add.id.into())?);
    let fits = b.konst.is_none() && b.datum_type == f32::datum_type() && a.shape == b.shape && a.shape == c.shape;
    Ok(fits.then_some(add.id))
}

/// `node`'s output `v` goes only into PReLU as the models write it: `Max(v, Mul(v, α))`
/// where every slope α ≤ 1, else `Add(Mul(v, α), Mul(Max(v, 0), 1 − α))`
/// (`tools/models/rewrite.py`), with a constant α per output channel (of `co`): the last
/// node (the `Max` or the `Add`) and α.
fn prelu(model: &TypedModel, node: usize, co: usize) -> TractResult<Option<(usize, Arc<[f32]>)>> {
    let v = OutletId::new(node, 0);
    let succ: Vec<&TypedNode> = model.node(node).outputs[0].successors.iter().map(|s| model.node(s.node)).collect();
    let (Some(mul), Some(max), 2) =
        (succ.iter().find(|n| is_bin(n, "Mul")), succ.iter().find(|n| is_bin(n, "Max")), succ.len())
    else {
        return Ok(None);
    };
    let Some(alpha) = per_channel(model, mul, v, co)? else { return Ok(None) };
    let shape = &model.outlet_fact(v)?.shape;
    let sole = |n: &TypedNode| -> Option<usize> {
        match &n.outputs[0].successors[..] {
            [only] => Some(only.node),
            _ => None,
        }
    };
    let m = OutletId::new(mul.id, 0);
    let fitting = |last: usize| -> TractResult<Option<(usize, Arc<[f32]>)>> {
        let ok = &model.outlet_fact(last.into())?.shape == shape && alpha.iter().all(|a| !a.is_nan());
        Ok(ok.then(|| (last, alpha.clone().into())))
    };
    // max(v, α·v): PReLU where every α ≤ 1 (for v ≥ 0, α·v ≤ v; for v < 0, α·v ≥ v).
    if alpha.iter().all(|&a| a <= 1.0)
        && max.inputs.len() == 2
        && max.inputs.contains(&v)
        && max.inputs.contains(&m)
        && sole(mul) == Some(max.id)
    {
        return fitting(max.id);
    }
    // α·v + (1 − α)·max(v, 0).
    let zero =
        max.inputs.iter().find(|&&o| o != v).and_then(|&o| model.outlet_fact(o).ok()).and_then(|f| f.konst.clone());
    let relu = max.inputs.len() == 2
        && zero.is_some_and(|z| z.len() == 1 && z.cast_to_scalar::<f32>().is_ok_and(|z| z == 0.0));
    let Some(pos) = sole(max).map(|id| model.node(id)).filter(|n| relu && is_bin(n, "Mul")) else { return Ok(None) };
    let Some(rest) = per_channel(model, pos, OutletId::new(max.id, 0), co)? else { return Ok(None) };
    let (Some(add), Some(add2)) = (sole(mul), sole(pos)) else { return Ok(None) };
    let add_node = model.node(add);
    let fits = add == add2
        && is_bin(add_node, "Add")
        && add_node.inputs.len() == 2
        && rest.iter().zip(alpha.iter()).all(|(r, a)| *r == 1.0 - *a);
    if !fits {
        return Ok(None);
    }
    fitting(add)
}

/// `node` is a two-input operator of `v` and a constant with one f32 per channel (of `co`):
/// the constant's values.
fn per_channel(model: &TypedModel, node: &TypedNode, v: OutletId, co: usize) -> TractResult<Option<Vec<f32>>> {
    if node.inputs.len() != 2 || !node.inputs.contains(&v) {
        return Ok(None);
    }
    let rank = model.outlet_fact(v)?.rank();
    let c =
        node.inputs.iter().find(|&&o| o != v).and_then(|&o| model.outlet_fact(o).ok()).and_then(|f| f.konst.clone());
    let Some(c) = c.filter(|a| {
        a.datum_type() == f32::datum_type()
            && a.len() == co
            && a.rank() <= rank
            && a.shape().iter().rev().nth(2) == Some(&co)
    }) else {
        return Ok(None);
    };
    Ok(Some(c.try_as_plain_ram()?.as_slice::<f32>()?.to_vec()))
}

/// `node`'s output goes only into a `Max` with a constant single value: the `Max` node and
/// the value.
fn floor(model: &TypedModel, node: usize) -> TractResult<Option<(usize, f32)>> {
    let v = OutletId::new(node, 0);
    let [only] = &model.node(node).outputs[0].successors[..] else { return Ok(None) };
    let max = model.node(only.node);
    if !is_bin(max, "Max") || max.inputs.len() != 2 {
        return Ok(None);
    }
    let c = max.inputs.iter().find(|&&o| o != v).and_then(|&o| model.outlet_fact(o).ok()).and_then(|f| f.konst.clone());
    let Some(c) = c.filter(|c| c.datum_type() == f32::datum_type() && c.len() == 1) else { return Ok(None) };
    let c = c.try_as_plain_ram()?.as_slice::<f32>()?[0];
    let fits = !c.is_nan() && model.outlet_fact(max.id.into())?.shape == model.outlet_fact(v)?.shape;
    Ok(fits.then_some((max.id, c)))
}

fn is_bin(node: &TypedNode, name: &str) -> bool {
    node.op_as::<TypedBinOp>().is_some_and(|b| b.0.name() == name)
}

/// For a 1×1 convolution's `EinSum`: its node, our operator, and the node whose output ours
/// replaces (the bias's `Add`, or the `EinSum` itself when no bias follows).
fn replacement(
    model: &TypedModel,
    node: &TypedNode,
    einsum: &EinSum,
) -> TractResult<Option<(usize, PointwiseRows, usize)>> {
    // Data and weights in, with or without a unit batch axis on either side (tract moves it).
    let axes = einsum.axes.to_string();
    let known = ["NIHW,OI->NOHW", "IHW,OI->OHW", "NIHW,OI->OHW", "IHW,OI->NOHW"];
    if einsum.q_params.is_some() || node.inputs.len() != 2 || !known.contains(&axes.as_str()) {
        return Ok(None);
    }
    let (input, kernel) = (model.outlet_fact(node.inputs[0])?, model.outlet_fact(node.inputs[1])?);
    let output = model.outlet_fact(node.id.into())?;
    let (Some(shape), Some(out_shape), Some(k)) =
        (input.shape.as_concrete(), output.shape.as_concrete(), kernel.konst.as_ref())
    else {
        return Ok(None);
    };
    let (&[co, ci], r) = (k.shape(), out_shape.len()) else { return Ok(None) };
    if input.datum_type != f32::datum_type() || k.datum_type() != f32::datum_type() || shape[shape.len() - 3] != ci {
        return Ok(None);
    }
    // The bias: an `Add` of a constant with one value per output channel, when it is the
    // only consumer.
    let bias_add = match &node.outputs[0].successors[..] {
        [only] => {
            let add = model.node(only.node);
            let is_add = add.op_as::<TypedBinOp>().is_some_and(|b| b.0.name() == "Add") && add.inputs.len() == 2;
            let other = add.inputs.iter().find(|&&o| o != OutletId::new(node.id, 0));
            let konst = other.and_then(|&o| model.outlet_fact(o).ok()).and_then(|f| f.konst.clone());
            konst
                .filter(|b| {
                    is_add
                        && b.datum_type() == f32::datum_type()
                        && b.len() == co
                        && b.rank() <= r
                        && b.shape().iter().rev().nth(2) == Some(&co)
                })
                .map(|b| (add.id, b))
        }
        _ => None,
    };
    let (last, bias) = match bias_add {
        Some((id, b)) => (id, b.try_as_plain_ram()?.as_slice::<f32>()?.to_vec()),
        None => (node.id, vec![0.0; co]),
    };
    let k = k.try_as_plain_ram()?;
    Ok(PointwiseRows::new(shape, out_shape, k.as_slice::<f32>()?, bias).map(|op| (node.id, op, last)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the definition, alone and with a residual and PReLU after it, with channel and
    /// pixel counts that do not fill a tile.
    #[test]
    fn matches_the_definition() {
        for (ci, co, hw, n) in [
            (3, 4, 16, 1),
            (5, 7, 50, 2),
            (16, 16, 9, 1),
            (1, 1, 1, 1),
            (27, 13, 97, 1),
            (16, 32, 96, 2),
            (8, 12, 40, 1),
            (4, 36, 33, 1),
        ] {
            let w: Vec<f32> = (0..ci * co).map(|i| ((i * 13) % 11) as f32 / 5.0 - 1.0).collect();
            let bias: Vec<f32> = (0..co).map(|o| o as f32 * 0.25).collect();
            let x: Vec<f32> = (0..n * ci * hw).map(|i| ((i * 37) % 17) as f32 - 8.0).collect();
            let residual: Vec<f32> = (0..n * co * hw).map(|i| ((i * 7) % 5) as f32 - 2.0).collect();
            let alpha: Vec<f32> = (0..co).map(|o| [0.25, -0.5, 1.5][o % 3]).collect();
            let plain = PointwiseRows::new(&[1, ci, 1, hw], &[co, hw, 1], &w, bias.clone()).expect("valid weights");
            let prelu = plain.clone().then(Epilogue { residual: true, prelu: Some(alpha.clone().into()), floor: None });
            let relu = plain.clone().then(Epilogue { residual: true, prelu: None, floor: Some(F32Bits::new(0.5)) });
            for (op, then) in [(plain, 0), (prelu, 1), (relu, 2)] {
                let mut got = vec![0f32; n * co * hw];
                let images =
                    x.chunks_exact(ci * hw).zip(residual.chunks_exact(co * hw)).zip(got.chunks_exact_mut(co * hw));
                for ((x, r), got) in images {
                    op.run(x, r, got, hw);
                }
                // And the plain path on its own (the processor may take the AVX2 one above).
                let mut plain = vec![0f32; co * hw];
                op.image(&x[..ci * hw], &residual[..co * hw], &mut plain, hw);
                assert!(plain.iter().zip(&got).all(|(p, g)| (p - g).abs() <= 1e-4 * p.abs().max(1.0)));
                // And the AVX2 path where the processor would take the AVX-512 one: the same
                // sums to the bit (the same instructions, in more registers).
                #[cfg(target_arch = "x86_64")]
                if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                    let mut avx2 = vec![0f32; co * hw];
                    // SAFETY: the processor has AVX2 and FMA, checked just above.
                    unsafe { op.image_avx2(&x[..ci * hw], &residual[..co * hw], &mut avx2, hw) };
                    assert_eq!(avx2, got[..co * hw], "{ci}→{co}, {hw}");
                }
                for b in 0..n {
                    for o in 0..co {
                        for p in 0..hw {
                            let mut want =
                                bias[o] + (0..ci).map(|i| w[o * ci + i] * x[(b * ci + i) * hw + p]).sum::<f32>();
                            if then > 0 {
                                want += residual[(b * co + o) * hw + p];
                            }
                            if then == 1 && want < 0.0 {
                                want *= alpha[o];
                            }
                            if then == 2 {
                                want = want.max(0.5);
                            }
                            let g = got[(b * co + o) * hw + p];
                            assert!((g - want).abs() <= 1e-4 * want.abs().max(1.0), "{ci}→{co}, {hw}: {g} vs {want}");
                        }
                    }
                }
            }
        }
    }

    /// `Conv₁(x) + Conv₂(x)` then ReLU (a projection shortcut): both convolutions claim the
    /// `Add`; one takes it, the other stays a plain 1×1 convolution, and the sums are tract's.
    #[test]
    fn two_convolutions_into_one_add() -> TractResult<()> {
        use tract_onnx::tract_core::ops::math::{add, max};
        let mut model = TypedModel::default();
        let x = model.add_source("x", f32::fact([1, 3, 4, 5]))?;
        let weights = |k: f32| tensor2(&[[k, 0.5, -1.0], [0.25, -k, 2.0]]);
        let mut conv = |name: &str, k: f32| -> TractResult<OutletId> {
            let w = model.add_const(format!("{name}.w"), weights(k))?;
            let op = EinSum::new("NIHW,OI->NOHW".parse()?, f32::datum_type());
            Ok(model.wire_node(name, op, &[x, w])?[0])
        };
        let (a, b) = (conv("a", 1.5)?, conv("b", -0.75)?);
        let sum = model.wire_node("sum", add(), &[a, b])?[0];
        let zero = model.add_const("zero", tensor4(&[[[[0f32]]]]))?;
        let relu = model.wire_node("relu", max(), &[sum, zero])?[0];
        model.select_output_outlets(&[relu])?;
        let ours = ours_and_tracts_agree(model)?;
        let ops: Vec<&PointwiseRows> = ours.nodes().iter().filter_map(|n| n.op_as::<PointwiseRows>()).collect();
        assert_eq!(ops.iter().map(|op| op.then.residual).collect::<Vec<_>>(), [false, true]);
        Ok(())
    }

    /// `model` (input `[1, 3, 4, 5]`) after [`fast_pointwise`], once its output on a varied
    /// input is shown to be tract's own to 1e-5.
    fn ours_and_tracts_agree(model: TypedModel) -> TractResult<TypedModel> {
        let input: Tensor = tract_onnx::tract_core::ndarray::Array4::from_shape_fn((1, 3, 4, 5), |(_, c, y, x)| {
            (c as f32 - 1.0) * 0.7 + y as f32 * 0.3 - x as f32 * 0.2
        })
        .into();
        let theirs = model.clone().into_runnable()?.run(tvec!(input.clone().into()))?;
        let ours = fast_pointwise(model)?;
        let out = ours.clone().into_runnable()?.run(tvec!(input.into()))?;
        let (t, o) = (theirs[0].to_plain_array_view::<f32>()?, out[0].to_plain_array_view::<f32>()?);
        assert!(t.iter().zip(o.iter()).all(|(t, o)| (t - o).abs() <= 1e-5), "{t:?} vs {o:?}");
        Ok(ours)
    }

    /// PReLU in both of the forms `tools/models/rewrite.py` writes: `max(v, α·v)` is fused
    /// only where every α ≤ 1 (it is PReLU only then), `α·v + (1 − α)·max(v, 0)` for any α;
    /// the outputs are tract's.
    #[test]
    fn prelu_in_both_forms() -> TractResult<()> {
        use tract_onnx::tract_core::ops::math::{add, max, mul};
        for (form, alpha, fused) in
            [("max", [0.25f32, -0.5], true), ("max", [0.25, 1.5], false), ("sum", [0.25, 1.5], true)]
        {
            let mut model = TypedModel::default();
            let x = model.add_source("x", f32::fact([1, 3, 4, 5]))?;
            let w = model.add_const("w", tensor2(&[[1.5f32, 0.5, -1.0], [0.25, -0.75, 2.0]]))?;
            let op = EinSum::new("NIHW,OI->NOHW".parse()?, f32::datum_type());
            let v = model.wire_node("conv", op, &[x, w])?[0];
            let a = model.add_const("alpha", tensor4(&[[[[alpha[0]]], [[alpha[1]]]]]))?;
            let scaled = model.wire_node("scaled", mul(), &[v, a])?[0];
            let y = if form == "max" {
                model.wire_node("prelu", max(), &[v, scaled])?[0]
            } else {
                let zero = model.add_const("zero", tensor4(&[[[[0f32]]]]))?;
                let relu = model.wire_node("relu", max(), &[v, zero])?[0];
                let rest = model.add_const("rest", tensor4(&[[[[1.0 - alpha[0]]], [[1.0 - alpha[1]]]]]))?;
                let pos = model.wire_node("pos", mul(), &[relu, rest])?[0];
                model.wire_node("prelu", add(), &[scaled, pos])?[0]
            };
            model.select_output_outlets(&[y])?;
            let ours = ours_and_tracts_agree(model)?;
            let ops: Vec<&PointwiseRows> = ours.nodes().iter().filter_map(|n| n.op_as::<PointwiseRows>()).collect();
            assert_eq!(ops.len(), 1);
            assert_eq!(ops[0].then.prelu.is_some(), fused, "{form} {alpha:?}");
        }
        Ok(())
    }

    #[test]
    fn refuses_nan_weights() {
        assert!(PointwiseRows::new(&[1, 1, 1], &[1, 1, 1], &[f32::NAN], vec![0.0]).is_none());
        assert!(PointwiseRows::new(&[2, 1, 1], &[1, 1, 1], &[1.0], vec![0.0]).is_none());
        // A batch of two, or a different number of pixels out than in, is left to tract.
        assert!(PointwiseRows::new(&[2, 1, 1, 1], &[2, 1, 1, 1], &[1.0], vec![0.0]).is_none());
        assert!(PointwiseRows::new(&[1, 2, 2], &[1, 3, 1], &[1.0], vec![0.0]).is_none());
    }
}
