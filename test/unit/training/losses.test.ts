// The training losses: cross-entropy on the native path (class indices, [N, C] logits) gives
// bit-identical loss, gradient and accuracy to the JS loop, and both reject bad labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { nativeGemmAvailable, setGemmBackend } from '../../../extension/engine/cpu/gemm';
import { Rng } from '../../../extension/engine/rng';
import { Tensor } from '../../../extension/engine/tensor';
import { computeLoss } from '../../../extension/training/losses';

function logits(N: number, C: number, seed: number): Tensor {
  const r = new Rng(seed);
  const z = Float32Array.from({ length: N * C }, () => (r.next() - 0.5) * 20);
  z[3] = z[4]; // a tie: the first maximum counts
  return new Tensor('float32', [N, C], z);
}
const labels = (N: number, C: number) => Tensor.from('int64', [N], Array.from({ length: N }, (_, i) => (i * 7) % C));

test('cross-entropy: native and JS give identical loss, gradient and accuracy', { skip: !nativeGemmAvailable() && 'native addon unavailable' }, () => {
  for (const [N, C] of [[256, 10], [3, 1], [17, 300]]) {
    const z = logits(N, C, N + C), y = labels(N, C);
    const a = computeLoss('cross-entropy', z, y);
    setGemmBackend('js');
    try {
      const b = computeLoss('cross-entropy', z, y);
      assert.equal(a.loss, b.loss, `loss ${N}x${C}`);
      assert.equal(a.correct, b.correct);
      assert.deepEqual(a.grad.data, b.grad.data);
    } finally { setGemmBackend('auto'); }
    assert.ok(Number.isFinite(a.loss) && a.loss >= 0);
  }
});

test('cross-entropy: a label outside [0, C) is an error naming it (native and JS)', () => {
  const z = logits(4, 3, 1), y = Tensor.from('int64', [4], [0, 1, 3, 2]);
  assert.throws(() => computeLoss('cross-entropy', z, y), /label 3 outside \[0, 3\)/);
  setGemmBackend('js');
  try { assert.throws(() => computeLoss('cross-entropy', z, y), /label 3 outside \[0, 3\)/); } finally { setGemmBackend('auto'); }
});
