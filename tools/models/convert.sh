#!/usr/bin/env bash
# Regenerate assets/models/*.onnx and assets/models/SHA256SUMS from MediaPipe's
# TFLite models (npm packages, Apache-2.0). See tools/models/README.md.
#
# Usage (from anywhere; paths are resolved against the repo root):
#   tools/models/convert.sh [NPM_DIR]
#     NPM_DIR: optional dir that already holds the unpacked packages as
#              <name>-<version>/package/... ; without it they are fetched with
#              `npm pack` into a temporary dir.
# Environment:
#   PYTHON  Python with the packages of tools/models/requirements.txt
#           (default: python3)
#   IMAGE   optional photo (PNG/JPEG) used as the real-image verification input
#   OUT     output dir (default: assets/models)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
OUT="${OUT:-$root/assets/models}"

PACKAGES=(
  "@mediapipe/face_detection@0.4.1657300184"
  "@mediapipe/face_mesh@0.4.1657299874"
  "@mediapipe/selfie_segmentation@0.1.1675465747"
)

if ! "$PYTHON" -c 'import tensorflow, tf2onnx, onnx, onnxruntime, numpy' 2>/dev/null; then
  echo "error: $PYTHON lacks the conversion packages; e.g.:" >&2
  echo "  python3 -m venv /tmp/mpvenv && /tmp/mpvenv/bin/pip install -r $here/requirements.txt" >&2
  echo "  PYTHON=/tmp/mpvenv/bin/python $0" >&2
  exit 1
fi

tmp=""
cleanup() { if [[ -n "$tmp" ]]; then rm -rf "$tmp"; fi; }
trap cleanup EXIT

if [[ $# -ge 1 ]]; then
  src="$(cd "$1" && pwd)"
else
  command -v npm >/dev/null || { echo "error: npm not found (or pass an NPM_DIR)" >&2; exit 1; }
  tmp="$(mktemp -d)"
  src="$tmp"
  for spec in "${PACKAGES[@]}"; do
    echo "== npm pack $spec"
    tgz="$(cd "$tmp" && npm pack --silent "$spec" | tail -n 1)"
    dir="$tmp/${tgz%.tgz}"
    mkdir -p "$dir"
    tar -xzf "$tmp/$tgz" -C "$dir"
  done
fi

args=(--src "$src" --out "$OUT")
if [[ -n "${IMAGE:-}" ]]; then args+=(--image "$IMAGE"); fi
"$PYTHON" "$here/convert.py" "${args[@]}"

echo "== sha256sum -c"
(cd "$OUT" && sha256sum -c SHA256SUMS)
