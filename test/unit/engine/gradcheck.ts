// Finite-difference gradient check for one op, in float64: builds a one-node graph, seeds
// the outputs with fixed random weights R (loss = Σ R·y), and compares the engine's backward
// with central differences of that loss.

import { Executor } from '../../../extension/engine/executor';
import { cpuBackend } from '../../../extension/engine/cpu/backend';
import type { EngineGraph } from '../../../extension/engine/graph';
import type { Attrs } from '../../../extension/engine/ops/op';
import { Rng } from '../../../extension/engine/rng';
import { isFloat, Tensor } from '../../../extension/engine/tensor';

export function rand(shape: number[], rng: Rng, lo = -1, hi = 1): Tensor {
  const t = Tensor.zeros('float64', shape);
  for (let i = 0; i < t.size; i++) t.data[i] = lo + (hi - lo) * rng.next();
  return t;
}

export function ints(shape: number[], values: number[]): Tensor {
  return Tensor.from('int64', shape, values);
}

export interface GradCheckOptions {
  opset?: number;
  training?: boolean;
  /** how many outputs the node declares (default 1) */
  outputs?: number;
  /** inputs to check (default: every float64 input) */
  wrt?: number[];
  h?: number;
  rtol?: number;
  atol?: number;
}

/** Returns a list of mismatches ("" when the check passes). */
export function gradCheck(opType: string, attrs: Attrs, inputs: (Tensor | undefined)[], o: GradCheckOptions = {}): string {
  const names = inputs.map((t, i) => (t ? `x${i}` : ''));
  const nOut = o.outputs ?? 1;
  const outNames = Array.from({ length: nOut }, (_, i) => `y${i}`);
  const graph: EngineGraph = {
    nodes: [{ name: 'n0', opType, domain: '', inputs: names, outputs: outNames, attrs }],
    inputs: names.filter((n) => n).map((name) => ({ name })),
    outputs: outNames, initializers: new Map(), params: new Set(), opset: o.opset ?? 18,
  };
  const ex = new Executor(graph, cpuBackend());
  const wrt = (o.wrt ?? inputs.map((t, i) => (t && isFloat(t.dtype) ? i : -1)).filter((i) => i >= 0)).map((i) => names[i]);
  const feeds = () => new Map(inputs.flatMap((t, i) => (t ? [[names[i], t] as [string, Tensor]] : [])));
  const run = (f: Map<string, Tensor>, grad: boolean) =>
    ex.forward(f, { training: o.training ?? false, rng: new Rng(7), wrt: grad ? wrt : [] });
  const tape = run(feeds(), true);
  const rng = new Rng(99);
  const seeds = new Map<string, Tensor>();
  for (const n of outNames) {
    const y = tape.values.get(n);
    if (y && isFloat(y.dtype)) seeds.set(n, rand(y.shape.slice(), rng));
  }
  const loss = (f: Map<string, Tensor>) => {
    const t = run(f, false);
    let s = 0;
    for (const [n, r] of seeds) { const y = t.values.get(n)!; for (let i = 0; i < y.size; i++) s += r.data[i] * y.data[i]; }
    return s;
  };
  const grads = ex.backward(tape, seeds);
  const h = o.h ?? 1e-6, rtol = o.rtol ?? 1e-5, atol = o.atol ?? 1e-7;
  const errors: string[] = [];
  for (const name of wrt) {
    const idx = names.indexOf(name), x = inputs[idx]!, g = grads.get(name);
    if (!g) { errors.push(`${name}: no gradient`); continue; }
    for (let i = 0; i < x.size; i++) {
      const plus = x.clone(), minus = x.clone();
      plus.data[i] += h; minus.data[i] -= h;
      const fp = feeds(); fp.set(name, plus);
      const fm = feeds(); fm.set(name, minus);
      const num = (loss(fp) - loss(fm)) / (2 * h);
      const ana = g.data[i];
      if (!(Math.abs(num - ana) <= atol + rtol * Math.abs(num))) {
        errors.push(`${name}[${i}]: analytic ${ana} numeric ${num}`);
        if (errors.length > 5) return errors.join('; ');
      }
    }
  }
  return errors.join('; ');
}
