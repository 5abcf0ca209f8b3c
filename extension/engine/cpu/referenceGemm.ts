// Reference row-major GEMM in plain JS: C = alpha·op(A)·op(B) + beta·C.
// Same signature as the fast sgemm in gemm.ts; also used for float64 (gradient checks),
// which is why the arrays may be Float64Array. Four rows of C per pass over a row of B
// (i-k-j order) keeps the inner loop contiguous; transposed B is packed first.

type F = Float32Array | Float64Array;

export function referenceGemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: F, aOff: number, lda: number, B: F, bOff: number, ldb: number,
  beta: number, C: F, cOff: number, ldc: number,
): void {
  for (let i = 0; i < M; i++) {
    const r = cOff + i * ldc;
    if (beta === 0) C.fill(0, r, r + N);
    else if (beta !== 1) for (let j = 0; j < N; j++) C[r + j] *= beta;
  }
  if (K === 0 || alpha === 0) return;
  let Bp: F = B, bo = bOff, bs = ldb;
  if (transB) {
    Bp = B instanceof Float64Array ? new Float64Array(K * N) : new Float32Array(K * N);
    for (let j = 0; j < N; j++) {
      const src = bOff + j * ldb;
      for (let k = 0; k < K; k++) Bp[k * N + j] = B[src + k];
    }
    bo = 0; bs = N;
  }
  const aRow = transA ? 1 : lda, aCol = transA ? lda : 1;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const c0 = cOff + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
    for (let k = 0; k < K; k++) {
      const ak = aOff + k * aCol;
      const a0 = alpha * A[ak + i * aRow], a1 = alpha * A[ak + (i + 1) * aRow];
      const a2 = alpha * A[ak + (i + 2) * aRow], a3 = alpha * A[ak + (i + 3) * aRow];
      const b = bo + k * bs;
      for (let j = 0; j < N; j++) {
        const bv = Bp[b + j];
        C[c0 + j] += a0 * bv; C[c1 + j] += a1 * bv; C[c2 + j] += a2 * bv; C[c3 + j] += a3 * bv;
      }
    }
  }
  for (; i < M; i++) {
    const c0 = cOff + i * ldc;
    for (let k = 0; k < K; k++) {
      const a0 = alpha * A[aOff + k * aCol + i * aRow];
      const b = bo + k * bs;
      for (let j = 0; j < N; j++) C[c0 + j] += a0 * Bp[b + j];
    }
  }
}

export function sgemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, aOff: number, lda: number, B: Float32Array, bOff: number, ldb: number,
  beta: number, C: Float32Array, cOff: number, ldc: number,
): void {
  referenceGemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
}
