// Data-movement kernels: Transpose, Concat, Slice, Pad, Gather, GatherElements, Resize and
// their gradients. Slice and Pad share one mechanism: per-dimension maps from an output
// coordinate to an input coordinate (or −1), applied forward as a gather and backward as a
// scatter-add.

import { allocArray, sizeOf, stridesOf, Tensor } from '../../tensor';

export function transposeKernel([x]: Tensor[], { perm }: { perm: number[] }): Tensor {
  const r = x.rank, shape = perm.map((p) => x.shape[p]);
  const xs = stridesOf(x.shape), src = perm.map((p) => xs[p]);
  const out = allocArray(x.dtype, x.size), X = x.data, n = x.size;
  if (r === 0 || n === 0) { out.set(X); return new Tensor(x.dtype, shape, out); }
  const inner = shape[r - 1], is = src[r - 1], idx = new Array<number>(r).fill(0);
  let p = 0;
  for (let o = 0; o < n; o += inner) {
    for (let j = 0, q = p; j < inner; j++, q += is) out[o + j] = X[q];
    for (let d = r - 2; d >= 0; d--) {
      idx[d]++; p += src[d];
      if (idx[d] < shape[d]) break;
      p -= src[d] * shape[d]; idx[d] = 0;
    }
  }
  return new Tensor(x.dtype, shape, out);
}

export function concatKernel(xs: Tensor[], { axis }: { axis: number }): Tensor {
  const shape = xs[0].shape.slice();
  shape[axis] = xs.reduce((s, t) => s + t.shape[axis], 0);
  const outer = sizeOf(shape.slice(0, axis)), inner = sizeOf(shape.slice(axis + 1));
  const out = allocArray(xs[0].dtype, sizeOf(shape)), row = shape[axis] * inner;
  let off = 0;
  for (const t of xs) {
    const w = t.shape[axis] * inner;
    for (let o = 0; o < outer; o++) out.set(t.data.subarray(o * w, o * w + w), o * row + off);
    off += w;
  }
  return new Tensor(xs[0].dtype, shape, out);
}

/** Flat input offset (or −1) for every output element, from per-dimension coordinate maps. */
function flatMap(inShape: readonly number[], maps: Int32Array[]): Int32Array {
  const outShape = maps.map((m) => m.length), n = sizeOf(outShape), r = maps.length;
  const st = stridesOf(inShape), res = new Int32Array(n);
  if (r === 0) { res[0] = 0; return res; }
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < n; o++) {
    let off = 0;
    for (let d = 0; d < r; d++) {
      const i = maps[d][idx[d]];
      if (i < 0) { off = -1; break; }
      off += i * st[d];
    }
    res[o] = off;
    for (let d = r - 1; d >= 0; d--) { if (++idx[d] < outShape[d]) break; idx[d] = 0; }
  }
  return res;
}

function gatherMapped(x: Tensor, maps: Int32Array[], fill: number): Tensor {
  const offs = flatMap(x.shape, maps), out = allocArray(x.dtype, offs.length), X = x.data;
  for (let i = 0; i < offs.length; i++) out[i] = offs[i] >= 0 ? X[offs[i]] : fill;
  return new Tensor(x.dtype, maps.map((m) => m.length), out);
}

function scatterMapped(dy: Tensor, xShape: number[], maps: Int32Array[]): Tensor {
  const offs = flatMap(xShape, maps), dX = allocArray(dy.dtype, sizeOf(xShape)), D = dy.data;
  for (let i = 0; i < offs.length; i++) if (offs[i] >= 0) dX[offs[i]] += D[i];
  return new Tensor(dy.dtype, xShape.slice(), dX);
}

/** Normalized slice per dimension (already clamped): start, step and output length. */
export interface SliceAttrs { starts: number[]; steps: number[]; sizes: number[] }

function sliceMaps({ starts, steps, sizes }: SliceAttrs): Int32Array[] {
  return sizes.map((n, d) => { const m = new Int32Array(n); for (let i = 0; i < n; i++) m[i] = starts[d] + i * steps[d]; return m; });
}

