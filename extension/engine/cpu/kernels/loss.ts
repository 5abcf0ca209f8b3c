// NegativeLogLikelihoodLoss over [N, C, d1…] log-probabilities (SoftmaxCrossEntropyLoss is
// LogSoftmax on axis 1 followed by this), and its gradient.

import { allocArray, sizeOf, Tensor } from '../../tensor';

export interface NllAttrs { reduction: 'mean' | 'sum' | 'none'; ignoreIndex?: number }

function geometry(shape: readonly number[]) {
  return { N: shape[0], C: shape[1], D: sizeOf(shape.slice(2)) };
}

function weightOf(w: Tensor | undefined, t: number, ignore: number | undefined): number {
  if (ignore !== undefined && t === ignore) return 0;
  return w ? w.data[t] : 1;
}

/** inputs [logp, target, weight?] → loss (scalar unless reduction = none: shape [N, d1…]) */
export function nllLossKernel([x, target, weight]: Tensor[], { reduction, ignoreIndex }: NllAttrs): Tensor {
  const { N, C, D } = geometry(x.shape), X = x.data, T = target.data;
  const per = new Float64Array(N * D);
  let wsum = 0;
  for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) {
    const t = T[n * D + d], w = weightOf(weight, t, ignoreIndex);
    if (w === 0 && ignoreIndex !== undefined && t === ignoreIndex) continue;
    if (t < 0 || t >= C) throw new Error(`NegativeLogLikelihoodLoss: target ${t} outside [0, ${C})`);
    per[n * D + d] = -X[(n * C + t) * D + d] * w;
    wsum += w;
  }
  if (reduction === 'none') {
    const out = allocArray(x.dtype, per.length);
    out.set(per);
    return new Tensor(x.dtype, target.shape, out);
  }
  let s = 0;
  for (let i = 0; i < per.length; i++) s += per[i];
  return Tensor.from(x.dtype, [], [reduction === 'mean' ? s / wsum : s]);
}

/** inputs [dloss, target, weight?] → dlogp of shape xShape */
export function nllLossGradKernel([dl, target, weight]: Tensor[], { reduction, ignoreIndex, xShape }: NllAttrs & { xShape: number[] }): Tensor {
  const { N, C, D } = geometry(xShape), T = target.data, G = dl.data;
  const dX = allocArray(dl.dtype, sizeOf(xShape));
  let scale = 1;
  if (reduction === 'mean') {
    let wsum = 0;
    for (let i = 0; i < N * D; i++) wsum += weightOf(weight, T[i], ignoreIndex);
    scale = 1 / wsum;
  }
  for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) {
    const t = T[n * D + d], w = weightOf(weight, t, ignoreIndex);
    if (w === 0) continue;
    const g = reduction === 'none' ? G[n * D + d] : G[0] * scale;
    dX[(n * C + t) * D + d] = -w * g;
  }
  return new Tensor(dl.dtype, xShape.slice(), dX);
}
