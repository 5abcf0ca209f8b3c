// Training losses on the model's output, each returning the batch-mean loss, the gradient
// with respect to the output, and the number of correct predictions (classification).
//   cross-entropy: logits [N, C, …] with class indices [N, …] or probabilities [N, C, …]
//   mse:           mean((y − t)²) over all elements (PyTorch MSELoss)
//   bce:           binary cross-entropy with logits, mean over all elements

import { allocArray, sizeOf, Tensor } from '../engine/tensor';
import { softmaxXentNative } from '../engine/cpu/gemm';

export type LossName = 'cross-entropy' | 'mse' | 'bce';

export interface LossResult { loss: number; grad: Tensor; correct: number; count: number }

export function computeLoss(name: LossName, out: Tensor, target: Tensor): LossResult {
  switch (name) {
    case 'cross-entropy': return crossEntropy(out, target);
    case 'mse': return mse(out, target);
    case 'bce': return bce(out, target);
    default: throw new Error(`unknown loss "${name as string}" (cross-entropy, mse, bce)`);
  }
}

function crossEntropy(z: Tensor, t: Tensor): LossResult {
  if (z.rank < 2) throw new Error(`cross-entropy needs logits [N, C, …]; the model output has shape [${z.shape.join(',')}]`);
  const N = z.shape[0], C = z.shape[1], D = sizeOf(z.shape.slice(2)), rows = N * D;
  const Z = z.data, T = t.data, G = allocArray(z.dtype, z.size);
  const indices = t.size === rows;
  if (!indices && t.size !== z.size) throw new Error(`cross-entropy: targets [${t.shape.join(',')}] fit neither class indices [${[N, ...z.shape.slice(2)].join(',')}] nor probabilities [${z.shape.join(',')}]`);
  if (indices && D === 1 && Z instanceof Float32Array && T instanceof Float64Array && G instanceof Float32Array) {
    const out = new Float64Array(2), r = softmaxXentNative(Z, T, N, C, G, out);
    if (r !== null && r >= 0) throw new Error(`cross-entropy: label ${T[r]} outside [0, ${C})`);
    if (r !== null) return { loss: out[0] / rows, grad: new Tensor(z.dtype, z.shape, G), correct: out[1], count: rows };
  }
  let loss = 0, correct = 0;
  const p = new Float64Array(C);
  // element (n, c, d) is at (n·C + c)·D + d: index arithmetic inline (no closure per element)
  for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) {
    const base = n * C * D + d;
    let m = -Infinity, arg = 0;
    for (let c = 0, o = base; c < C; c++, o += D) if (Z[o] > m) { m = Z[o]; arg = c; }
    let s = 0;
    for (let c = 0, o = base; c < C; c++, o += D) { p[c] = Math.exp(Z[o] - m); s += p[c]; }
    const lse = m + Math.log(s);
    if (indices) {
      const k = T[n * D + d];
      if (k < 0 || k >= C) throw new Error(`cross-entropy: label ${k} outside [0, ${C})`);
      loss += lse - Z[base + k * D];
      for (let c = 0, o = base; c < C; c++, o += D) G[o] = (p[c] / s - (c === k ? 1 : 0)) / rows;
      if (arg === k) correct++;
    } else {
      let ts = 0, tArg = 0, tMax = -Infinity;
      for (let c = 0, o = base; c < C; c++, o += D) {
        const tv = T[o];
        ts += tv; loss -= tv * (Z[o] - lse);
        if (tv > tMax) { tMax = tv; tArg = c; }
      }
      for (let c = 0, o = base; c < C; c++, o += D) G[o] = ((p[c] / s) * ts - T[o]) / rows;
      if (arg === tArg) correct++;
    }
  }
  return { loss: loss / rows, grad: new Tensor(z.dtype, z.shape, G), correct, count: rows };
}

function checkSame(y: Tensor, t: Tensor, what: string) {
  if (y.size !== t.size) throw new Error(`${what}: targets [${t.shape.join(',')}] do not match the output [${y.shape.join(',')}]`);
}

function mse(y: Tensor, t: Tensor): LossResult {
  checkSame(y, t, 'mse');
  const n = y.size, G = allocArray(y.dtype, n);
  let s = 0;
  for (let i = 0; i < n; i++) { const d = y.data[i] - t.data[i]; s += d * d; G[i] = (2 * d) / n; }
  return { loss: s / n, grad: new Tensor(y.dtype, y.shape, G), correct: 0, count: 0 };
}

function bce(x: Tensor, t: Tensor): LossResult {
  checkSame(x, t, 'bce');
  const n = x.size, G = allocArray(x.dtype, n);
  let s = 0, correct = 0;
  for (let i = 0; i < n; i++) {
    const z = x.data[i], y = t.data[i];
    s += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
    const sig = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    G[i] = (sig - y) / n;
    if ((z > 0 ? 1 : 0) === (y >= 0.5 ? 1 : 0)) correct++;
  }
  return { loss: s / n, grad: new Tensor(x.dtype, x.shape, G), correct, count: n };
}
