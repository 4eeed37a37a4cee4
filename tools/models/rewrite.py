#!/usr/bin/env python3
"""Speed rewrites of the converted ONNX graphs for tract (the runtime the app embeds).

Each rewrite replaces a pattern that tract runs slowly with standard ONNX ops that compute the
same function (exactly, up to float rounding), found by profiling the app's plan
(`cargo run --release --example netprof -- MODEL.onnx SIDE`):

- PRelu(x, a)  ->  Max(x, a*x) where every slope a <= 1, else a*x + (1-a)*Relu(x).  tract
  lowers PRelu to a compare + select (GT, Iff) that cost a third of the face mesh's time.
- Resize(linear, half_pixel, x2 on H and W) of an NCHW tensor  ->  Pad(edge, 1) and a
  depthwise ConvTranspose (stride 2, kernel outer([1,3,3,1]/4), pads 3).  tract's Resize is a
  generic scalar loop: 37 % of the segmenter.
- The first convolution (3 input channels, read through an NHWC->NCHW Transpose)  ->  a 1x1
  convolution of an image-patch input ("im2col") that the app fills while it samples the
  image. tract gathers those patches lazily inside its matrix product, slowly (a quarter of
  the mesh and the detectors). The patch geometry is stored in the model's metadata
  (`idbooth.patches`); `patches_from_image` is the reference for what the app must feed.
- Transpose(p) -> unary element-wise op -> Transpose(p^-1)  ->  the op alone, and a
  Transpose -> Transpose pair that cancels: tf2onnx leaves NHWC round trips around ops it does
  not know how to move (HardSwish); each is a full copy of the tensor.

Used by convert.py after conversion; also runnable on an .onnx file:
    python tools/models/rewrite.py IN.onnx OUT.onnx
The caller verifies the rewritten graph numerically against the original.
"""

import json
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, shape_inference

UNARY_ELEMENTWISE = {"HardSwish", "Relu", "Sigmoid", "HardSigmoid", "Tanh", "Clip"}


class Graph:
    """Small helper over a GraphProto: producers, consumers, initializers."""

    def __init__(self, model):
        self.model = model
        self.g = model.graph
        self.refresh()

    def refresh(self):
        self.inits = {i.name: i for i in self.g.initializer}
        self.producer = {o: n for n in self.g.node for o in n.output}
        self.consumers = {}
        for n in self.g.node:
            for i in n.input:
                self.consumers.setdefault(i, []).append(n)
        self.graph_outputs = {o.name for o in self.g.output}

    def const(self, name):
        return numpy_helper.to_array(self.inits[name]) if name in self.inits else None

    def add_const(self, name, arr):
        self.g.initializer.append(numpy_helper.from_array(arr, name))

    def replace_node(self, old, new_nodes):
        idx = list(self.g.node).index(old)
        self.g.node.remove(old)
        for k, n in enumerate(new_nodes):
            self.g.node.insert(idx + k, n)

    def rename_input(self, old_name, new_name):
        for n in self.g.node:
            for k, i in enumerate(n.input):
                if i == old_name:
                    n.input[k] = new_name


def prelu_as_max(model):
    """PRelu(x, a) -> Max(x, a*x) when every slope a <= 1 (for x >= 0, a*x <= x; for x < 0,
    a*x >= x), else a*x + (1-a)*Relu(x)."""
    G = Graph(model)
    count = 0
    for n in [n for n in G.g.node if n.op_type == "PRelu"]:
        a = G.const(n.input[1])
        if a is None:
            continue
        x, y = n.input[0], n.output[0]
        scaled = n.name + "_scaled"
        mul = helper.make_node("Mul", [x, n.input[1]], [scaled], name=n.name + "_mul")
        if np.all(a <= 1.0):
            G.replace_node(n, [mul, helper.make_node("Max", [x, scaled], [y], name=n.name)])
        else:
            rest = n.name + "_one_minus_slope"
            G.add_const(rest, (1.0 - a).astype(np.float32))
            relu, pos = n.name + "_relu", n.name + "_pos"
            G.replace_node(n, [
                mul,
                helper.make_node("Relu", [x], [relu], name=n.name + "_relu"),
                helper.make_node("Mul", [relu, rest], [pos], name=n.name + "_posmul"),
                helper.make_node("Add", [scaled, pos], [y], name=n.name),
            ])
        count += 1
    return count


