#!/usr/bin/env bash
# Compiles the CUDA kernel sources with the real CUDA compiler (no GPU needed), the way the
# runtime does: the files concatenated in the order of extension/engine/cuda/runtime.ts
# (KERNEL_FILES, each after a "// ---- name" line) into one program, compiled with the options
# the addon gives NVRTC (native/cuda/src/addon.c: -arch=compute_XY --std=c++17, nothing else:
# no fast math, no -default-device, whole-program, extern "C" names).
#
#   1. NVRTC's path: nvcc -ptx for compute_90 / compute_80 / compute_75, then ptxas for the
#      matching sm_XY (what cuModuleLoadData's JIT does on the GPU).
#   2. nvcc -cubin for sm_90 and sm_80 with ptxas -v: registers, stack, spills, shared memory.
#   3. Checks on the PTX: every NL_EXTERN kernel is an unmangled .entry (and nothing else is),
#      the TF32 kernel holds mma.sync / cvt.rna.tf32 on sm_80+ and is empty below, no float64,
#      no local memory (ld/st.local) left for the driver's JIT to clean up.
# Any compiler or ptxas warning (local memory, spills, double use) fails the check.
# Prints "sig NAME KINDS" per kernel from the sm_90 PTX (P = 8-byte param, i = u32, f = f32)
# for test/unit/cuda/nvcc.test.ts, and a register table.
#
# NVCC=/path/to/nvcc overrides the search (PATH, then /usr/local/cuda*/bin, newest first).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

nvcc="${NVCC:-}"
if [ -z "$nvcc" ]; then
  nvcc="$(command -v nvcc || true)"
  if [ -z "$nvcc" ]; then
    for d in $(ls -d /usr/local/cuda*/bin 2>/dev/null | sort -rV); do
      if [ -x "$d/nvcc" ]; then nvcc="$d/nvcc"; break; fi
    done
  fi
