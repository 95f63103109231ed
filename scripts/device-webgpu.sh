#!/usr/bin/env bash
# The WebGPU device check: one epoch of the reference shape and of the
# defaults on a CoNLL-2003 slice, on the GPU machine the `device` tool lends
# (it reaches no package registry), printing tokens/s and the adapter.
#
#   scripts/device-webgpu.sh prepare [CONLL_DIR]   here: fills .device/ (git-ignored), about 45 MiB
#                                                  (DEVICE_SENTENCES=N: another slice than 3,000 sentences)
#   device run: carry [".device"], command "bash .device/device-webgpu.sh run", timeout_s 540
#   scripts/device-webgpu.sh run                   there (or here, to try it on the software adapter)
#
# What travels in .device/: this machine's node binary (xz), dist/, the
# runtime packages (tfjs, the WebGPU backend, Dawn's dawn.node for linux-x64,
# yargs, ...; xz), the Vulkan loader (libvulkan1, a .deb from Debian), the
# first 3,000 sentences of CoNLL-2003 train and 500 of valid (from CONLL_DIR,
# default ../shared/data/conll2003; never committed), and this script.
# `run` finishes within 10 minutes: setup under a minute, each of the four runs cut at 120 s.
set -euo pipefail
cd "$(dirname "$0")/.."

prepare() {
  local conll="${1:-../shared/data/conll2003}" out=.device sentences="${DEVICE_SENTENCES:-3000}"
  grep -qx '/.device/' .git/info/exclude 2>/dev/null || echo '/.device/' >> .git/info/exclude
  rm -rf "$out" && mkdir -p "$out"
  [ -f dist/src/cli/main.js ] || { echo "no dist/: run npm run build first" >&2; exit 2; }
  xz -T2 -6 -c "$(command -v node)" > "$out/node.xz"
  # Runtime packages only: no compilers, test browsers, native tfjs or Dawn for other systems.
  tar -cf - --exclude='node_modules/typescript' --exclude='node_modules/esbuild' --exclude='node_modules/@esbuild' \
    --exclude='node_modules/playwright-core' --exclude='node_modules/@types' --exclude='node_modules/@tensorflow/tfjs-node' \
    --exclude='node_modules/webgpu/dist/darwin-*' --exclude='node_modules/webgpu/dist/win32-*' --exclude='node_modules/webgpu/dist/linux-arm64' \
    --exclude='*.map' --exclude='*.d.ts' dist node_modules package.json | xz -T2 -6 > "$out/tree.tar.xz"
  awk -v RS='' -v ORS='\n\n' -v n="$sentences" 'NR <= n' "$conll/train.txt" > "$out/train.txt"
  awk -v RS='' -v ORS='\n\n' -v n="$((sentences / 6))" 'NR <= n' "$conll/valid.txt" > "$out/valid.txt"
  (cd "$out" && apt-get -qq -oAPT::Architecture=amd64 download libvulkan1 > /dev/null)
  cp scripts/device-webgpu.sh "$out/"
  du -sh "$out"
}

run() {
  local here work
  here="$(cd "$(dirname "$0")" && pwd)"
  work="$(mktemp -d)"
  for deb in "$here"/*.deb; do [ -e "$deb" ] && dpkg -x "$deb" "$work/root"; done
  export LD_LIBRARY_PATH="$work/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  # Where the machine's NVIDIA driver keeps its Vulkan ICD (the device README), if the loader finds none itself.
  [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$work}"
  xz -dc "$here/node.xz" > "$work/node" && chmod +x "$work/node"
  xz -dc "$here/tree.tar.xz" | tar -xf - -C "$work"
  local ner=("$work/node" "$work/dist/src/cli/main.js")
  echo "node $("$work/node" --version); $(nproc) cores"
  command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  # Reference shape (the bench's): no characters, no casing, no context; then the defaults. One epoch each.
  local reference=(--char-encoder none --casing-dim 0 --context-tokens 0 --batch-size 32)
  for backend in webgpu wasm; do
    for shape in reference defaults; do
      local extra=()
      [ "$shape" = reference ] && extra=("${reference[@]}")
      echo "== $backend, $shape"
      timeout 120 "${ner[@]}" train --data "$here/train.txt" --dev "$here/valid.txt" --out "$work/m-$backend-$shape" \
        --epochs 1 --backend "$backend" "${extra[@]}" 2>&1 | grep -E '^(backend|epoch|ner: (error|warning))' || echo "(did not finish within 120 s)"
    done
  done
  rm -rf "$work"
}

case "${1:-}" in
  prepare) shift; prepare "$@" ;;
  run) run ;;
  *) echo "usage: scripts/device-webgpu.sh prepare [CONLL_DIR] | run" >&2; exit 2 ;;
esac
