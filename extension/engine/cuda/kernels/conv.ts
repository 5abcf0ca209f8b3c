// Convolution on CUDA: im2col (offset-table driven, any spatial rank) + batched SGEMM, with
// bias and ReLU fused into the GEMM epilogue; its input gradient (GEMM + col2im) and filter
// gradient (im2col + split-over-images GEMM + a sum over the splits).
// Small feature maps (P < 128 output positions: a ResNet's later stages) would give one GEMM per
// image with outputs too narrow for the tiles (16 columns of 64 at 4×4), so there the images sit
// side by side in each im2col row and one GEMM spans them all; a strided copy (copy3) moves
// activations and gradients between the image-major and that channel-major layout.

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

/** Images side by side in the GEMMs (see the top of this file). */
const MERGE_BELOW_P = 128;
const merged = (D: Dims) => D.P < MERGE_BELOW_P;

/** col layout: per image [rows][P], or merged [rows][nImg·P]. */
function colStrides(D: Dims, nImg: number, merge: boolean): [number, number] {
  return merge ? [D.P, nImg * D.P] : [D.rows * D.P, D.P];
}

function im2col(r: CudaRuntime, x: number, col: number, table: DeviceBuffer, D: Dims, nImg: number, merge = false): void {
  r.launch1d('im2col', nImg * D.rows * D.P, 'pppiiiilill', [x, col, table.ptr, nImg, D.Cg, D.KK, D.P, D.C * D.inSize, D.inSize, ...colStrides(D, nImg, merge)]);
}

function col2im(r: CudaRuntime, col: number, x: number, table: DeviceBuffer, D: Dims, nImg: number, merge: boolean): void {
  r.launch1d('col2im', nImg * D.rows * D.P, 'pppiiiilill', [col, x, table.ptr, nImg, D.Cg, D.KK, D.P, D.C * D.inSize, D.inSize, ...colStrides(D, nImg, merge)]);
}

/**
 * Channels [c0, c0 + Mg) of nImg images of an [N][M][P] tensor ↔ a [Mg][nImg·P] matrix.
 * toMatrix: image-major → channel-major; else back, adding bias[c] and applying ReLU if given.
 */
function copy3(r: CudaRuntime, toMatrix: boolean, act: number, mat: number, D: Dims, nImg: number, bias = 0, relu = false): void {
  const img = D.M * D.P, row = nImg * D.P;
  const [src, dst, sA, sB, dA, dB] = toMatrix ? [act, mat, D.P, img, row, D.P] : [mat, act, row, D.P, D.P, img];
  r.launch1d('copy3', D.Mg * nImg * D.P, 'ppiiillllpi', [src, dst, D.Mg, nImg, D.P, sA, sB, dA, dB, bias, relu ? 1 : 0]);
}

