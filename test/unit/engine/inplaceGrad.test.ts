// A backward may overwrite an output gradient only when the executor marks it as that
// backward's alone (BackwardArgs.dyOwned): the ReLU mask then runs in place. These tests pin
// down when that may happen and that nothing shared is ever changed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import type { Backend } from '../../../extension/engine/backend';
import { cpuBackend } from '../../../extension/engine/cpu/backend';
import { Executor } from '../../../extension/engine/executor';
import type { KernelName } from '../../../extension/engine/kernelNames';
import type { Tensor } from '../../../extension/engine/tensor';
import { graph, node, values } from './handGraph';

/** The CPU backend, recording the inPlace hint of every UnaryGrad call (or turning it off). */
function recording(never = false): { backend: Backend; inPlace: boolean[] } {
  const inner = cpuBackend(), inPlace: boolean[] = [];
  const backend: Backend = {
    name: inner.name, threads: inner.threads,
    run(k: KernelName, i: Tensor[], a?: object) {
      if (k === 'UnaryGrad') inPlace.push(!!(a as { inPlace?: boolean }).inPlace);
      return inner.run(k, i, k === 'UnaryGrad' && never ? { ...a, inPlace: false } : a);
    },
    runMulti: (k: KernelName, i: Tensor[], a?: object) => inner.runMulti(k, i, a),
  };
  return { backend, inPlace };
}

describe('gradients overwritten in place', () => {
  test('a gradient two branches share is never masked in place while the other still needs it', () => {
    // s = relu(p) + relu(q); y = s * c: Add hands the same gradient to both ReLUs
    const p = values([4, 6], 1), q = values([4, 6], 2), c = values([4, 6], 3);
    const g = graph([
      node('rp', 'Relu', ['p'], ['a']), node('rq', 'Relu', ['q'], ['b']),
      node('add', 'Add', ['a', 'b'], ['s']), node('mul', 'Mul', ['s', 'c'], ['y']),
      node('use', 'Add', ['y', 'x'], ['out']),
    ], { p, q, c }, ['out']);
    const ex = new Executor(g, cpuBackend());
    const tape = ex.forward({ x: values([4, 6], 4) }, { training: true, wrt: ['p', 'q'] });
    const seed = values([4, 6], 5);
    const grads = ex.backward(tape, new Map([['out', seed]]));
    for (const [name, x] of [['p', p], ['q', q]] as const) {
      const got = grads.get(name)!.data;
      for (let i = 0; i < x.size; i++) {
        const want = x.data[i] > 0 ? Math.fround(seed.data[i] * c.data[i]) : 0;
        assert.equal(got[i], want, `d${name}[${i}]`);
      }
    }
  });

  test('seeds and forward values are left as they were', () => {
    // the graph's output is a Relu (its gradient is the caller's seed), and a Relu whose output is used twice
    const g = graph([
      node('fc', 'Gemm', ['x', 'w', 'b'], ['h'], { transB: 1 }), node('r', 'Relu', ['h'], ['a']),
      node('sq', 'Mul', ['a', 'a'], ['m']), node('r2', 'Relu', ['m'], ['y']),
    ], { w: values([5, 3], 1), b: values([5], 2) }, ['y']);
    for (const fuse of [false, true]) {
      const ex = new Executor(g, cpuBackend());
      const tape = ex.forward({ x: values([4, 3], 3) }, { training: true, wrt: ['w', 'b'], fuse });
      const before = new Map([...tape.values].map(([k, t]) => [k, Array.from(t.data)]));
      const seed = values([4, 5], 4), seedBefore = Array.from(seed.data);
      ex.backward(tape, new Map([['y', seed]]));
      assert.deepEqual(Array.from(seed.data), seedBefore, `seed (fuse ${fuse})`);
      for (const [k, t] of tape.values) assert.deepEqual(Array.from(t.data), before.get(k), `forward value ${k} (fuse ${fuse})`);
    }
  });

  test('a fused Gemm→Relu masks its own gradient in place, and the parameter gradients match the copying path', () => {
    const g = graph([
      node('fc1', 'Gemm', ['x', 'w1', 'b1'], ['h1'], { transB: 1 }), node('r1', 'Relu', ['h1'], ['a1']),
      node('fc2', 'Gemm', ['a1', 'w2', 'b2'], ['y'], { transB: 1 }),
    ], { w1: values([16, 12], 1), b1: values([16], 2), w2: values([3, 16], 3), b2: values([3], 4) }, ['y']);
    const x = values([8, 12], 5), seed = values([8, 3], 6), wrt = [...g.params];
    const { backend, inPlace } = recording();
    const ex = new Executor(g, backend);
    const got = ex.backward(ex.forward({ x }, { training: true, wrt, fuse: true }), new Map([['y', seed]]));
    assert.deepEqual(inPlace, [true], 'the mask ran in place');
    // the same step with the mask written to a new array
    const ref = new Executor(g, recording(true).backend);
    const want = ref.backward(ref.forward({ x }, { training: true, wrt, fuse: true }), new Map([['y', seed]]));
    for (const p of wrt) assert.deepEqual(Array.from(got.get(p)!.data), Array.from(want.get(p)!.data), p);
  });
});