export const sliceKernel = ([x]: Tensor[], a: SliceAttrs) => gatherMapped(x, sliceMaps(a), 0);
export const sliceGradKernel = ([dy]: Tensor[], a: SliceAttrs & { xShape: number[] }) => scatterMapped(dy, a.xShape, sliceMaps(a));

export interface PadAttrs { pads: number[]; mode: 'constant' | 'reflect' | 'edge' | 'wrap'; value: number }

function padMaps(xShape: readonly number[], { pads, mode }: PadAttrs): Int32Array[] {
  const r = xShape.length;
  return xShape.map((n, d) => {
    const pb = pads[d], len = n + pb + pads[d + r], m = new Int32Array(Math.max(len, 0));
    for (let o = 0; o < len; o++) {
      let i = o - pb;
      if (i < 0 || i >= n) {
        if (mode === 'constant' || n === 0) i = -1;
        else if (mode === 'edge') i = i < 0 ? 0 : n - 1;
        else if (mode === 'wrap') i = ((i % n) + n) % n;
        else if (n === 1) i = 0;
        else { const p = 2 * (n - 1); i = ((i % p) + p) % p; if (i >= n) i = p - i; }
      }
      m[o] = i;
    }
    return m;
  });
}

export const padKernel = ([x]: Tensor[], a: PadAttrs) => gatherMapped(x, padMaps(x.shape, a), a.value);
export const padGradKernel = ([dy]: Tensor[], a: PadAttrs & { xShape: number[] }) => scatterMapped(dy, a.xShape, padMaps(a.xShape, a));

/** Gather along axis; indices are normalized (non-negative) by the op. */
export function gatherKernel([x, idx]: Tensor[], { axis }: { axis: number }): Tensor {
  const outer = sizeOf(x.shape.slice(0, axis)), A = x.shape[axis], inner = sizeOf(x.shape.slice(axis + 1));
  const shape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
  const I = idx.data, K = idx.size, out = allocArray(x.dtype, outer * K * inner), X = x.data;
  for (let o = 0; o < outer; o++) for (let k = 0; k < K; k++) {
    let i = I[k]; if (i < 0) i += A;
    if (i < 0 || i >= A) throw new Error(`Gather: index ${I[k]} out of range for axis of size ${A}`);
    const src = (o * A + i) * inner;
    out.set(X.subarray(src, src + inner), (o * K + k) * inner);
  }
  return new Tensor(x.dtype, shape, out);
}

export function gatherGradKernel([dy, idx]: Tensor[], { axis, xShape }: { axis: number; xShape: number[] }): Tensor {
  const outer = sizeOf(xShape.slice(0, axis)), A = xShape[axis], inner = sizeOf(xShape.slice(axis + 1));
  const I = idx.data, K = idx.size, dX = allocArray(dy.dtype, sizeOf(xShape)), D = dy.data;
  for (let o = 0; o < outer; o++) for (let k = 0; k < K; k++) {
    let i = I[k]; if (i < 0) i += A;
    const dst = (o * A + i) * inner, src = (o * K + k) * inner;
    for (let j = 0; j < inner; j++) dX[dst + j] += D[src + j];
  }
  return new Tensor(dy.dtype, xShape.slice(), dX);
}

function elementOffsets(xShape: readonly number[], idx: Tensor, axis: number): Int32Array {
  const r = idx.rank, st = stridesOf(xShape), n = idx.size, res = new Int32Array(n);
  const id = new Array<number>(r).fill(0), I = idx.data, A = xShape[axis];
  for (let o = 0; o < n; o++) {
    let off = 0;
    for (let d = 0; d < r; d++) {
      let c = id[d];
      if (d === axis) { c = I[o]; if (c < 0) c += A; if (c < 0 || c >= A) throw new Error(`GatherElements: index ${I[o]} out of range`); }
      off += c * st[d];
    }
    res[o] = off;
    for (let d = r - 1; d >= 0; d--) { if (++id[d] < idx.shape[d]) break; id[d] = 0; }
  }
  return res;
}

export function gatherElementsKernel([x, idx]: Tensor[], { axis }: { axis: number }): Tensor {
  const offs = elementOffsets(x.shape, idx, axis), out = allocArray(x.dtype, offs.length);
  for (let i = 0; i < offs.length; i++) out[i] = x.data[offs[i]];
  return new Tensor(x.dtype, idx.shape, out);
}

