#!/usr/bin/env bash
# The CUDA backend's proof on a GPU machine with no Node.js and no network. Prepare here with
# scripts/gpu-check-prepare.sh, then (device tool):
#   run(command="bash scripts/gpu-check.sh", carry=[".cache/gpu-check"], timeout_s=540)
# Steps, each under its own timeout, all output to stdout (and $OUT/gpu-check.log if set):
#   1. unpack Node; find NVRTC in the pip wheels (nvidia/cu13/lib, …); status + NVRTC compile
#   2. every op forward/backward on CUDA vs the CPU backend (test/unit/cuda/cudaParity)
#   3. the PyTorch-trajectory fixtures on CUDA (test/unit/cuda/torchTrajectoryCuda), the Trainer on
#      CUDA against the Trainer on the CPU (test/unit/cuda/trainerCuda)
#   4. bench rows: engine-CUDA vs PyTorch CUDA, MLP / LeNet-5 / ResNet-18-sized, batch 64/256
#      (fp32), then the engine with its TF32 tensor-core GEMM, then the rows through the Trainer
#   5. ONNX Runtime CUDA execution provider: loads or the exact error; latency vs CPU
#   6. the CLI as shipped (dist/cli.js): doctor, train --device cuda against --device cpu
# GPU_CHECK_SKIP="bench ort" skips steps; GPU_CHECK_SECONDS sets the bench round length.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
src=$root/.cache/gpu-check
work=${TMPDIR:-/tmp}/neural-lens-gpu
mkdir -p "$work"
log() { echo "=== [gpu-check $(date -u +%H:%M:%S)] $*"; }
skip() { [[ " ${GPU_CHECK_SKIP:-} " == *" $1 "* ]]; }
[ -n "${OUT:-}" ] && exec > >(tee -a "$OUT/gpu-check.log") 2>&1

