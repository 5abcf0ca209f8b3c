// The single import point for GEMM: every matmul, Gemm and convolution (im2col) in the CPU
// backend calls gemm() below. Swapping in the fast SIMD sgemm is the one import line.

import { sgemm as fastSgemm } from './gemm';
import { referenceGemm } from './referenceGemm';

type F = Float32Array | Float64Array;

export function gemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: F, aOff: number, lda: number, B: F, bOff: number, ldb: number,
  beta: number, C: F, cOff: number, ldc: number,
): void {
  if (A instanceof Float32Array && B instanceof Float32Array && C instanceof Float32Array) {
    fastSgemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
  } else {
    // float64 (gradient checks) always takes the reference path
    referenceGemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
  }
}
