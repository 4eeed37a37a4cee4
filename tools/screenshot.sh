#!/usr/bin/env bash
# Run the real app under Xvfb and save a PNG of its window.
#   tools/screenshot.sh [OUT.png] [review|counter|live|print] [PHOTO]
# review (default): opens PHOTO (default: the bundled sample) in Chinese: result with guides,
#   checklist, form.  counter: the same at the counter (crop tools).  live: plays PHOTO as a recorded camera: live guides and warnings.
# print: exports PHOTO (as staff would, confirming its open rules) and opens the export on the
#   counter's print screen (`--reprint`): the 6-inch sheet as it will come out.
# SIZE=WxH sets the window (default 1400x950; the README promises 800x500 works).
# Needs: xvfb xdotool imagemagick (and Mesa); see .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/screenshot.png}
mode=${2:-review}
photo=${3:-assets/samples/grace_hopper.jpg}
size=${SIZE:-1400x950}
for tool in Xvfb xdotool import; do
  command -v "$tool" >/dev/null || { echo "screenshot.sh: $tool is missing (apt-get install xvfb xdotool imagemagick)" >&2; exit 1; }
done
cargo build --release --quiet
work=$(mktemp -d)
display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 "${size}x24" -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb=$!
app=
cleanup() {
  [ -n "$app" ] && kill "$app" 2>/dev/null || true
  kill "$xvfb" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export DISPLAY=$display
# A private settings folder: the run leaves nothing in the user's config.
export XDG_CONFIG_HOME=$work/config
export XDG_RUNTIME_DIR=$work/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
sleep 1
case "$mode" in
  review) args=(--lang zh --no-camera "$photo"); settle=12 ;;
  counter) args=(--lang zh --no-camera --counter "$photo"); settle=12 ;;
  live)
    mkdir -p "$work/frames"
    cp "$photo" "$work/frames/"
    args=(--lang zh --frames "$work/frames"); settle=8 ;;
  print)
    bin="${CARGO_TARGET_DIR:-target}/release/idbooth"
    # check exits non-zero for a photo that does not pass: that is the point here.
    rules=$({ "$bin" check "$photo" --json || true; } | python3 -c 'import json,sys; print(",".join(r["id"] for r in json.loads(sys.stdin.readline())["rules"] if r["status"] not in ("pass", "warn")))')
    confirm=()
    [ -n "$rules" ] && confirm=(--confirm "$rules" --by "李伟" --reason "sample photo")
    mkdir -p "$work/out"
    "$bin" export "$photo" -o "$work/out/zhang.jpg" --name 张三 --document passport --city 深圳 \
      --phone 13800000000 "${confirm[@]}" >/dev/null
    args=(--lang zh --no-camera --counter --reprint "$work/out/zhang.jpg"); settle=8 ;;
  *) echo "screenshot.sh: mode is review, counter, live or print" >&2; exit 2 ;;
esac
IDBOOTH_STATS=1 "${CARGO_TARGET_DIR:-target}/release/idbooth" "${args[@]}" >"$work/app.log" 2>&1 &
app=$!
win=
for _ in $(seq 120); do
  win=$(xdotool search --name '^idbooth$' 2>/dev/null | head -1) && [ -n "$win" ] && break
  kill -0 "$app" 2>/dev/null || { cat "$work/app.log" >&2; echo "screenshot.sh: the app exited" >&2; exit 1; }
  sleep 0.5
done
[ -n "$win" ] || { cat "$work/app.log" >&2; echo "screenshot.sh: no window appeared" >&2; exit 1; }
xdotool windowmove "$win" 0 0 windowsize "$win" "${size%x*}" "${size#*x}" >/dev/null 2>&1 || true
sleep "$settle"
mkdir -p "$(dirname "$out")"
import -window "$win" "$out"
cat "$work/app.log"
echo "saved $out"