export function gatherElementsGradKernel([dy, idx]: Tensor[], { axis, xShape }: { axis: number; xShape: number[] }): Tensor {
  const offs = elementOffsets(xShape, idx, axis), dX = allocArray(dy.dtype, sizeOf(xShape));
  for (let i = 0; i < offs.length; i++) dX[offs[i]] += dy.data[i];
  return new Tensor(dy.dtype, xShape.slice(), dX);
}

export interface ResizeAttrs {
  outShape: number[];
  /** per-dimension scale (output/input) used by the coordinate transform */
  scales: number[];
  mode: 'nearest' | 'linear';
  coordinateTransformationMode: string;
  nearestMode: string;
}

/** Per dimension: two taps (i0, i1) and weight of i1 for each output coordinate. */
function resizeTaps(inShape: readonly number[], a: ResizeAttrs) {
  return inShape.map((n, d) => {
    const m = a.outShape[d], s = a.scales[d];
    const i0 = new Int32Array(m), i1 = new Int32Array(m), w1 = new Float64Array(m);
    for (let o = 0; o < m; o++) {
      let x: number;
      switch (a.coordinateTransformationMode) {
        case 'asymmetric': x = o / s; break;
        case 'align_corners': x = m === 1 ? 0 : (o * (n - 1)) / (m - 1); break;
        case 'pytorch_half_pixel': x = m > 1 ? (o + 0.5) / s - 0.5 : 0; break;
        case 'tf_half_pixel_for_nn': x = (o + 0.5) / s; break;
        default: x = (o + 0.5) / s - 0.5; // half_pixel
      }
      if (a.mode === 'nearest') {
        let i: number;
        switch (a.nearestMode) {
          case 'floor': i = Math.floor(x); break;
          case 'ceil': i = Math.ceil(x); break;
          case 'round_prefer_ceil': i = Math.round(x); break;
          default: i = x === Math.floor(x) + 0.5 ? Math.floor(x) : Math.round(x); // round_prefer_floor
        }
        i = Math.min(Math.max(i, 0), n - 1);
        i0[o] = i; i1[o] = i; w1[o] = 0;
      } else {
        x = Math.min(Math.max(x, 0), n - 1);
        const f = Math.floor(x);
        i0[o] = f; i1[o] = Math.min(f + 1, n - 1); w1[o] = x - f;
      }
    }
    return { i0, i1, w1 };
  });
}

function resizeWalk(inShape: readonly number[], a: ResizeAttrs, visit: (o: number, inOff: number, w: number) => void): void {
  const taps = resizeTaps(inShape, a), r = inShape.length, st = stridesOf(inShape);
  const n = sizeOf(a.outShape), idx = new Array<number>(r).fill(0), combos = 1 << r;
  for (let o = 0; o < n; o++) {
    for (let c = 0; c < combos; c++) {
      let off = 0, w = 1;
      for (let d = 0; d < r && w !== 0; d++) {
        const t = taps[d], hi = (c >> d) & 1;
        w *= hi ? t.w1[idx[d]] : 1 - t.w1[idx[d]];
        off += (hi ? t.i1[idx[d]] : t.i0[idx[d]]) * st[d];
      }
      if (w !== 0) visit(o, off, w);
    }
    for (let d = r - 1; d >= 0; d--) { if (++idx[d] < a.outShape[d]) break; idx[d] = 0; }
  }
}

export function resizeKernel([x]: Tensor[], a: ResizeAttrs): Tensor {
  const acc = new Float64Array(sizeOf(a.outShape)), X = x.data;
  resizeWalk(x.shape, a, (o, off, w) => { acc[o] += w * X[off]; });
  const out = allocArray(x.dtype, acc.length);
  out.set(acc);
  return new Tensor(x.dtype, a.outShape.slice(), out);
}

export function resizeGradKernel([dy]: Tensor[], a: ResizeAttrs & { xShape: number[] }): Tensor {
  const dX = allocArray(dy.dtype, sizeOf(a.xShape)), D = dy.data;
  resizeWalk(a.xShape, a, (o, off, w) => { dX[off] += w * D[o]; });
  return new Tensor(dy.dtype, a.xShape.slice(), dX);
}
