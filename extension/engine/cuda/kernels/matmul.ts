// MatMul and Gemm on the tiled SGEMM kernel (native/cuda/kernels/gemm.cu).

import { K } from '../../kernelNames';
import { sizeOf, type Tensor } from '../../tensor';
import { broadcastShapes } from '../../cpu/kernels/elementwise';
import type { GemmAttrs, MatMulAttrs } from '../../cpu/kernels/matmul';
import { empty, ptrOf } from '../deviceTensor';
import { expandKernel } from './elementwise';
import { cpuKernel, rt } from './util';

export interface SgemmCall {
  transA: boolean; transB: boolean; M: number; N: number; K: number; alpha?: number;
  A: number; lda: number; strideA?: number;
  B: number; ldb: number; strideB?: number;
  beta?: number; C: number; ldc: number; strideC?: number;
  /** batches (grid z); each sums `nsum` consecutive A/B pairs into its C */
  batch?: number; nsum?: number;
  bias?: number; biasMode?: 0 | 1 | 2; relu?: boolean;
}

/**
 * Launches a GEMM kernel (native/cuda/kernels/gemm.cu); pointers are device addresses, strides
 * in elements: TF32 tensor cores when enabled, 128×128 tiles when both output sides reach 128
 * (on an H200 the 64×64 kernel ran the large ones at about a quarter of the fp32 peak, bound
 * by shared-memory loads), else 64×64 tiles.
 */
export function sgemm(c: SgemmCall): void {
  const r = rt(), { name, tile } = gemmKernelFor(c.M, c.N);
  r.launch(name, [Math.ceil(c.N / tile), Math.ceil(c.M / tile), c.batch ?? 1], [256, 1, 1], 'iiiiif' + 'pil' + 'pil' + 'fpil' + 'ipii', [
    c.transA ? 1 : 0, c.transB ? 1 : 0, c.M, c.N, c.K, c.alpha ?? 1,
    c.A, c.lda, c.strideA ?? 0, c.B, c.ldb, c.strideB ?? 0,
    c.beta ?? 0, c.C, c.ldc, c.strideC ?? 0,
    c.nsum ?? 1, c.bias ?? 0, c.biasMode ?? 0, c.relu ? 1 : 0,
  ]);
}

function gemmKernelFor(M: number, N: number): { name: string; tile: number } {
  const r = rt();
  if (r.tf32 && (r.info.ccMajor ?? 0) >= 8) return { name: 'sgemm_tf32', tile: 64 };
  return M >= 128 && N >= 128 ? { name: 'sgemm_big', tile: 128 } : { name: 'sgemm', tile: 64 };
}

/** Thread blocks sgemm() launches per batch entry for an M × N output. */
export function gemmBlocks(M: number, N: number): number {
  const { tile } = gemmKernelFor(M, N);
  return Math.ceil(M / tile) * Math.ceil(N / tile);
}

export function matMulKernel(inputs: Tensor[], attrs: MatMulAttrs = {}): Tensor {
  const [a, b] = inputs, { transA = false, transB = false } = attrs;
  const cpu = () => cpuKernel(K.MatMul)(inputs, attrs) as Tensor;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return cpu();
  const aVec = a.rank === 1, bVec = b.rank === 1;
  const as = aVec ? [1, a.shape[0]] : a.shape, bs = bVec ? [b.shape[0], 1] : b.shape;
  const ar = as.length, br = bs.length;
  const M = transA ? as[ar - 1] : as[ar - 2], Ka = transA ? as[ar - 2] : as[ar - 1];
  const Kb = transB ? bs[br - 1] : bs[br - 2], N = transB ? bs[br - 2] : bs[br - 1];
  if (Ka !== Kb) return cpu(); // the CPU kernel throws the descriptive error
  const batch = broadcastShapes(as.slice(0, -2), bs.slice(0, -2));
  const nb = sizeOf(batch), na = sizeOf(as.slice(0, -2)), nbb = sizeOf(bs.slice(0, -2));
  // Each operand is either fully batched or a single matrix; partial broadcasts go to the CPU.
  if ((na !== nb && na !== 1) || (nbb !== nb && nbb !== 1) || M * N * nb === 0) return cpu();
  const shape = [...batch];
  if (!aVec) shape.push(M);
  if (!bVec) shape.push(N);
  const r = rt(), out = empty(r, 'float32', shape);
  if (Ka === 0) { r.addon.fill32(out.buf.ptr, 0, out.size); return out; }
  sgemm({
    transA, transB, M, N, K: Ka,
    A: ptrOf(r, a), lda: transA ? M : Ka, strideA: na === 1 ? 0 : M * Ka,
    B: ptrOf(r, b), ldb: transB ? Ka : N, strideB: nbb === 1 ? 0 : Ka * N,
    C: out.buf.ptr, ldc: N, strideC: M * N, batch: nb,
  });
  return out;
}

export function gemmKernel(inputs: Tensor[], attrs: GemmAttrs): Tensor {
  const [a, b, c] = inputs, { transA = false, transB = false, alpha = 1, beta = 1, activation } = attrs;
  if (!inputs.every((t) => !t || t.dtype === 'float32') || a.rank !== 2 || b.rank !== 2) return cpuKernel(K.Gemm)(inputs, attrs) as Tensor;
  const M = transA ? a.shape[1] : a.shape[0], Kd = transA ? a.shape[0] : a.shape[1];
  const N = transB ? b.shape[0] : b.shape[1], Kb = transB ? b.shape[1] : b.shape[0];
  if (Kd !== Kb || M * N === 0 || Kd === 0) return cpuKernel(K.Gemm)(inputs, attrs) as Tensor;
  const r = rt();
  const useC = !!c && beta !== 0;
  // A row-vector C with beta = 1 is a bias per column, added in the epilogue.
  const rowBias = useC && beta === 1 && c!.size === N && (c!.rank === 1 || c!.shape[0] === 1);
  const out = useC && !rowBias ? (expandKernel([c!], { shape: [M, N] }) as ReturnType<typeof empty>) : empty(r, 'float32', [M, N]);
  const C = useC && !rowBias ? out.buf.devicePtr() : out.buf.ptr;
  sgemm({
    transA, transB, M, N, K: Kd, alpha,
    A: ptrOf(r, a), lda: a.shape[1], B: ptrOf(r, b), ldb: b.shape[1],
    beta: useC && !rowBias ? beta : 0, C, ldc: N,
    bias: rowBias ? ptrOf(r, c!) : 0, biasMode: rowBias ? 2 : 0, relu: activation === 'Relu',
  });
  return out;
}
