//! What our own depthwise operators for tract (`depthwise.rs`, `deconv.rs`) share: one
//! channel plane at a time over NCHW or CHW f32 data with a `[C, 1, k, k]` kernel and a bias
//! per channel (or one for all), run with AVX2 where the processor has it; and which nodes
//! of a decluttered model they can take over.

use tract_onnx::prelude::*;
use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::cnn::{KernelFormat, PoolSpec};
use tract_onnx::tract_core::ops::nn::DataFormat;

/// One channel's input for [`Planes::plane`].
pub struct Plane<'a> {
    pub src: &'a [f32],
    pub h: usize,
    pub w: usize,
    /// `k × k` weights, row by row.
    pub kernel: &'a [f32],
    pub bias: f32,
}

/// Where an operator's kernel lands: output `(oy, ox)` and input `(iy, ix)` meet kernel tap
/// `(ky, kx)` at `stride·o + k − pad = i` (a convolution) or `stride·i + k − pad = o` (a
/// transposed one), zeros outside the input.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Geometry {
    /// 1 or 2.
    pub stride: usize,
    /// The kernel is `k × k`.
    pub k: usize,
    pub pad_top: usize,
    pub pad_left: usize,
    pub out_h: usize,
    pub out_w: usize,
    /// The input's height and width it was made for (its bounds were checked for those).
    pub in_hw: (usize, usize),
}

/// An operator that computes each output channel from the same input channel alone; it
/// derefs to its [`Geometry`].
pub trait Planes: std::ops::Deref<Target = Geometry> {
    /// Per-row buffers, made once per evaluation for input rows of `w`.
    type Scratch;
    fn scratch(&self, w: usize) -> Self::Scratch;
    /// Fill `dst` (`out_h × out_w`). Implementations are `#[inline(always)]` so that [`eval`]
    /// compiles them with AVX2 enabled.
    fn plane(&self, p: Plane<'_>, dst: &mut [f32], scratch: &mut Self::Scratch);
}

/// Evaluate `op` on (data, kernel, bias), channel by channel.
pub fn eval<P: Planes>(op: &P, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
    let (x, kernel, bias) = args_3!(inputs);
    let shape = x.shape().to_vec();
    let (n, c, h, w) = match shape[..] {
        [n, c, h, w] => (n, c, h, w),
        [c, h, w] => (1, c, h, w),
        _ => bail!("a depthwise operator takes NCHW or CHW, got {shape:?}"),
    };
    let (x, kernel, bias) = (x.try_as_plain_ram()?, kernel.try_as_plain_ram()?, bias.try_as_plain_ram()?);
    let (x, kernel, bias) = (x.as_slice::<f32>()?, kernel.as_slice::<f32>()?, bias.as_slice::<f32>()?);
    let taps = op.k * op.k;
    ensure!(x.len() == n * c * h * w && h * w > 0, "input of {} values for {shape:?}", x.len());
    ensure!((h, w) == op.in_hw, "input of {h}×{w} for an operator made for {:?}", op.in_hw);
    ensure!(kernel.len() == c * taps && (bias.len() == c || bias.len() == 1), "kernel or bias of the wrong size");
    let (out_h, out_w) = (op.out_h, op.out_w);
    let plane = out_h * out_w;
    ensure!(plane > 0, "an empty output");
    let mut out_shape = shape;
    let r = out_shape.len();
    (out_shape[r - 2], out_shape[r - 1]) = (out_h, out_w);
    // Written in place (a copy into a tensor afterwards took as long as a pool).
    let mut tensor = output_tensor(&out_shape)?;
    let mut view = tensor.try_as_plain_ram_mut()?;
    let out = view.as_slice_mut::<f32>()?;
    let job = Channels { x, kernel, bias, c, h, w, taps };
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        unsafe { channels_avx2(op, &job, out, plane) };
    } else {
        channels(op, &job, out, plane);
    }
    #[cfg(not(target_arch = "x86_64"))]
    channels(op, &job, out, plane);
    Ok(tvec!(tensor.into_tvalue()))
}

/// A tensor for an operator that writes every one of its values before anything reads it: not
/// zeroed first (zeroing the mesh's first outputs cost a fifth of their convolution). Debug
/// builds (the tests) fill it with NaN instead, so that a value left unwritten shows.
pub fn output_tensor(shape: &[usize]) -> TractResult<Tensor> {
    if cfg!(debug_assertions) {
        let mut t = Tensor::zero::<f32>(shape)?;
        t.try_as_plain_ram_mut()?.as_slice_mut::<f32>()?.fill(f32::NAN);
        return Ok(t);
    }
    // SAFETY: every bit pattern is an f32, and the callers write every value (above).
    unsafe { Tensor::uninitialized::<f32>(shape) }
}

/// The input of [`eval`] as slices, and its sizes.
struct Channels<'a> {
    x: &'a [f32],
    kernel: &'a [f32],
    bias: &'a [f32],
    c: usize,
    h: usize,
    w: usize,
    taps: usize,
}

