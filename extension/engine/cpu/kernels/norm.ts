// BatchNormalization, LayerNormalization and dropout masks.

import { allocArray, sizeOf, Tensor } from '../../tensor';
import { Rng } from '../../rng';

export interface BatchNormAttrs { epsilon: number; momentum: number; training: boolean; unbiasedRunningVar?: boolean }

/**
 * inputs [x, scale, bias, runMean, runVar]. Inference → [y]. Training → [y, newRunMean,
 * newRunVar, batchMean, batchInvStd] with ONNX's running update r·momentum + batch·(1−momentum).
 */
export function batchNormKernel([x, scale, bias, rm, rv]: Tensor[], a: BatchNormAttrs): Tensor[] {
  const N = x.shape[0], C = x.shape[1], S = sizeOf(x.shape.slice(2)), cnt = N * S;
  const X = x.data, Y = allocArray(x.dtype, x.size);
  const mean = new Float64Array(C), inv = new Float64Array(C);
  if (a.training) {
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let n = 0; n < N; n++) { const b = (n * C + c) * S; for (let i = 0; i < S; i++) s += X[b + i]; }
      const m = s / cnt;
      let v = 0;
      for (let n = 0; n < N; n++) { const b = (n * C + c) * S; for (let i = 0; i < S; i++) { const d = X[b + i] - m; v += d * d; } }
      mean[c] = m; inv[c] = v / cnt; // variance for now
    }
  } else for (let c = 0; c < C; c++) { mean[c] = rm.data[c]; inv[c] = rv.data[c]; }
  const variance = inv.slice();
  for (let c = 0; c < C; c++) inv[c] = 1 / Math.sqrt(inv[c] + a.epsilon);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
    const b = (n * C + c) * S, k = scale.data[c] * inv[c], m = mean[c], sh = bias.data[c];
    for (let i = 0; i < S; i++) Y[b + i] = (X[b + i] - m) * k + sh;
  }
  const y = new Tensor(x.dtype, x.shape, Y);
  if (!a.training) return [y];
  const nm = allocArray(rm.dtype, C), nv = allocArray(rv.dtype, C);
  const corr = a.unbiasedRunningVar && cnt > 1 ? cnt / (cnt - 1) : 1;
  for (let c = 0; c < C; c++) {
    nm[c] = rm.data[c] * a.momentum + mean[c] * (1 - a.momentum);
    nv[c] = rv.data[c] * a.momentum + variance[c] * corr * (1 - a.momentum);
  }
  const bm = allocArray(x.dtype, C), bi = allocArray(x.dtype, C);
  bm.set(mean); bi.set(inv);
  return [y, new Tensor(rm.dtype, [C], nm), new Tensor(rv.dtype, [C], nv), new Tensor(x.dtype, [C], bm), new Tensor(x.dtype, [C], bi)];
}

/**
 * inputs [dy, x, scale, mean, invStd] → [dx, dscale, dbias]. With training = true the
 * statistics are the batch's (and depend on x); otherwise they are constants.
 */
export function batchNormGradKernel([dy, x, scale, mean, invStd]: Tensor[], { training }: { training: boolean }): Tensor[] {
  const N = x.shape[0], C = x.shape[1], S = sizeOf(x.shape.slice(2)), cnt = N * S;
  const D = dy.data, X = x.data, dX = allocArray(x.dtype, x.size);
  const ds = allocArray(scale.dtype, C), db = allocArray(scale.dtype, C);
  for (let c = 0; c < C; c++) {
    const m = mean.data[c], r = invStd.data[c];
    let sd = 0, sdx = 0;
    for (let n = 0; n < N; n++) {
      const b = (n * C + c) * S;
      for (let i = 0; i < S; i++) { sd += D[b + i]; sdx += D[b + i] * (X[b + i] - m) * r; }
    }
    db[c] = sd; ds[c] = sdx;
    const k = scale.data[c] * r;
    for (let n = 0; n < N; n++) {
      const b = (n * C + c) * S;
      if (training) for (let i = 0; i < S; i++) dX[b + i] = (k / cnt) * (cnt * D[b + i] - sd - (X[b + i] - m) * r * sdx);
      else for (let i = 0; i < S; i++) dX[b + i] = k * D[b + i];
    }
  }
  return [new Tensor(x.dtype, x.shape, dX), new Tensor(scale.dtype, scale.shape, ds), new Tensor(scale.dtype, scale.shape, db)];
}

