// Optimizers with PyTorch's exact update rules (torch.optim, single-tensor path). Each
// implements only its per-parameter step; state is float32 like PyTorch's and serializable
// for checkpoints.

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
  constructor(readonly config: OptimizerConfig) {}

  /** Update every parameter in place with the learning rate of this step. */
  step(params: Map<string, Float32Array>, grads: Map<string, Float32Array>, lr: number): void {
    for (const [name, p] of params) {
      const g = grads.get(name);
      if (g) this.update(name, p, g, lr, (this.state[name] ??= {}));
    }
  }

  protected abstract update(name: string, p: Float32Array, g: Float32Array, lr: number, s: Record<string, Float32Array | number>): void;

  getState(): OptimizerState { return this.state; }
  setState(s: OptimizerState): void { this.state = s; }
}

export class SGD extends Optimizer {
  protected update(_: string, p: Float32Array, g: Float32Array, lr: number, s: Record<string, Float32Array | number>): void {
    const { momentum = 0, dampening = 0, nesterov = false, weightDecay = 0 } = this.config;
    let buf = s.momentum_buffer as Float32Array | undefined;
    const first = !buf && momentum !== 0;
    if (first) { buf = new Float32Array(p.length); s.momentum_buffer = buf; }
    for (let i = 0; i < p.length; i++) {
      let d = Math.fround(weightDecay !== 0 ? g[i] + weightDecay * p[i] : g[i]);
      if (momentum !== 0) {
        // first step: buf = d (no dampening), as torch.clone(d_p)
        buf![i] = first ? d : Math.fround(momentum * buf![i] + (1 - dampening) * d);
        d = nesterov ? Math.fround(d + momentum * buf![i]) : buf![i];
      }
      p[i] = p[i] - lr * d;
    }
  }
}

export class Adam extends Optimizer {
  constructor(config: OptimizerConfig, private readonly decoupled = false) { super(config); }

  protected update(_: string, p: Float32Array, g: Float32Array, lr: number, s: Record<string, Float32Array | number>): void {
    const [b1, b2] = this.config.betas ?? [0.9, 0.999];
    const eps = this.config.eps ?? 1e-8;
    const wd = this.config.weightDecay ?? (this.decoupled ? 0.01 : 0);
    if (!s.exp_avg) { s.exp_avg = new Float32Array(p.length); s.exp_avg_sq = new Float32Array(p.length); s.step = 0; }
    const m = s.exp_avg as Float32Array, v = s.exp_avg_sq as Float32Array;
    const t = (s.step as number) + 1;
    s.step = t;
    const bc1 = 1 - b1 ** t, bc2 = 1 - b2 ** t;
    const stepSize = lr / bc1, bc2Sqrt = Math.sqrt(bc2);
    for (let i = 0; i < p.length; i++) {
      let gi = g[i];
      if (this.decoupled) p[i] = p[i] * (1 - lr * wd);
      else if (wd !== 0) gi = Math.fround(gi + wd * p[i]);
      m[i] = Math.fround(m[i] + (gi - m[i]) * (1 - b1)); // torch: exp_avg.lerp_(grad, 1 − β1)
      v[i] = Math.fround(v[i] * b2 + (1 - b2) * gi * gi);
      const denom = Math.fround(Math.sqrt(v[i]) / bc2Sqrt + eps);
      p[i] = p[i] - stepSize * (m[i] / denom);
    }
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
