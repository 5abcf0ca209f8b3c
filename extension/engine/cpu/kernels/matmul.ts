// MatMul (numpy semantics: 1-D promotion, broadcast batch dims) and Gemm, both on gemm().

import { allocArray, allocFloat32Uninit, sizeOf, Tensor } from '../../tensor';
import { gemm } from '../matmulKernel';
import { sgemmBiasAct } from '../gemm';
import { broadcastShapes, broadcastStrides, binaryLoop } from './elementwise';

type F = Float32Array | Float64Array;

export interface MatMulAttrs { transA?: boolean; transB?: boolean }

export function matMulKernel([a, b]: Tensor[], { transA = false, transB = false }: MatMulAttrs = {}): Tensor {
  const aVec = a.rank === 1, bVec = b.rank === 1;
  const as = aVec ? [1, a.shape[0]] : a.shape, bs = bVec ? [b.shape[0], 1] : b.shape;
  const ar = as.length, br = bs.length;
  const M = transA ? as[ar - 1] : as[ar - 2], Ka = transA ? as[ar - 2] : as[ar - 1];
  const Kb = transB ? bs[br - 1] : bs[br - 2], N = transB ? bs[br - 2] : bs[br - 1];
  if (Ka !== Kb) {
    throw new Error(`MatMul: inner dimensions differ (A [${a.shape.join(',')}], B [${b.shape.join(',')}])`);
  }
  const K = Ka;
  const batch = broadcastShapes(as.slice(0, -2), bs.slice(0, -2));
  const nb = sizeOf(batch);
  const sa = broadcastStrides(as.slice(0, -2), batch), sb = broadcastStrides(bs.slice(0, -2), batch);
  const out = allocArray(a.dtype, nb * M * N) as F;
  const A = a.data as F, B = b.data as F;
  const idx = new Array<number>(batch.length).fill(0);
  for (let t = 0; t < nb; t++) {
    let oa = 0, ob = 0;
    for (let d = 0; d < batch.length; d++) { oa += idx[d] * sa[d]; ob += idx[d] * sb[d]; }
    gemm(transA, transB, M, N, K, 1, A, oa * M * K, transA ? M : K, B, ob * K * N, transB ? K : N, 0, out, t * M * N, N);
    for (let d = batch.length - 1; d >= 0; d--) { if (++idx[d] < batch[d]) break; idx[d] = 0; }
  }
  const shape = [...batch];
  if (!aVec) shape.push(M);
  if (!bVec) shape.push(N);
  return new Tensor(a.dtype, shape, out);
}

export interface GemmAttrs { transA?: boolean; transB?: boolean; alpha?: number; beta?: number; activation?: 'Relu' }

/** inputs [A, B, C?] → alpha·op(A)·op(B) + beta·C, then the optional fused Relu. */
export function gemmKernel([a, b, c]: Tensor[], { transA = false, transB = false, alpha = 1, beta = 1, activation }: GemmAttrs): Tensor {
  const M = transA ? a.shape[1] : a.shape[0], K = transA ? a.shape[0] : a.shape[1];
  const N = transB ? b.shape[0] : b.shape[1];
  const Kb = transB ? b.shape[1] : b.shape[0];
  if (K !== Kb) throw new Error(`Gemm: inner dimensions differ (A [${a.shape.join(',')}], B [${b.shape.join(',')}])`);
  const relu = activation === 'Relu';
  const A = a.data as F, B = b.data as F;
  if (A instanceof Float32Array && B instanceof Float32Array && (!c || isRowBias(c, N, beta))) {
    // the dense-layer case: GEMM, then bias (+ ReLU) in one epilogue pass
    const out = allocFloat32Uninit(M * N); // beta = 0: the GEMM writes every element
    sgemmBiasAct(transA, transB, M, N, K, alpha, A, 0, a.shape[1], B, 0, b.shape[1], 0, out, 0, N, c ? (c.data as Float32Array) : null, relu);
    return new Tensor(a.dtype, [M, N], out);
  }
  let out: F;
  let bt = 0;
  if (c && beta !== 0) {
    out = binaryLoop(c, Tensor.zeros('bool', [M, N]), a.dtype, (v) => v).data as F;
    bt = beta;
  } else out = allocArray(a.dtype, M * N) as F;
  gemm(transA, transB, M, N, K, alpha, A, 0, a.shape[1], B, 0, b.shape[1], bt, out, 0, N);
  if (relu) for (let i = 0; i < out.length; i++) out[i] = out[i] > 0 ? out[i] : 0;
  return new Tensor(a.dtype, [M, N], out);
}

/** C is a float32 bias broadcast along rows ([N], [1, N] or a scalar when N = 1) with beta = 1. */
function isRowBias(c: Tensor, N: number, beta: number): boolean {
  return beta === 1 && c.data instanceof Float32Array && c.size === N && (c.rank === 0 ? N === 1 : c.shape[c.rank - 1] === N);
}
