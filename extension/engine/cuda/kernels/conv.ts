// Convolution on CUDA: im2col (offset-table driven, any spatial rank) + batched SGEMM, with
// bias and ReLU fused into the GEMM epilogue; its input gradient (GEMM + col2im) and filter
// gradient (im2col + split-over-images GEMM + a sum over the splits).

import { K } from '../../kernelNames';
import { sizeOf, type Tensor } from '../../tensor';
import { convOutShape, offsetTable, type ConvAttrs, type ConvBackpropFilterAttrs, type ConvBackpropInputAttrs, type ConvGeometry } from '../../cpu/kernels/conv';
import { DeviceTensor, empty, ptrOf, zerosOn } from '../deviceTensor';
import type { CudaRuntime, DeviceBuffer } from '../runtime';
import { gemmBlocks, sgemm } from './matmul';
import { reduce3 } from './reduce';
import { allF32, cpuKernel, off, rt } from './util';

/** Largest im2col buffer, in floats; batches of images are split to stay under it. */
const COL_LIMIT = 128 * 2 ** 20;

interface Dims { N: number; C: number; M: number; Cg: number; Mg: number; KK: number; P: number; inSize: number; rows: number; inSp: number[]; outSp: number[]; kSp: number[] }

function dims(xShape: readonly number[], wShape: readonly number[], yShape: readonly number[], group: number): Dims {
  const kSp = wShape.slice(2), inSp = xShape.slice(2), outSp = yShape.slice(2);
  const Cg = wShape[1], KK = sizeOf(kSp);
  return { N: xShape[0], C: xShape[1], M: wShape[0], Cg, Mg: wShape[0] / group, KK, P: sizeOf(outSp), inSize: sizeOf(inSp), rows: Cg * KK, inSp, outSp, kSp };
}

function pointwise(D: Dims, g: ConvGeometry): boolean {
  return D.KK === 1 && g.strides.every((s) => s === 1) && g.pads.every((p) => p === 0) && D.inSize === D.P;
}

function tableFor(r: CudaRuntime, D: Dims, g: ConvGeometry): DeviceBuffer {
  const key = `${D.inSp}|${D.outSp}|${D.kSp}|${g.strides}|${g.pads}|${g.dilations}`;
  return r.table(key, () => offsetTable(D.inSp, D.outSp, D.kSp, g));
}

/** Images per im2col chunk. */
const chunkOf = (D: Dims) => Math.max(1, Math.min(D.N, Math.floor(COL_LIMIT / Math.max(1, D.rows * D.P))));

function im2col(r: CudaRuntime, x: number, col: number, table: DeviceBuffer, D: Dims, nImg: number): void {
  r.launch1d('im2col', nImg * D.rows * D.P, 'pppiiiilil', [x, col, table.ptr, nImg, D.Cg, D.KK, D.P, D.C * D.inSize, D.inSize, D.rows * D.P]);
}

export function convKernel(inputs: Tensor[], g: ConvAttrs): Tensor {
  const [x, w, bias] = inputs;
  if (!allF32([x, w, bias]) || x.shape[1] !== w.shape[1] * g.group || x.size === 0) return cpuKernel(K.Conv)(inputs, g) as Tensor;
  const yShape = convOutShape(x.shape, w.shape, g);
  const D = dims(x.shape, w.shape, yShape, g.group), r = rt();
  const y = empty(r, 'float32', yShape);
  const X = ptrOf(r, x), W = ptrOf(r, w), Bp = bias ? ptrOf(r, bias) : 0;
  const pw = pointwise(D, g), table = pw ? undefined : tableFor(r, D, g);
  const chunk = chunkOf(D), col = pw ? undefined : r.alloc(chunk * D.rows * D.P * 4);
  for (let n0 = 0; n0 < D.N; n0 += chunk) {
    const nImg = Math.min(chunk, D.N - n0);
    for (let gi = 0; gi < g.group; gi++) {
      const xg = off(X, (n0 * D.C + gi * D.Cg) * D.inSize);
      if (!pw) im2col(r, xg, col!.ptr, table!, D, nImg);
      sgemm({
        transA: false, transB: false, M: D.Mg, N: D.P, K: D.rows,
        A: off(W, gi * D.Mg * D.rows), lda: D.rows, strideA: 0,
        B: pw ? xg : col!.ptr, ldb: D.P, strideB: pw ? D.C * D.inSize : D.rows * D.P,
        C: off(y.buf.ptr, (n0 * D.M + gi * D.Mg) * D.P), ldc: D.P, strideC: D.M * D.P, batch: nImg,
        bias: Bp ? off(Bp, gi * D.Mg) : 0, biasMode: Bp ? 1 : 0, relu: g.activation === 'Relu',
      });
    }
  }
  return y;
}

