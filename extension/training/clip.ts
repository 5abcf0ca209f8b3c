// Gradient clipping by global L2 norm, as torch.nn.utils.clip_grad_norm_: scale every
// gradient by max/(total + 1e-6) when that is below 1. Returns the total norm before clipping.

import { sumSquares } from '../engine/cpu/gemm';

/** The factor clip_grad_norm_ scales every gradient by (below 1 only when clipping). */
export function clipCoefficient(totalNorm: number, maxNorm: number): number {
  return maxNorm / (totalNorm + 1e-6);
}

export function clipGradNorm(grads: Map<string, Float32Array>, maxNorm: number): number {
  let total = 0;
  for (const g of grads.values()) total += sumSquares(g);
  total = Math.sqrt(total);
  const coef = clipCoefficient(total, maxNorm);
  if (coef < 1) {
    for (const [name, g] of grads) {
      const c = new Float32Array(g.length);
      for (let i = 0; i < g.length; i++) c[i] = g[i] * coef;
      grads.set(name, c);
    }
  }
  return total;
}