fi
if [ -z "$nvcc" ] || [ ! -x "$nvcc" ]; then echo "nvcc not found (PATH, /usr/local/cuda*/bin; or set NVCC)" >&2; exit 2; fi
ptxas="$(dirname "$(readlink -f "$nvcc")")/ptxas"
[ -x "$ptxas" ] || ptxas="$(command -v ptxas || true)"
[ -n "$ptxas" ] || { echo "ptxas not found beside $nvcc" >&2; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
files=(common.cuh elementwise.cu reduce.cu gemm.cu conv.cu norm.cu loss.cu optim.cu)
src="$tmp/neural_lens_kernels.cu"
# runtime.ts: KERNEL_FILES.map((f) => `// ---- ${f}\n${text}`).join('\n')
first=1
for f in "${files[@]}"; do
  [ $first = 1 ] || printf '\n'
  first=0
  printf '// ---- %s\n' "$f"
  cat "$here/kernels/$f"
done > "$src"

echo "$("$nvcc" --version | tail -1)"
# The options NVRTC gets (addon.c) plus warnings as errors.
common=(-std=c++17 -Werror all-warnings)
ptxasWarn=(-warn-lmem-usage -warn-spills -warn-double-usage --warning-as-error)
fail=0

# 1. NVRTC's path: PTX for compute_XY, then the JIT's ptxas.
for a in 90 80 75; do
  "$nvcc" "${common[@]}" -arch=compute_$a -ptx -o "$tmp/k$a.ptx" "$src"
  "$ptxas" -arch=sm_$a "${ptxasWarn[@]}" -o "$tmp/k$a.jit.cubin" "$tmp/k$a.ptx"
  echo "compute_$a PTX ($(grep -m1 '^\.version' "$tmp/k$a.ptx")) assembles for sm_$a"
done

# 2. Direct cubins with resource usage.
for a in 90 80; do
  "$nvcc" "${common[@]}" -arch=sm_$a -cubin -Xptxas -v -Xptxas "$(IFS=,; echo "${ptxasWarn[*]}")" \
    -o "$tmp/k$a.cubin" "$src" 2> "$tmp/ptxas$a.log" || { cat "$tmp/ptxas$a.log" >&2; exit 1; }
  echo "sm_$a cubin: $(stat -c %s "$tmp/k$a.cubin") bytes"
done

# 3. Names, TF32 path, float64.
names="$(grep -oE 'NL_EXTERN[[:space:]]+void[[:space:]]+(__launch_bounds__\([0-9]+\)[[:space:]]*)?[A-Za-z_0-9]+' "$src" | awk '{print $NF}' | sed 's/.*)//' | sort)"
entries="$(grep -oE '^\.visible \.entry [A-Za-z_0-9]+' "$tmp/k90.ptx" | awk '{print $3}' | sort)"
if [ "$names" != "$entries" ]; then
  echo "kernel names in the sources and .entry names in the PTX differ:" >&2
  diff <(echo "$names") <(echo "$entries") >&2 || true
  fail=1
fi
for a in 90 80; do
  n="$(grep -c 'mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32' "$tmp/k$a.ptx" || true)"
  [ "$n" -gt 0 ] || { echo "compute_$a: no TF32 mma.sync in the PTX" >&2; fail=1; }
  echo "compute_$a: $n mma.sync.m16n8k8 TF32, $(grep -c 'cvt.rna.tf32.f32' "$tmp/k$a.ptx") cvt.rna.tf32"
done
if grep -q 'mma.sync' "$tmp/k75.ptx"; then echo "compute_75: sgemm_tf32 should compile to an empty kernel" >&2; fail=1; fi
# Local memory already in the PTX leaves it to ptxas (the driver's JIT on the GPU) to promote.
for a in 90 80; do
  if grep -qE '(ld|st)\.local|\.local ' "$tmp/k$a.ptx"; then
    echo "compute_$a: local memory in the PTX of:" >&2
    awk '/^\.visible \.entry /{n=$3; sub(/\(.*/, "", n)} /(ld|st)\.local|\.local /{print "  " n}' "$tmp/k$a.ptx" | sort -u >&2
    fail=1
  fi
done
if grep -qE '\.f64|cvt\.f64' "$tmp/k90.ptx"; then echo "float64 arithmetic in the PTX:" >&2; grep -nE '\.f64' "$tmp/k90.ptx" | head >&2; fail=1; fi

# Signatures from the sm_90 PTX entry parameters.
awk '
  /^\.visible \.entry / { name = $3; sub(/\(.*/, "", name); sig = ""; inE = 1; next }
  inE && /\.param/ { t = $2; sig = sig (t == ".u64" || t == ".s64" || t == ".b64" ? "P" : t == ".f32" ? "f" : (t == ".u32" || t == ".s32" || t == ".b32") ? "i" : "?") }
  inE && /^\)/ { print "sig " name " " sig; inE = 0 }
' "$tmp/k90.ptx"

# Resource table (sm_90 and sm_80).
for a in 90 80; do
  echo "ptxas sm_$a: kernel regs stack spill-st spill-ld smem"
  awk -v arch="$a" '
    /Compiling entry function/ { match($0, /'"'"'[^'"'"']+'"'"'/); name = substr($0, RSTART + 1, RLENGTH - 2) }
    /bytes stack frame/ { stack = $1; sst = $5; sld = $9 }
    /Used [0-9]+ registers/ { regs = $5; smem = 0; if (match($0, /[0-9]+ bytes smem/)) smem = substr($0, RSTART, RLENGTH - 11) + 0
      printf "  %-14s %3d %4d %4d %4d %6d\n", name, regs, stack, sst, sld, smem }
  ' "$tmp/ptxas$a.log"
done

[ $fail = 0 ] || exit 1
echo "kernel sources compile with nvcc (${#files[@]} files; sm_90, sm_80, compute_75)"