def _bilinear_x2_kernel(channels):
    k1 = np.array([1.0, 3.0, 3.0, 1.0], dtype=np.float32) / 4.0
    k2 = np.outer(k1, k1).astype(np.float32)
    return np.ascontiguousarray(np.broadcast_to(k2, (channels, 1, 4, 4)))


def resize_as_conv_transpose(model):
    """Resize(linear, half_pixel, scales [1,1,2,2]) -> Pad(edge) + depthwise ConvTranspose.

    Half-pixel bilinear x2 along an axis: out[2i] = (x[i-1] + 3 x[i]) / 4 and
    out[2i+1] = (3 x[i] + x[i+1]) / 4, with x clamped at the edges. Padding the edge by one
    and transposed-convolving with [1,3,3,1]/4 at stride 2 gives 2n+6 samples of which
    3..2n+3 are exactly these; the 2-D kernel is the outer product (separable)."""
    inferred = shape_inference.infer_shapes(model)
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in inferred.graph.value_info}
    G = Graph(model)
    count = 0
    for n in [n for n in G.g.node if n.op_type == "Resize"]:
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        if attrs.get("mode") != b"linear" or attrs.get("coordinate_transformation_mode") != b"half_pixel":
            continue
        scales = G.const(n.input[2]) if len(n.input) > 2 and n.input[2] else None
        if scales is None or scales.tolist() != [1.0, 1.0, 2.0, 2.0] or (len(n.input) > 3 and n.input[3]):
            continue
        shape = shapes.get(n.input[0])
        if not shape or len(shape) != 4 or shape[1] <= 0:
            continue
        c = shape[1]
        pads_name, w_name = n.name + "_edge_pads", n.name + "_bilinear_w"
        G.add_const(pads_name, np.array([0, 0, 1, 1, 0, 0, 1, 1], dtype=np.int64))
        G.add_const(w_name, _bilinear_x2_kernel(c))
        padded = n.name + "_padded"
        pad = helper.make_node("Pad", [n.input[0], pads_name], [padded], name=n.name + "_pad", mode="edge")
        up = helper.make_node("ConvTranspose", [padded, w_name], [n.output[0]], name=n.name, group=c,
                              kernel_shape=[4, 4], strides=[2, 2], pads=[3, 3, 3, 3])
        G.replace_node(n, [pad, up])
        count += 1
    return count


def _perm(n):
    return list(helper.get_attribute_value(next(a for a in n.attribute if a.name == "perm")))


def _inverse(p):
    inv = [0] * len(p)
    for i, v in enumerate(p):
        inv[v] = i
    return inv


