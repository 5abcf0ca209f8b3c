// Fused optimizer updates on the GPU: parameters and optimizer state stay on the device and
// each parameter is updated by one kernel (native/cuda/kernels/optim.cu), with the CPU
// optimizers' arithmetic (training/optimizers.ts, PyTorch's rules).

import type { OptimizerConfig, OptimizerState } from '../../training/optimizers';
import { Tensor } from '../tensor';
import { DeviceTensor, hostCopyF32, ptrOf, upload, zerosOn } from './deviceTensor';
import { getRuntime } from './runtime';

interface State { buf?: DeviceTensor; m?: DeviceTensor; v?: DeviceTensor; step: number }

export class DeviceOptimizer {
  private state = new Map<string, State>();
  constructor(readonly config: OptimizerConfig) {}

  /**
   * Updates every parameter that has a gradient, in place on the device, and returns the
   * parameters as DeviceTensors (host tensors are uploaded once; store the result back).
   */
  step(params: Map<string, Tensor>, grads: Map<string, Tensor>, lr: number): Map<string, DeviceTensor> {
    const r = getRuntime(), out = new Map<string, DeviceTensor>();
    const c = this.config;
    for (const [name, p0] of params) {
      const p = p0 instanceof DeviceTensor ? p0 : upload(r, p0);
      out.set(name, p);
      const g = grads.get(name);
      if (!g) continue;
      let s = this.state.get(name);
      if (!s) { s = { step: 0 }; this.state.set(name, s); }
      const P = p.buf.devicePtr(), G = ptrOf(r, g), n = p.size;
      if (c.name === 'sgd') {
        const momentum = c.momentum ?? 0, first = !s.buf && momentum !== 0;
        if (first) s.buf = zerosOn(r, 'float32', [n]);
        r.launch1d('sgd_step', n, 'pppl' + 'ffffii', [P, G, s.buf ? s.buf.buf.ptr : 0, n, lr, momentum, c.dampening ?? 0,
          c.weightDecay ?? 0, c.nesterov ? 1 : 0, first ? 1 : 0]);
      } else {
        const decoupled = c.name === 'adamw';
        const [beta1, beta2] = c.betas ?? [0.9, 0.999];
        const eps = c.eps ?? 1e-8, wd = c.weightDecay ?? (decoupled ? 0.01 : 0);
        if (!s.m) { s.m = zerosOn(r, 'float32', [n]); s.v = zerosOn(r, 'float32', [n]); }
        const t = ++s.step;
        const f = Math.fround, stepSize = f(f(lr) / (1 - f(beta1) ** t)), bc2Sqrt = f(Math.sqrt(1 - f(beta2) ** t));
        r.launch1d('adam_step', n, 'ppppl' + 'fffffiff', [P, G, s.m.buf.ptr, s.v!.buf.ptr, n, lr, beta1, beta2, eps, wd,
          decoupled ? 1 : 0, stepSize, bc2Sqrt]);
      }
      p.buf.host = undefined; // the device copy is now the current one
    }
    return out;
  }

  /** The state in the CPU optimizers' form (torch's names), so checkpoints move between backends. */
  getState(): OptimizerState {
    const out: OptimizerState = {};
    for (const [name, s] of this.state) {
      if (s.m && s.v) out[name] = { exp_avg: hostCopyF32(s.m), exp_avg_sq: hostCopyF32(s.v), step: s.step };
      else if (s.buf) out[name] = { momentum_buffer: hostCopyF32(s.buf) };
    }
    return out;
  }

  setState(st: OptimizerState): void {
    const r = getRuntime(), dev = (a: Float32Array | number | undefined) =>
      a instanceof Float32Array ? upload(r, new Tensor('float32', [a.length], a)) : undefined;
    this.state = new Map(Object.entries(st).map(([name, s]) => [name, {
      buf: dev(s.momentum_buffer), m: dev(s.exp_avg), v: dev(s.exp_avg_sq), step: typeof s.step === 'number' ? s.step : 0,
    }]));
  }
}