export function convBackpropInputKernel(inputs: Tensor[], g: ConvBackpropInputAttrs): Tensor {
  const [dy, w] = inputs;
  if (!allF32([dy, w]) || dy.size === 0) return cpuKernel(K.ConvBackpropInput)(inputs, g) as Tensor;
  const D = dims(g.xShape, w.shape, dy.shape, g.group), r = rt();
  const pw = pointwise(D, g);
  const dx = pw ? empty(r, 'float32', g.xShape) : zerosOn(r, 'float32', g.xShape);
  const dY = ptrOf(r, dy), W = ptrOf(r, w), table = pw ? undefined : tableFor(r, D, g);
  const chunk = chunkOf(D), col = pw ? undefined : r.alloc(chunk * D.rows * D.P * 4);
  for (let n0 = 0; n0 < D.N; n0 += chunk) {
    const nImg = Math.min(chunk, D.N - n0);
    for (let gi = 0; gi < g.group; gi++) {
      const xg = off(dx.buf.ptr, (n0 * D.C + gi * D.Cg) * D.inSize);
      sgemm({
        transA: true, transB: false, M: D.rows, N: D.P, K: D.Mg,
        A: off(W, gi * D.Mg * D.rows), lda: D.rows, strideA: 0,
        B: off(dY, (n0 * D.M + gi * D.Mg) * D.P), ldb: D.P, strideB: D.M * D.P,
        C: pw ? xg : col!.ptr, ldc: D.P, strideC: pw ? D.C * D.inSize : D.rows * D.P, batch: nImg,
      });
      if (!pw) r.launch1d('col2im', nImg * D.rows * D.P, 'pppiiiilil', [col!.ptr, xg, table!.ptr, nImg, D.Cg, D.KK, D.P, D.C * D.inSize, D.inSize, D.rows * D.P]);
    }
  }
  return dx;
}

export function convBackpropFilterKernel(inputs: Tensor[], g: ConvBackpropFilterAttrs): Tensor {
  const [x, dy] = inputs;
  if (!allF32([x, dy]) || x.size === 0) return cpuKernel(K.ConvBackpropFilter)(inputs, g) as Tensor;
  const D = dims(x.shape, g.wShape, dy.shape, g.group), r = rt();
  const dw = zerosOn(r, 'float32', g.wShape);
  const X = ptrOf(r, x), dY = ptrOf(r, dy);
  const pw = pointwise(D, g), table = pw ? undefined : tableFor(r, D, g);
  const chunk = chunkOf(D), col = pw ? undefined : r.alloc(chunk * D.rows * D.P * 4);
  const tiles = gemmBlocks(D.Mg, D.rows);
  const sm = r.info.smCount ?? 80;
  const size = D.Mg * D.rows;
  for (let n0 = 0; n0 < D.N; n0 += chunk) {
    const nImg = Math.min(chunk, D.N - n0);
    // Split the images over grid z so small filters still fill the GPU: each split sums
    // nsum images into its own partial dW, then the partials are added up.
    const splits = Math.max(1, Math.min(nImg, Math.ceil((2 * sm) / tiles)));
    const nsum = Math.ceil(nImg / splits), full = Math.floor(nImg / nsum), rest = nImg - full * nsum;
    const parts = full + (rest ? 1 : 0);
    const partial = r.alloc(parts * size * 4);
    for (let gi = 0; gi < g.group; gi++) {
      const xg = off(X, (n0 * D.C + gi * D.Cg) * D.inSize);
      if (!pw) im2col(r, xg, col!.ptr, table!, D, nImg);
      const Bbase = pw ? xg : col!.ptr, strideB = pw ? D.C * D.inSize : D.rows * D.P;
      const dYg = off(dY, (n0 * D.M + gi * D.Mg) * D.P);
      const run = (first: number, batch: number, ns: number, C: number) => sgemm({
        transA: false, transB: true, M: D.Mg, N: D.rows, K: D.P,
        A: off(dYg, first * D.M * D.P), lda: D.P, strideA: D.M * D.P,
        B: off(Bbase, first * strideB), ldb: D.P, strideB,
        C, ldc: D.rows, strideC: size, batch, nsum: ns,
      });
      run(0, full, nsum, partial.ptr);
      if (rest) run(full * nsum, 1, rest, off(partial.ptr, full * size));
      const sum = reduce3(new DeviceTensor('float32', [parts * size], partial), 1, parts, size, 0);
      // dw[g] += Σ partials (accumulating over image chunks)
      r.launch1d('binary_flat', size, 'ipppli', [0, off(dw.buf.ptr, gi * size), sum.buf.ptr, off(dw.buf.ptr, gi * size), size, 0]);
    }
  }
  return dw;
}