def cancel_transposes(model):
    """Transpose(p) -> unary element-wise -> Transpose(p^-1) becomes the op on the original
    tensor, and Transpose(p) -> Transpose(p^-1) disappears, as long as nothing else reads the
    intermediate tensors (or the element-wise op's other readers can take the original
    layout through a Transpose that replaces the first one)."""
    count = 0
    changed = True
    while changed:
        changed = False
        G = Graph(model)
        for t2 in list(G.g.node):
            if t2.op_type != "Transpose":
                continue
            mid = G.producer.get(t2.input[0])
            if mid is None:
                continue
            if mid.op_type == "Transpose" and _perm(mid) == _inverse(_perm(t2)):
                # T(p) -> T(p^-1): readers of t2's output read mid's input.
                if t2.output[0] in G.graph_outputs:
                    continue
                G.rename_input(t2.output[0], mid.input[0])
                G.g.node.remove(t2)
                if not G.consumers.get(mid.output[0]) or all(c is t2 for c in G.consumers[mid.output[0]]):
                    if mid.output[0] not in G.graph_outputs:
                        G.g.node.remove(mid)
                count += 1
                changed = True
                break
            if mid.op_type not in UNARY_ELEMENTWISE:
                continue
            t1 = G.producer.get(mid.input[0])
            if t1 is None or t1.op_type != "Transpose" or _perm(t1) != _inverse(_perm(t2)):
                continue
            if len(G.consumers.get(t1.output[0], [])) != 1 or t2.output[0] in G.graph_outputs:
                continue
            # The op now works in t1's input layout; its old output, where still read, is
            # the new output transposed as t1 did.
            new_out = mid.output[0] + "_nt"
            old_out = mid.output[0]
            mid.input[0] = t1.input[0]
            mid.output[0] = new_out
            G.rename_input(t2.output[0], new_out)
            G.g.node.remove(t2)
            others = [c for c in G.consumers.get(old_out, []) if c is not t2]
            if others or old_out in G.graph_outputs:
                t1.input[0] = new_out
                t1.output[0] = old_out
                # t1 must now come after mid.
                G.g.node.remove(t1)
                idx = list(G.g.node).index(mid)
                G.g.node.insert(idx + 1, t1)
            else:
                G.g.node.remove(t1)
            count += 1
            changed = True
            break
    return count


def broadcast_mul_in_nchw(model):
    """Transpose(NHWC->NCHW) of Mul(x_nhwc, s[1,1,1,C]) where x_nhwc = Transpose(NCHW->NHWC)
    of x: the product is computed on x with s as [1,C,1,1], no round trip."""
    G = Graph(model)
    count = 0
    for t2 in list(G.g.node):
        if t2.op_type != "Transpose" or _perm(t2) != [0, 3, 1, 2]:
            continue
        mul = G.producer.get(t2.input[0])
        if mul is None or mul.op_type != "Mul" or len(G.consumers.get(mul.output[0], [])) != 1:
            continue
        for xi, si in ((0, 1), (1, 0)):
            t1 = G.producer.get(mul.input[xi])
            rs = G.producer.get(mul.input[si])
            if t1 is None or t1.op_type != "Transpose" or _perm(t1) != [0, 2, 3, 1]:
                continue
            if rs is None or rs.op_type != "Reshape":
                continue
            shape = G.const(rs.input[1])
            if shape is None or len(shape) != 4 or list(shape[:3]) != [1, 1, 1]:
                continue
            nchw_shape = n_name = rs.name + "_nchw_shape"
            G.add_const(n_name, np.array([1, int(shape[3]), 1, 1], dtype=np.int64))
            s_nchw = rs.output[0] + "_nchw"
            G.g.node.insert(list(G.g.node).index(rs) + 1,
                            helper.make_node("Reshape", [rs.input[0], nchw_shape], [s_nchw], name=rs.name + "_nchw"))
            new_mul = helper.make_node("Mul", [t1.input[0], s_nchw], [t2.output[0]], name=mul.name)
            G.replace_node(t2, [new_mul])
            G.g.node.remove(mul)
            count += 1
            break
        G.refresh()
    return count


PATCHES_KEY = "idbooth.patches"