export function convKernel(inputs: Tensor[], g: ConvAttrs): Tensor {
  const [x, w, bias] = inputs;
  if (!allF32([x, w, bias]) || x.shape[1] !== w.shape[1] * g.group || x.size === 0) return cpuKernel(K.Conv)(inputs, g) as Tensor;
  const yShape = convOutShape(x.shape, w.shape, g);
  const D = dims(x.shape, w.shape, yShape, g.group), r = rt();
  const y = empty(r, 'float32', yShape);
  const X = ptrOf(r, x), W = ptrOf(r, w), Bp = bias ? ptrOf(r, bias) : 0;
  if (merged(D)) {
    const table = tableFor(r, D, g), chunk = chunkOf(D);
    const col = r.alloc(chunk * D.rows * D.P * 4), out = r.alloc(D.Mg * chunk * D.P * 4);
    for (let n0 = 0; n0 < D.N; n0 += chunk) {
      const nImg = Math.min(chunk, D.N - n0), cols = nImg * D.P;
      for (let gi = 0; gi < g.group; gi++) {
        im2col(r, off(X, (n0 * D.C + gi * D.Cg) * D.inSize), col.ptr, table, D, nImg, true);
        sgemm({ transA: false, transB: false, M: D.Mg, N: cols, K: D.rows, A: off(W, gi * D.Mg * D.rows), lda: D.rows, B: col.ptr, ldb: cols, C: out.ptr, ldc: cols });
        copy3(r, false, off(y.buf.ptr, (n0 * D.M + gi * D.Mg) * D.P), out.ptr, D, nImg, Bp ? off(Bp, gi * D.Mg) : 0, g.activation === 'Relu');
      }
    }
    return y;
  }
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
  if (merged(D)) {
    const dx = zerosOn(r, 'float32', g.xShape), dY = ptrOf(r, dy), W = ptrOf(r, w), table = tableFor(r, D, g), chunk = chunkOf(D);
    const col = r.alloc(chunk * D.rows * D.P * 4), dmat = r.alloc(D.Mg * chunk * D.P * 4);
    for (let n0 = 0; n0 < D.N; n0 += chunk) {
      const nImg = Math.min(chunk, D.N - n0), cols = nImg * D.P;
      for (let gi = 0; gi < g.group; gi++) {
        copy3(r, true, off(dY, (n0 * D.M + gi * D.Mg) * D.P), dmat.ptr, D, nImg);
        sgemm({ transA: true, transB: false, M: D.rows, N: cols, K: D.Mg, A: off(W, gi * D.Mg * D.rows), lda: D.rows, B: dmat.ptr, ldb: cols, C: col.ptr, ldc: cols });
        col2im(r, col.ptr, off(dx.buf.ptr, (n0 * D.C + gi * D.Cg) * D.inSize), table, D, nImg, true);
      }
    }
    return dx;
  }
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
      if (!pw) col2im(r, col!.ptr, xg, table!, D, nImg, false);
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
  if (merged(D)) return filterGradMerged(r, D, g, X, dY, dw);
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

/**
 * The filter gradient with images side by side: dW[g] += dY'[g] (Mg × nImg·P) · col'ᵀ, K = nImg·P
 * split over images (grid z) so that small filters still fill the GPU, the splits then summed.
 */
function filterGradMerged(r: CudaRuntime, D: Dims, g: ConvBackpropFilterAttrs, X: number, dY: number, dw: DeviceTensor): DeviceTensor {
  const table = tableFor(r, D, g), chunk = chunkOf(D), size = D.Mg * D.rows;
  const col = r.alloc(chunk * D.rows * D.P * 4), dmat = r.alloc(D.Mg * chunk * D.P * 4);
  const sm = r.info.smCount ?? 80;
  for (let n0 = 0; n0 < D.N; n0 += chunk) {
    const nImg = Math.min(chunk, D.N - n0), cols = nImg * D.P;
    const splits = Math.max(1, Math.min(nImg, Math.ceil((2 * sm) / gemmBlocks(D.Mg, D.rows))));
    const per = Math.ceil(nImg / splits), full = Math.floor(nImg / per), rest = nImg - full * per;
    const parts = full + (rest ? 1 : 0);
    const partial = r.alloc(parts * size * 4);
    for (let gi = 0; gi < g.group; gi++) {
      im2col(r, off(X, (n0 * D.C + gi * D.Cg) * D.inSize), col.ptr, table, D, nImg, true);
      copy3(r, true, off(dY, (n0 * D.M + gi * D.Mg) * D.P), dmat.ptr, D, nImg);
      // split s: images [s·per, s·per + imgs) = columns [s·per·P, (s·per + imgs)·P) of both
      const run = (first: number, batch: number, imgs: number, C: number) => sgemm({
        transA: false, transB: true, M: D.Mg, N: D.rows, K: imgs * D.P,
        A: off(dmat.ptr, first * D.P), lda: cols, strideA: per * D.P,
        B: off(col.ptr, first * D.P), ldb: cols, strideB: per * D.P,
        C, ldc: D.rows, strideC: size, batch,
      });
      run(0, full, per, partial.ptr);
      if (rest) run(full * per, 1, rest, off(partial.ptr, full * size));
      const sum = reduce3(new DeviceTensor('float32', [parts * size], partial), 1, parts, size, 0);
      r.launch1d('binary_flat', size, 'ipppli', [0, off(dw.buf.ptr, gi * size), sum.buf.ptr, off(dw.buf.ptr, gi * size), size, 0]);
    }
  }
  return dw;
}