log "machine: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)"
[ -s "$src/node.xz" ] || { echo "no $src/node.xz: run scripts/gpu-check-prepare.sh and carry .cache/gpu-check"; exit 1; }
if [ ! -x "$work/node" ]; then xz -dc "$src/node.xz" > "$work/node" && chmod +x "$work/node"; fi
NODE="$work/node"
log "node $("$NODE" --version)"
cp "$src"/*.cjs "$work/"

# NVRTC and its builtins library from the CUDA pip wheels (no system toolkit on PATH needed).
libdirs=$(python3 - <<'PY' 2>/dev/null
import glob, os
try:
    import nvidia
    roots = list(nvidia.__path__)
except Exception:
    roots = []
dirs = set()
for r in roots:
    for f in glob.glob(os.path.join(r, '**', 'libnvrtc.so*'), recursive=True):
        dirs.add(os.path.dirname(f))
for d in ['/usr/local/cuda/lib64', '/usr/local/cuda/targets/x86_64-linux/lib']:
    if glob.glob(os.path.join(d, 'libnvrtc.so*')):
        dirs.add(d)
print(':'.join(sorted(dirs)))
PY
)
if [ -n "$libdirs" ]; then
  export LD_LIBRARY_PATH="$libdirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  nvrtc=$(ls ${libdirs//:/ } 2>/dev/null | grep -m1 -E '^libnvrtc\.so\.[0-9]+$' || true)
  for d in ${libdirs//:/ }; do [ -n "$nvrtc" ] && [ -e "$d/$nvrtc" ] && export NEURAL_LENS_NVRTC="$d/$nvrtc" && break; done
fi
log "NVRTC: ${NEURAL_LENS_NVRTC:-not found in pip wheels; trying the default names} (LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-})"

# The addon built by npm ci on the CPU machine; rebuilt here with cc if it does not load.
export NEURAL_LENS_CUDA_ADDON="$work/neural_lens_cuda.node" NEURAL_LENS_CUDA_KERNELS="$root/native/cuda/kernels"
export NEURAL_LENS_TORCH_FIXTURES="$root/test/fixtures/torch"
cp "$src/neural_lens_cuda.node" "$work/"
if ! "$NODE" -e "process.dlopen({exports:{}}, process.env.NEURAL_LENS_CUDA_ADDON)" 2>"$work/dlopen.err"; then
  log "carried addon does not load ($(head -c 300 "$work/dlopen.err")); rebuilding with cc"
  tar -C "$work" -xJf "$src/node-include.tar.xz"
  cc -O2 -std=gnu11 -fPIC -shared -I"$work/include/node" native/cuda/src/addon.c -ldl -o "$work/neural_lens_cuda.node" || exit 1
fi

log "1. status"
timeout 120 "$NODE" "$work/status.cjs" || { log "CUDA backend not usable here; stopping"; exit 1; }

if ! skip parity; then
  log "2. op parity: CUDA vs CPU backend, forward + backward (1e-4 relative; TF32 GEMM cases at 1e-2)"
  timeout 240 "$NODE" --expose-gc --test --test-reporter=dot "$work/cudaParity.test.cjs" 2>&1 | tail -60
fi
if ! skip trajectory; then
  log "3. PyTorch trajectories on CUDA (test/fixtures/torch); the Trainer on CUDA against the Trainer on the CPU"
  timeout 120 "$NODE" --expose-gc --test --test-reporter=spec "$work/torchTrajectoryCuda.test.cjs" "$work/trainerCuda.test.cjs" 2>&1 | tail -40
fi
if ! skip bench; then
  log "4. bench: engine-CUDA vs PyTorch CUDA"
  timeout 300 "$NODE" --expose-gc "$work/benchCuda.cjs" --seconds "${GPU_CHECK_SECONDS:-1.5}" \
    --torch-script "$root/bench/cuda/torch_cuda.py" ${OUT:+--json "$OUT/bench-cuda.json"}
  log "4b. bench: engine-CUDA with TF32 tensor-core GEMM (ResNet-18-sized, LeNet-5)"
  timeout 150 "$NODE" --expose-gc "$work/benchCuda.cjs" --tf32 --no-torch --rows lenet:256,resnet18:64,resnet18:256 --seconds "${GPU_CHECK_SECONDS:-1.5}"
  log "4c. bench: the same rows through the Trainer (host batches, metrics and NaN checks every step)"
  timeout 200 "$NODE" --expose-gc "$work/benchCuda.cjs" --trainer --no-torch --seconds "${GPU_CHECK_SECONDS:-1.5}"
fi
if ! skip ort; then
  log "5. ONNX Runtime CUDA execution provider"
  if [ -s "$src/ort.tar.xz" ]; then
    tar -C "$work" -xJf "$src/ort.tar.xz"
    timeout 120 "$NODE" "$work/ortCheck.cjs" "$root/media/samples/mnist-cnn.onnx"
  else
    echo "no ort.tar.xz carried: skipped"
  fi
fi
if ! skip cli; then
  log "6. the CLI as shipped: doctor, then mnist-cnn trained on mnist-sample with --device cuda and --device cpu (same seed)"
  if [ -s "$src/cli.js" ]; then
    cp "$src/cli.js" "$src/mnist-sample.bin.gz" "$src/neural_lens_native.node" "$work/"
    timeout 60 "$NODE" "$work/cli.js" doctor 2>&1 | tail -25
    for dev in cuda cpu; do
      echo "--- train --device $dev"
      timeout 150 "$NODE" --expose-gc "$work/cli.js" train "$root/media/samples/mnist-cnn.onnx" --data mnist-sample --device "$dev" \
        --steps 300 --batch-size 64 --seed 1 --log-jsonl "$work/train-$dev.jsonl" --out "$work/mnist-cnn-$dev.onnx" 2>&1 | tail -3
    done
    # the same run on both backends: step losses agree while float rounding differences are small
    "$NODE" -e '
      const fs = require("fs"), read = (d) => fs.readFileSync(process.argv[1] + "/train-" + d + ".jsonl", "utf8").trim().split("\n").map(JSON.parse).filter((l) => l.step !== undefined);
      const a = read("cuda"), b = read("cpu");
      const rel = (i) => Math.abs(a[i].loss - b[i].loss) / Math.abs(b[i].loss);
      const first = Math.max(...a.slice(0, 20).map((_, i) => rel(i)));
      for (const i of [0, 1, 10, 50, 100, 299]) if (a[i] && b[i]) console.log(`step ${i}: loss cuda ${a[i].loss.toFixed(6)}, cpu ${b[i].loss.toFixed(6)}`);
      console.log(`max relative loss difference over the first 20 steps: ${first.toExponential(2)} ${first < 1e-3 ? "(ok)" : "(FAILED: > 1e-3)"}`);
    ' "$work"
  else
    echo "no cli.js carried: skipped"
  fi
fi
log "done"
