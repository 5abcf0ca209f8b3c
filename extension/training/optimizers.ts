// Optimizers with PyTorch's exact update rules (torch.optim, single-tensor path). Each
// implements only its per-parameter step; state is float32 like PyTorch's and serializable
// for checkpoints.

import { adamStep, sgdStep } from '../engine/cpu/gemm';

export type OptimizerName = 'sgd' | 'adam' | 'adamw';

export interface OptimizerConfig {
  name: OptimizerName;
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
  betas?: [number, number];
  eps?: number;
}

export type OptimizerState = Record<string, Record<string, Float32Array | number>>;

export abstract class Optimizer {
  protected state: OptimizerState = {};
  private readonly normScratch = new Map<string, Float64Array>();
  constructor(readonly config: OptimizerConfig) {}

  /**
   * Update every parameter in place with the learning rate of this step. With `sums`,
   * each updated parameter's entry gets [Σ g², Σ p² after the update] (float64), taken in
   * the same fused pass (the arrays are reused from step to step: read them before the next).
   */
  step(params: Map<string, Float32Array>, grads: Map<string, Float32Array>, lr: number, sums?: Map<string, Float64Array>): void {
    for (const [name, p] of params) {
      const g = grads.get(name);
      if (!g) continue;
      let norms: Float64Array | undefined;
      if (sums) {
        norms = this.normScratch.get(name);
        if (!norms) { norms = new Float64Array(2); this.normScratch.set(name, norms); }
        sums.set(name, norms);
      }
      this.update(name, p, g, lr, (this.state[name] ??= {}), norms);
    }
  }

  /** `norms`, when given, receives [Σ g², Σ p² after the update]. */
  protected abstract update(name: string, p: Float32Array, g: Float32Array, lr: number, s: Record<string, Float32Array | number>, norms?: Float64Array): void;

  getState(): OptimizerState { return this.state; }
  setState(s: OptimizerState): void { this.state = s; }
}

const NO_BUFFER = new Float32Array(0);

// The updates run in one fused pass each (native addon, or its float32 JS fallback):
// see sgdStep / adamStep in engine/cpu/gemm.ts for the exact torch.optim arithmetic.

export class SGD extends Optimizer {
  protected update(_: string, p: Float32Array, g: Float32Array, lr: number, s: Record<string, Float32Array | number>, norms?: Float64Array): void {
    const { momentum = 0, dampening = 0, nesterov = false, weightDecay = 0 } = this.config;
    let buf = s.momentum_buffer as Float32Array | undefined;
    // first step: buf = d (no dampening), as torch.clone(d_p)
    const first = !buf && momentum !== 0;
    if (first) { buf = new Float32Array(p.length); s.momentum_buffer = buf; }
    sgdStep(p, g, buf ?? NO_BUFFER, { lr, momentum, dampening, weightDecay, nesterov }, first, norms);
  }
}

export class Adam extends Optimizer {
  constructor(config: OptimizerConfig, private readonly decoupled = false) { super(config); }

  protected update(_: string, p: Float32Array, g: Float32Array, lr: number, s: Record<string, Float32Array | number>, norms?: Float64Array): void {
    const [beta1, beta2] = this.config.betas ?? [0.9, 0.999];
    const eps = this.config.eps ?? 1e-8;
    const weightDecay = this.config.weightDecay ?? (this.decoupled ? 0.01 : 0);
    if (!s.exp_avg) { s.exp_avg = new Float32Array(p.length); s.exp_avg_sq = new Float32Array(p.length); s.step = 0; }
    const t = (s.step as number) + 1;
    s.step = t;
    // torch: exp_avg.lerp_(grad, 1 − β1); exp_avg_sq·β2 + (1 − β2)·g²; p −= lr/bc1 · m / (√v/√bc2 + eps)
    adamStep(p, g, s.exp_avg as Float32Array, s.exp_avg_sq as Float32Array,
      { lr, beta1, beta2, eps, weightDecay, decoupled: this.decoupled }, t, norms);
  }
}

export function makeOptimizer(c: OptimizerConfig): Optimizer {
  switch (c.name) {
    case 'sgd': return new SGD(c);
    case 'adam': return new Adam(c, false);
    case 'adamw': return new Adam(c, true);
    default: throw new Error(`unknown optimizer "${c.name as string}" (sgd, adam, adamw)`);
  }
}