def first_conv_as_patches(model):
    """Input NHWC [1,S,S,3] -> Transpose -> Conv(k, stride, pads) becomes an input of patches
    [1, 3*kh*kw, Ho, Wo] (channel index c*kh*kw + ky*kw + kx, zeros outside the image) read by
    a 1x1 Conv with the same weights. Returns 1 when rewritten."""
    G = Graph(model)
    inp = G.g.input[0]
    dims = [d.dim_value for d in inp.type.tensor_type.shape.dim]
    readers = G.consumers.get(inp.name, [])
    if len(dims) != 4 or dims[3] != 3 or len(readers) != 1 or readers[0].op_type != "Transpose":
        return 0
    t = readers[0]
    convs = G.consumers.get(t.output[0], [])
    if _perm(t) != [0, 3, 1, 2] or len(convs) != 1 or convs[0].op_type != "Conv":
        return 0
    conv = convs[0]
    attrs = {a.name: helper.get_attribute_value(a) for a in conv.attribute}
    w = G.const(conv.input[1])
    if w is None or attrs.get("group", 1) != 1 or any(d != 1 for d in attrs.get("dilations", [1, 1])):
        return 0
    if "auto_pad" in attrs and attrs["auto_pad"] not in (b"NOTSET", "NOTSET"):
        return 0
    m, c, kh, kw = w.shape
    sh, sw = attrs.get("strides", [1, 1])
    pt, pl, pb, pr = attrs.get("pads", [0, 0, 0, 0])
    s_h, s_w = dims[1], dims[2]
    ho, wo = (s_h + pt + pb - kh) // sh + 1, (s_w + pl + pr - kw) // sw + 1
    w_name = conv.name + "_patch_w"
    G.add_const(w_name, np.ascontiguousarray(w.reshape(m, c * kh * kw, 1, 1)))
    new_inputs = ["patches", w_name] + list(conv.input[2:])
    new_conv = helper.make_node("Conv", new_inputs, [conv.output[0]], name=conv.name, kernel_shape=[1, 1])
    G.replace_node(conv, [new_conv])
    G.g.node.remove(t)
    G.g.input.remove(inp)
    G.g.input.insert(0, helper.make_tensor_value_info("patches", onnx.TensorProto.FLOAT, [1, c * kh * kw, ho, wo]))
    meta = {"image": [s_h, s_w], "kernel": [kh, kw], "stride": [sh, sw], "pads": [pt, pl, pb, pr]}
    model.metadata_props.append(onnx.StringStringEntryProto(key=PATCHES_KEY, value=json.dumps(meta)))
    return 1


def patch_geometry(model):
    """The `idbooth.patches` metadata of a rewritten model, or None."""
    for p in model.metadata_props:
        if p.key == PATCHES_KEY:
            return json.loads(p.value)
    return None


def patches_from_image(x, meta):
    """NHWC image batch [1,S,S,3] -> the patch input a rewritten model takes."""
    kh, kw = meta["kernel"]
    sh, sw = meta["stride"]
    pt, pl, pb, pr = meta["pads"]
    img = np.pad(x[0].transpose(2, 0, 1), ((0, 0), (pt, pb), (pl, pr)))
    c, hp, wp = img.shape
    ho, wo = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    out = np.empty((c, kh, kw, ho, wo), dtype=np.float32)
    for ky in range(kh):
        for kx in range(kw):
            out[:, ky, kx] = img[:, ky:ky + sh * (ho - 1) + 1:sh, kx:kx + sw * (wo - 1) + 1:sw]
    return out.reshape(1, c * kh * kw, ho, wo)


def drop_dead(model):
    """Remove nodes and initializers nothing reads."""
    g = model.graph
    live = {o.name for o in g.output}
    keep = []
    for n in reversed(list(g.node)):
        if any(o in live for o in n.output):
            keep.append(n)
            live.update(i for i in n.input if i)
    keep.reverse()
    del g.node[:]
    g.node.extend(keep)
    inits = [i for i in g.initializer if i.name in live]
    del g.initializer[:]
    g.initializer.extend(inits)


def optimise(model):
    """Apply every rewrite; returns {rewrite: count}."""
    done = {
        "first_conv_as_patches": first_conv_as_patches(model),
        "prelu_as_max": prelu_as_max(model),
        "resize_as_conv_transpose": resize_as_conv_transpose(model),
        "cancel_transposes": cancel_transposes(model),
        "broadcast_mul_in_nchw": broadcast_mul_in_nchw(model),
    }
    # The Muls now in NCHW leave more round trips to cancel.
    done["cancel_transposes"] += cancel_transposes(model)
    drop_dead(model)
    del model.graph.value_info[:]
    onnx.checker.check_model(model, full_check=True)
    return done


if __name__ == "__main__":
    m = onnx.load(sys.argv[1])
    print(optimise(m))
    onnx.save(m, sys.argv[2])