#[inline(always)]
fn channels<P: Planes>(op: &P, job: &Channels<'_>, out: &mut [f32], plane: usize) {
    let Channels { x, kernel, bias, c, h, w, taps } = *job;
    let mut scratch = op.scratch(w);
    for (i, (src, dst)) in x.chunks_exact(h * w).zip(out.chunks_exact_mut(plane)).enumerate() {
        let ch = i % c;
        let bias = if bias.len() == 1 { bias[0] } else { bias[ch] };
        op.plane(Plane { src, h, w, kernel: &kernel[ch * taps..][..taps], bias }, dst, &mut scratch);
    }
}

/// [`channels`] compiled with AVX2 (eight lanes instead of SSE2's four; the same
/// multiplications and additions, so the same numbers).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn channels_avx2<P: Planes>(op: &P, job: &Channels<'_>, out: &mut [f32], plane: usize) {
    channels(op, job, out, plane)
}

/// tract's traits for an operator `$op(Geometry)` that implements [`Planes`].
macro_rules! planes_op {
    ($op:ident) => {
        impl std::ops::Deref for $op {
            type Target = $crate::detect::planes::Geometry;
            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }

        impl Op for $op {
            fn name(&self) -> StaticName {
                stringify!($op).into()
            }

            fn validation(&self) -> Validation {
                Validation::Rounding
            }

            op_as_typed_op!();
        }

        impl EvalOp for $op {
            op_out_of_plan!();

            fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
                $crate::detect::planes::eval(self, inputs)
            }
        }

        impl TypedOp for $op {
            fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
                $crate::detect::planes::output_facts((self.out_h, self.out_w), inputs)
            }

            as_op!();
        }
    };
}
pub(crate) use planes_op;

/// `model` with each node running a `From` for which `replace` gives an operator run by that
/// operator instead (same inputs, same outputs).
pub fn swap<From: Op, To: TypedOp>(
    mut model: TypedModel,
    replace: impl Fn(&TypedModel, &TypedNode, &From) -> TractResult<Option<To>>,
) -> TractResult<TypedModel> {
    let mut found = Vec::new();
    for node in model.nodes() {
        let Some(op) = node.op_as::<From>() else { continue };
        if let Some(new) = replace(&model, node, op)? {
            found.push((node.id, new));
        }
    }
    for (id, op) in found {
        let node = model.node(id);
        let patch = TypedModelPatch::replace_single_op(&model, node, &node.inputs, op)?;
        patch.apply(&mut model)?;
    }
    Ok(model)
}

/// The output fact: the input's with the last two axes `out_h × out_w`.
pub fn output_facts(out_hw: (usize, usize), inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
    let mut shape = inputs[0].shape.to_tvec();
    let r = shape.len();
    ensure!(r == 3 || r == 4, "a depthwise operator takes NCHW or CHW");
    (shape[r - 2], shape[r - 1]) = (out_hw.0.into(), out_hw.1.into());
    Ok(tvec!(f32::fact(shape)))
}

/// A node one of our operators can take over: its input's size and its output's.
pub struct Site {
    pub h: usize,
    pub w: usize,
    pub k: usize,
    pub stride: usize,
    pub out_h: usize,
    pub out_w: usize,
}

/// Is `node` (a convolution or transposed convolution by `spec` in `group`s, with kernel
/// layout `fmt`) depthwise over f32 NCHW or CHW with constant weights, a square kernel of at
/// most `max_k`, stride 1 or 2 and no dilation?
pub fn site(
    model: &TypedModel,
    node: &TypedNode,
    spec: &PoolSpec,
    group: usize,
    fmt: KernelFormat,
    max_k: usize,
) -> TractResult<Option<Site>> {
    let input = model.outlet_fact(node.inputs[0])?;
    let (Some(shape), Some(out)) = (input.shape.as_concrete(), model.outlet_fact(node.id.into())?.shape.as_concrete())
    else {
        return Ok(None);
    };
    let [c, h, w] = match (spec.data_format, shape) {
        (DataFormat::NCHW, &[_, c, h, w]) | (DataFormat::CHW, &[c, h, w]) => [c, h, w],
        _ => return Ok(None),
    };
    let k = spec.kernel_shape.first().copied().unwrap_or(0);
    let konst = |i: usize| node.inputs.get(i).and_then(|&o| model.outlet_fact(o).ok()).and_then(|f| f.konst.clone());
    let f32_of_len = |i: usize, ok: &dyn Fn(usize) -> bool| {
        konst(i).is_some_and(|t| t.datum_type() == f32::datum_type() && ok(t.len()))
    };
    let fits = node.inputs.len() == 3
        && input.datum_type == f32::datum_type()
        && fmt == KernelFormat::OIHW
        && group == c
        && spec.input_channels == c
        && spec.output_channels == c
        && spec.kernel_shape[..] == [k, k]
        && (1..=max_k).contains(&k)
        && matches!(spec.strides.as_deref(), Some(&[1, 1] | &[2, 2]) | None)
        && spec.dilations.as_deref().is_none_or(|d| d.iter().all(|&v| v == 1))
        && f32_of_len(1, &|n| n == c * k * k)
        && f32_of_len(2, &|n| n == c || n == 1)
        && h * w > 0
        && out.len() == shape.len();
    if !fits {
        return Ok(None);
    }
    let (out_h, out_w) = (out[out.len() - 2], out[out.len() - 1]);
    if out_h * out_w == 0 {
        return Ok(None);
    }
    Ok(Some(Site { h, w, k, stride: spec.stride(0), out_h, out_w }))
}
