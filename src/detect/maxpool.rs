//! A faster 2×2 stride-2 max pool for tract. The face mesh pools five times on its residual
//! branches and the detectors do too; tract 0.23.9 walks these pools one output at a time
//! with bounds checks (its vector path covers stride 1 only): 0.8–0.9 ms of the mesh's
//! 5 ms, where onnxruntime spends a few hundredths. [`fast_max_pools`] swaps each such
//! pool in an optimised model, when its windows all lie inside the input, for [`MaxPool2x2`],
//! which reads two input rows per output row and takes the same maximum (no NaN comes out
//! of these nets' ReLU/HardSwish activations, and for numbers `a.max(b)` is exact: the
//! output is bit for bit tract's). Every other pool is left as tract built it.

use tract_onnx::prelude::*;
use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::cnn::OptMaxPool;
use tract_onnx::tract_core::ops::nn::DataFormat;

/// Max over 2×2 windows at stride 2 of an NCHW f32 tensor whose height and width are even.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MaxPool2x2;

impl Op for MaxPool2x2 {
    fn name(&self) -> StaticName {
        "MaxPool2x2".into()
    }

    op_as_typed_op!();
}

impl EvalOp for MaxPool2x2 {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = args_1!(inputs);
        let &[n, c, h, w] = input.shape() else { bail!("MaxPool2x2 takes NCHW, got {:?}", input.shape()) };
        ensure!(h % 2 == 0 && w % 2 == 0 && h * w > 0, "MaxPool2x2 needs even, non-zero sides, got {h}×{w}");
        let plain = input.try_as_plain_ram()?;
        let src = plain.as_slice::<f32>()?;
        let mut out = super::planes::output_tensor(&[n, c, h / 2, w / 2])?;
        pool_planes(src, out.try_as_plain_ram_mut()?.as_slice_mut::<f32>()?, w);
        Ok(tvec!(out.into_tvalue()))
    }
}

impl TypedOp for MaxPool2x2 {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let s = &inputs[0].shape;
        ensure!(s.rank() == 4, "MaxPool2x2 takes NCHW");
        let half = |d: &TDim| d.clone() / 2;
        Ok(tvec!(f32::fact([s[0].clone(), s[1].clone(), half(&s[2]), half(&s[3])])))
    }

    as_op!();
}

/// Pool every row pair of `src` (planes of width `w`, stacked) into `out`.
fn pool_planes(src: &[f32], out: &mut [f32], w: usize) {
    let ow = w / 2;
    for (pair, o) in src.chunks_exact(2 * w).zip(out.chunks_exact_mut(ow)) {
        let (top, bottom) = pair.split_at(w);
        for ((o, t), b) in o.iter_mut().zip(top.chunks_exact(2)).zip(bottom.chunks_exact(2)) {
            *o = t[0].max(t[1]).max(b[0].max(b[1]));
        }
    }
}

/// Does this optimised pool read only whole 2×2 windows at stride 2, from the first pixel, of
/// an NCHW f32 input with even, non-zero sides (so no padding comes into play)?
fn replaceable(op: &OptMaxPool, input: &TypedFact, output: &TypedFact) -> bool {
    let spec = &op.pool_spec;
    let Some(shape) = input.shape.as_concrete() else { return false };
    op.with_index_outputs.is_none()
        && input.datum_type == f32::datum_type()
        && spec.data_format == DataFormat::NCHW
        && spec.kernel_shape[..] == [2, 2]
        && spec.strides.as_deref() == Some(&[2, 2][..])
        && spec.dilations.as_deref().is_none_or(|d| d.iter().all(|&v| v == 1))
        && shape.len() == 4
        && shape.iter().all(|&d| d > 0)
        && shape[2] % 2 == 0
        && shape[3] % 2 == 0
        // No padding before: a window that starts one pixel early has the same output size.
        && spec.computed_padding(&shape[2..]).iter().all(|p| p.pad_before == 0)
        && output.shape.as_concrete() == Some(&[shape[0], shape[1], shape[2] / 2, shape[3] / 2][..])
}

/// `model` with every replaceable 2×2 stride-2 max pool run by [`MaxPool2x2`].
pub fn fast_max_pools(model: TypedModel) -> TractResult<TypedModel> {
    super::planes::swap::<OptMaxPool, _>(model, |model, node, op| {
        let (input, output) = (model.outlet_fact(node.inputs[0])?, model.outlet_fact(node.id.into())?);
        Ok(replaceable(op, input, output).then_some(MaxPool2x2))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The face mesh (patch input) with tract's own pools and with ours: the same numbers,
    /// bit for bit, and all five pools replaced.
    #[test]
    fn the_mesh_gives_the_same_output_with_either_pool() -> TractResult<()> {
        use crate::detect::runtime::tract_test::{count, outputs, tracts_own};
        let shape = [1, 27, 96, 96];
        let model = tracts_own(include_bytes!("../../assets/models/face_landmark.onnx"), &shape)?;
        let fast = fast_max_pools(model.clone())?;
        assert_eq!((count(&model, "OptMaxPool"), count(&fast, "OptMaxPool"), count(&fast, "MaxPool2x2")), (5, 0, 5));
        assert_eq!(outputs(model, &shape)?, outputs(fast, &shape)?, "outputs differ");
        Ok(())
    }

    /// A pool padded before its first window (same output size, other windows), or on an
    /// empty input, stays tract's; a plain one on even sides is ours and agrees.
    #[test]
    fn only_unpadded_pools_on_even_non_empty_sides_are_swapped() -> TractResult<()> {
        use crate::detect::runtime::tract_test::{count, outputs};
        use tract_onnx::tract_core::ops::cnn::{MaxPool, PaddingSpec, PoolSpec};
        let pool = |shape: [usize; 4], padding: PaddingSpec| -> TractResult<TypedModel> {
            let spec = PoolSpec {
                data_format: DataFormat::NCHW,
                kernel_shape: tvec!(2, 2),
                padding,
                dilations: None,
                strides: Some(tvec!(2, 2)),
                input_channels: shape[1],
                output_channels: shape[1],
            };
            let mut m = TypedModel::default();
            let x = m.add_source("x", f32::fact(shape))?;
            let y = m.wire_node("pool", MaxPool { pool_spec: spec, with_index_outputs: None }, &[x])?;
            m.select_output_outlets(&y)?;
            m.into_optimized()
        };
        let early = PaddingSpec::ExplicitOnnxPool(tvec!(1, 0), tvec!(0, 0), false);
        for (shape, padding, swapped) in
            [([1, 2, 4, 6], PaddingSpec::Valid, 1), ([1, 2, 4, 6], early, 0), ([1, 2, 4, 0], PaddingSpec::Valid, 0)]
        {
            let theirs = pool(shape, padding.clone())?;
            let ours = fast_max_pools(theirs.clone())?;
            assert_eq!(count(&ours, "MaxPool2x2"), swapped, "{shape:?} {padding:?}");
            if swapped == 1 {
                assert_eq!(outputs(theirs, &shape)?, outputs(ours, &shape)?);
            }
        }
        Ok(())
    }

    #[test]
    fn pools_two_rows_into_one() {
        // Two planes of 2×4: each output is the max of its 2×2 window.
        let src = [1., 5., 2., 0., 3., 4., 9., 8., -1., -2., -3., -4., -5., -6., -7., -8.];
        let mut out = [0f32; 4];
        pool_planes(&src, &mut out, 4);
        assert_eq!(out, [5., 9., -1., -3.]);
    }
}
