// NaN/Inf checks through a backend's device-side checker (the CUDA backend's, played here by
// a stand-in over the CPU backend that takes chosen tensors and reads their flags later): the
// executor still names the first op whose output was not finite, reads the flags once per
// pass, and lets a failing host check defer to an earlier queued one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend, FiniteChecker } from '../../../extension/engine/backend';
import { cpuBackend } from '../../../extension/engine/cpu/backend';
import { Executor, NonFiniteError } from '../../../extension/engine/executor';
import type { EngineGraph } from '../../../extension/engine/graph';
import { Tensor } from '../../../extension/engine/tensor';

/** x → scale (Mul w) → the_log (Log) → act (Relu) → y: Log of a negative product is NaN. */
function graph(): EngineGraph {
  return {
    nodes: [
      { name: 'scale', opType: 'Mul', domain: '', inputs: ['x', 'w'], outputs: ['xw'], attrs: {} },
      { name: 'the_log', opType: 'Log', domain: '', inputs: ['xw'], outputs: ['lg'], attrs: {} },
      { name: 'act', opType: 'Relu', domain: '', inputs: ['lg'], outputs: ['y'], attrs: {} },
    ],
    inputs: [{ name: 'x' }], outputs: ['y'],
    initializers: new Map([['w', Tensor.from('float32', [2], [0.5, 2])]]), params: new Set(['w']), opset: 17,
  };
}

/** Takes the tensors whose position in the pass (0-based) is in `which`; counts flag reads. */
function standIn(which: (k: number) => boolean) {
  const stats = { reads: 0, taken: 0 };
  const backend: Backend = Object.assign(cpuBackend(), {
    finiteChecker(): FiniteChecker {
      const queued: Tensor[] = [];
      let seen = 0;
      return {
        take(t: Tensor) { if (!which(seen++)) return false; queued.push(t); stats.taken++; return true; },
        firstBad() { stats.reads++; return queued.findIndex((t) => Array.from(t.data as Float32Array).some((v) => !Number.isFinite(v))); },
      };
    },
  });
  return { backend, stats };
}

const x = (v: number) => Tensor.from('float32', [1, 2], [v, v]);

test('a deferred check names the first op that produced NaN, not a later one', () => {
  const { backend, stats } = standIn(() => true);
  const ex = new Executor(graph(), backend);
  assert.throws(() => ex.forward(new Map([['x', x(-1)]]), { checkFinite: true }), (e: unknown) => {
    assert.ok(e instanceof NonFiniteError);
    assert.equal(e.nodeName, 'the_log'); // act's output is NaN too, and comes later
    assert.equal(e.phase, 'forward');
    return true;
  });
  assert.equal(stats.reads, 1);
  assert.equal(stats.taken, 3);
});

test('a failing host check defers to an earlier queued tensor', () => {
  // only the_log's output (the second) is queued; act's is checked on the host and fails first
  const { backend } = standIn((k) => k === 1);
  const ex = new Executor(graph(), backend);
  assert.throws(() => ex.forward(new Map([['x', x(-1)]]), { checkFinite: true }), (e: unknown) => e instanceof NonFiniteError && e.nodeName === 'the_log');
});

test('finite passes read the flags once per pass; no check without checkFinite', () => {
  const { backend, stats } = standIn(() => true);
  const ex = new Executor(graph(), backend);
  const tape = ex.forward(new Map([['x', x(1)]]), { checkFinite: true, wrt: ['w'] });
  assert.equal(stats.reads, 1);
  const g = ex.backward(tape, new Map([['y', Tensor.from('float32', [1, 2], [1, 1])]]));
  assert.equal(stats.reads, 2);
  assert.ok(g.get('w'));
  ex.forward(new Map([['x', x(-1)]]), { checkFinite: false });
  assert.equal(stats.reads, 2);
});

test('backward: the first non-finite gradient is named', () => {
  // x = 0: Log'(0) = 1/0 = Inf in the_log's input gradient
  const { backend } = standIn(() => true);
  const ex = new Executor(graph(), backend);
  const tape = ex.forward(new Map([['x', Tensor.from('float32', [1, 2], [0, 1])]]), { checkFinite: false, wrt: ['w'] });
  tape.checkFinite = true;
  assert.throws(() => ex.backward(tape, new Map([['y', Tensor.from('float32', [1, 2], [1, 1])]])), (e: unknown) => {
    assert.ok(e instanceof NonFiniteError);
    assert.equal(e.phase, 'backward');
    return true;
  });
});