export interface LayerNormAttrs { axis: number; epsilon: number }

function expandTo(t: Tensor | undefined, inner: number): ArrayLike<number> | undefined {
  if (!t) return undefined;
  if (t.size === inner) return t.data;
  const out = new Float64Array(inner);
  for (let i = 0; i < inner; i++) out[i] = t.data[i % t.size];
  return out;
}

/** inputs [x, scale, bias?] → [y, mean, invStdDev]; normalizes over dims axis.. */
export function layerNormKernel([x, scale, bias]: Tensor[], { axis, epsilon }: LayerNormAttrs): Tensor[] {
  const outer = sizeOf(x.shape.slice(0, axis)), inner = sizeOf(x.shape.slice(axis));
  const X = x.data, Y = allocArray(x.dtype, x.size);
  const M = allocArray(x.dtype, outer), R = allocArray(x.dtype, outer);
  const Sc = expandTo(scale, inner)!, B = expandTo(bias, inner);
  for (let o = 0; o < outer; o++) {
    const b = o * inner;
    let s = 0;
    for (let i = 0; i < inner; i++) s += X[b + i];
    const m = s / inner;
    let v = 0;
    for (let i = 0; i < inner; i++) { const d = X[b + i] - m; v += d * d; }
    const r = 1 / Math.sqrt(v / inner + epsilon);
    M[o] = m; R[o] = r;
    for (let i = 0; i < inner; i++) Y[b + i] = (X[b + i] - m) * r * Sc[i] + (B ? B[i] : 0);
  }
  const statShape = x.shape.map((d, i) => (i < axis ? d : 1));
  return [new Tensor(x.dtype, x.shape, Y), new Tensor(x.dtype, statShape, M), new Tensor(x.dtype, statShape, R)];
}

/** inputs [dy, x, scale, mean, invStd] → [dx, dscale, dbias] (dscale/dbias over inner dims) */
export function layerNormGradKernel([dy, x, scale, mean, invStd]: Tensor[], { axis }: LayerNormAttrs): Tensor[] {
  const outer = sizeOf(x.shape.slice(0, axis)), inner = sizeOf(x.shape.slice(axis));
  const D = dy.data, X = x.data, dX = allocArray(x.dtype, x.size);
  const Sc = expandTo(scale, inner)!;
  const ds = new Float64Array(inner), db = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const b = o * inner, m = mean.data[o], r = invStd.data[o];
    let sg = 0, sgx = 0;
    for (let i = 0; i < inner; i++) {
      const xh = (X[b + i] - m) * r, g = D[b + i] * Sc[i];
      sg += g; sgx += g * xh;
      ds[i] += D[b + i] * xh; db[i] += D[b + i];
    }
    sg /= inner; sgx /= inner;
    for (let i = 0; i < inner; i++) {
      const xh = (X[b + i] - m) * r;
      dX[b + i] = r * (D[b + i] * Sc[i] - sg - xh * sgx);
    }
  }
  const sum = (a: Float64Array, t: Tensor) => {
    const out = allocArray(t.dtype, t.size);
    for (let i = 0; i < inner; i++) out[i % t.size] += a[i];
    return new Tensor(t.dtype, t.shape, out);
  };
  return [new Tensor(x.dtype, x.shape, dX), sum(ds, scale), sum(db, scale)];
}

/** Bernoulli keep-mask (1 = keep) with P(drop) = ratio, from a per-call seed. */
export function dropoutMaskKernel(_: Tensor[], { shape, ratio, seed }: { shape: number[]; ratio: number; seed: number }): Tensor {
  const rng = new Rng(seed), n = sizeOf(shape), m = new Uint8Array(n);
  for (let i = 0; i < n; i++) m[i] = rng.next() >= ratio ? 1 : 0;
  return new Tensor('bool', shape, m);
}
