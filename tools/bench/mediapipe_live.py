#!/usr/bin/env python3
"""MediaPipe's own face pipeline on the same 640x480 frame as `idbooth bench`'s live lines,
for a side-by-side comparison on one machine (run them one after the other).

Setup (not needed by the app; PyPI only, the models ship inside the wheel):
    python3 -m venv /tmp/mpvenv && /tmp/mpvenv/bin/pip install mediapipe==0.10.21 pillow
    /tmp/mpvenv/bin/python tools/bench/mediapipe_live.py [RUNS]

Times the legacy FaceMesh solution (native C++ graph, TFLite + XNNPACK): static mode
(detector + mesh on every frame) and video mode (the mesh tracks the face from the previous
frame), each without and with the iris model; median and 10th percentile in ms.
"""

import os
import sys
import time

import mediapipe as mp
import numpy as np
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def bench_frame():
    """The bundled sample, padded with its edge colour to 4:3, resized to 640x480."""
    im = np.asarray(Image.open(os.path.join(ROOT, "assets/samples/grace_hopper.jpg")).convert("RGB"))
    h, w = im.shape[:2]
    nw, nh = (w, w * 3 // 4) if w * 3 >= h * 4 else (h * 4 // 3, h)
    ys = np.clip(np.arange(nh) - (nh - h) // 2, 0, h - 1)
    xs = np.clip(np.arange(nw) - (nw - w) // 2, 0, w - 1)
    return np.asarray(Image.fromarray(im[ys][:, xs]).resize((640, 480), Image.BILINEAR))


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    img = bench_frame()
    for refine in (False, True):
        for static in (True, False):
            with mp.solutions.face_mesh.FaceMesh(static_image_mode=static, max_num_faces=1,
                                                 refine_landmarks=refine) as fm:
                for _ in range(10):
                    r = fm.process(img)
                if not r.multi_face_landmarks:
                    sys.exit("MediaPipe found no face in the frame")
                ts = []
                for _ in range(runs):
                    t = time.perf_counter()
                    fm.process(img)
                    ts.append((time.perf_counter() - t) * 1000)
            mode = "static (detector every frame)" if static else "video (tracking)"
            iris = "with iris" if refine else "no iris"
            print(f"mediapipe {mode:30s} {iris:9s}: median {np.median(ts):.2f} ms, p10 {np.percentile(ts, 10):.2f} ms")


if __name__ == "__main__":
    main()
