#!/usr/bin/env bash
# Parses the CUDA kernel sources with the host C++ compiler (no CUDA needed): the files are
# concatenated in the order the runtime gives NVRTC (extension/engine/cuda/runtime.ts).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cxx="${CXX:-g++}"
files=(common.cuh elementwise.cu reduce.cu gemm.cu conv.cu norm.cu loss.cu optim.cu)
tmp="$(mktemp --suffix=.cpp)"
trap 'rm -f "$tmp"' EXIT
for f in "${files[@]}"; do cat "$here/kernels/$f"; echo; done > "$tmp"
"$cxx" -std=c++17 -fsyntax-only -Wall -Wno-unused-variable -Wno-unknown-pragmas -include "$here/test/host_stub.h" "$tmp"
echo "kernel sources parse as C++ (${#files[@]} files)"
