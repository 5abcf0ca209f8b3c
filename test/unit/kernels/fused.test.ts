// Fused optimizer helpers: the JS fallback follows PyTorch's update rules in
// float32, and the native version gives bit-identical results (same operation
// order, no fused multiply-add), over several steps and hyper-parameters.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  adamStep, biasAct, colSums, firstNonFiniteIndex, nativeGemmAvailable, reluGrad, gemmBackendInfo, setGemmBackend, setGemmThreads, sgdStep, sumSquares, type AdamHyper, type SgdHyper,
} from '../../../extension/engine/cpu/gemm';

function values(n: number, seed: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(seed * 12.9898 + i * 78.233) * scale;
  return a;
}

const N = 1037; // odd, so vector loops have a tail

/** Textbook PyTorch SGD in float64, for a loose check of the rule itself. */
function sgdReference(p: number[], gs: number[][], h: SgdHyper): number[] {
  const mu = h.momentum ?? 0, damp = h.dampening ?? 0, wd = h.weightDecay ?? 0;
  let buf: number[] | undefined;
  for (const g of gs) {
    const d = g.map((gi, i) => gi + wd * p[i]);
    let step = d;
    if (mu !== 0) {
      buf = buf ? buf.map((b, i) => mu * b + (1 - damp) * d[i]) : d.slice();
      step = h.nesterov ? d.map((di, i) => di + mu * buf![i]) : buf;
    }
    p = p.map((pi, i) => pi - h.lr * step[i]);
  }
  return p;
}

function adamReference(p: number[], gs: number[][], h: AdamHyper): number[] {
  const b1 = h.beta1 ?? 0.9, b2 = h.beta2 ?? 0.999, eps = h.eps ?? 1e-8, wd = h.weightDecay ?? 0;
  let m = p.map(() => 0), v = p.map(() => 0);
  gs.forEach((g0, k) => {
    const t = k + 1;
    if (h.decoupled) p = p.map((pi) => pi * (1 - h.lr * wd));
    const g = h.decoupled ? g0 : g0.map((gi, i) => gi + wd * p[i]);
    m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]);
    v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i] * g[i]);
    p = p.map((pi, i) => pi - (h.lr / (1 - b1 ** t)) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(1 - b2 ** t) + eps));
  });
  return p;
}

const SGD_CASES: SgdHyper[] = [
  { lr: 0.1 },
  { lr: 0.1, weightDecay: 1e-4 },
  { lr: 0.05, momentum: 0.9 },
  { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-4 },
  { lr: 0.05, momentum: 0.9, weightDecay: 1e-4, nesterov: true },
];
const ADAM_CASES: AdamHyper[] = [
  { lr: 0.01, decoupled: false },
  { lr: 0.01, weightDecay: 0.01, decoupled: false },
  { lr: 0.01, weightDecay: 0.01, decoupled: true },
  { lr: 1e-3, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1, decoupled: true },
];

function runSgd(h: SgdHyper, steps: number): Float32Array {
  const p = values(N, 1), buf = new Float32Array(N);
  for (let k = 0; k < steps; k++) sgdStep(p, values(N, 10 + k, 0.5), buf, h, k === 0);
  return p;
}

function runAdam(h: AdamHyper, steps: number): Float32Array {
  const p = values(N, 1), m = new Float32Array(N), v = new Float32Array(N);
  for (let k = 0; k < steps; k++) adamStep(p, values(N, 10 + k, 0.5), m, v, h, k + 1);
  return p;
}

function close(got: Float32Array, want: number[], rtol: number, what: string): void {
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= rtol * (Math.abs(want[i]) + 0.1))) assert.fail(`${what}: [${i}] ${got[i]} vs ${want[i]}`);
  }
}

function withBackend<T>(which: 'js' | 'auto', fn: () => T): T {
  setGemmBackend(which);
  try { return fn(); } finally { setGemmBackend('auto'); }
}

describe('fused optimizer helpers', () => {
  const gs = (steps: number) => Array.from({ length: steps }, (_, k) => [...values(N, 10 + k, 0.5)]);

  test('JS SGD follows PyTorch\'s rule', () => {
    for (const h of SGD_CASES) close(withBackend('js', () => runSgd(h, 5)), sgdReference([...values(N, 1)], gs(5), h), 1e-5, JSON.stringify(h));
  });
  test('JS Adam / AdamW follow PyTorch\'s rule', () => {
    for (const h of ADAM_CASES) close(withBackend('js', () => runAdam(h, 5)), adamReference([...values(N, 1)], gs(5), h), 1e-4, JSON.stringify(h));
  });
  test('native SGD and Adam are bit-identical to the JS fallback', { skip: !nativeGemmAvailable() && 'native addon unavailable' }, () => {
    for (const h of SGD_CASES) assert.deepEqual(withBackend('auto', () => runSgd(h, 5)), withBackend('js', () => runSgd(h, 5)), JSON.stringify(h));
    for (const h of ADAM_CASES) assert.deepEqual(withBackend('auto', () => runAdam(h, 5)), withBackend('js', () => runAdam(h, 5)), JSON.stringify(h));
  });
  test('sumSquares on both backends', () => {
    const x = values(N, 3, 2);
    let want = 0;
    for (const v of x) want += v * v;
    for (const b of ['js', 'auto'] as const) {
      const got = withBackend(b, () => sumSquares(x));
      assert.ok(Math.abs(got - want) <= 1e-12 * want, `${b}: ${got} vs ${want}`);
      assert.equal(withBackend(b, () => sumSquares(new Float32Array(0))), 0);
    }
  });
  test('firstNonFiniteIndex: the first NaN or ±Inf, none among finite extremes, on both backends', () => {
    const extremes = [3.4028234663852886e38, -3.4028234663852886e38, 1e-45, -1e-45, -0, 0];
    for (const n of [0, 1, 31, 32, 33, 255, 256, 257, 1037, 4096]) {
      const clean = values(n, 5, 10);
      extremes.forEach((v, i) => { if (i < n) clean[(i * 97) % n] = v; });
      for (const b of ['js', 'auto'] as const) assert.equal(withBackend(b, () => firstNonFiniteIndex(clean)), -1, `${b} n=${n}`);
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (const at of [0, 31, 32, 33, 255, 256, n - 1].filter((k) => k >= 0 && k < n)) {
          const x = clean.slice();
          x[at] = bad;
          if (at + 40 < n) x[at + 40] = NaN; // a later one does not hide the first
          for (const b of ['js', 'auto'] as const) assert.equal(withBackend(b, () => firstNonFiniteIndex(x)), at, `${b} n=${n} ${bad} at ${at}`);
        }
      }
    }
  });
  test('steps with norms: same update, Σ g² of the given gradient and Σ p² after it, any thread count', () => {
    // sizes below, at and well above the block/grain sizes of the native pass
    for (const n of [N, 4096, 4096 * 3 + 5, 200_003]) {
      const g = values(n, 7, 0.5), p0 = values(n, 8);
      const run = (b: 'js' | 'auto', threads: number) => withBackend(b, () => {
        const old = gemmBackendInfo().threads;
        setGemmThreads(threads);
        try {
          const out: Float32Array[] = [], sums: number[] = [];
          for (const h of SGD_CASES) {
            const p = p0.slice(), q = p0.slice(), buf = new Float32Array(n), buf2 = new Float32Array(n), norms = new Float64Array(2);
            sgdStep(p, g, buf, h, true, norms);
            sgdStep(q, g, buf2, h, true);
            assert.deepEqual(p, q, 'norms must not change the update');
            assert.ok(Math.abs(norms[0] - sumSquares(g)) <= 1e-12 * norms[0], `${b} Σg² ${JSON.stringify(h)}`);
            assert.ok(Math.abs(norms[1] - sumSquares(p)) <= 1e-12 * norms[1], `${b} Σp² ${JSON.stringify(h)}`);
            out.push(p); sums.push(norms[0], norms[1]);
          }
          for (const h of ADAM_CASES) {
            const p = p0.slice(), q = p0.slice(), norms = new Float64Array(2);
            const ms = [new Float32Array(n), new Float32Array(n), new Float32Array(n), new Float32Array(n)];
            adamStep(p, g, ms[0], ms[1], h, 1, norms);
            adamStep(q, g, ms[2], ms[3], h, 1);
            assert.deepEqual(p, q, 'norms must not change the update');
            assert.ok(Math.abs(norms[0] - sumSquares(g)) <= 1e-12 * norms[0], `${b} Σg² ${JSON.stringify(h)}`);
            assert.ok(Math.abs(norms[1] - sumSquares(p)) <= 1e-12 * norms[1], `${b} Σp² ${JSON.stringify(h)}`);
            out.push(p); sums.push(norms[0], norms[1]);
          }
          return { out, sums };
        } finally { setGemmThreads(old); }
      });
      const js = run('js', 1);
      if (!nativeGemmAvailable()) continue;
      const one = run('auto', 1), four = run('auto', 4);
      assert.deepEqual(one.out, js.out, `native vs JS updates, n=${n}`);
      assert.deepEqual(four.sums, one.sums, `native norms must not depend on the thread count, n=${n}`);
    }
  });
  test('mismatched lengths throw RangeError on both backends', () => {
    for (const b of ['js', 'auto'] as const) {
      withBackend(b, () => {
        assert.throws(() => sgdStep(new Float32Array(4), new Float32Array(3), new Float32Array(4), { lr: 1, momentum: 0.9 }, true), RangeError);
        assert.throws(() => adamStep(new Float32Array(4), new Float32Array(4), new Float32Array(4), new Float32Array(2), { lr: 1, decoupled: true }, 1), RangeError);
      });
    }
  });
});

describe('fused layer helpers', () => {
  for (const backend of ['js', 'auto'] as const) {
    test(`biasAct, reluGrad and colSums (${backend === 'js' ? 'JS' : 'default backend'})`, () => withBackend(backend, () => {
      const M = 5, N = 7, ldc = 9, off = 2;
      const C0 = values(off + M * ldc, 5), bias = values(N, 6);
      for (const [b, relu] of [[bias, true], [bias, false], [null, true]] as const) {
        const C = C0.slice();
        biasAct(C, off, M, N, ldc, b, relu);
        for (let k = 0; k < C.length; k++) {
          const i = Math.floor((k - off) / ldc), j = (k - off) % ldc;
          const inside = k >= off && i < M && j < N;
          let want = C0[k];
          if (inside) {
            want = b ? Math.fround(C0[k] + b[j]) : C0[k];
            if (relu && want < 0) want = 0;
          }
          assert.equal(C[k], want, `k=${k} bias=${!!b} relu=${relu}`);
        }
      }
      const dy = values(N * 3, 7), y = values(N * 3, 8), dx = new Float32Array(N * 3);
      reluGrad(dy, y, dx);
      dx.forEach((v, i) => assert.equal(v, y[i] > 0 ? dy[i] : 0));
      const out = new Float32Array(N).fill(1);
      colSums(C0, off, M, N, ldc, out, 0.5);
      for (let j = 0; j < N; j++) {
        let s = Math.fround(0.5);
        for (let i = 0; i < M; i++) s = Math.fround(s + C0[off + i * ldc + j]);
        assert.equal(out[j], s);
      }
      assert.throws(() => colSums(C0, off, M, N, ldc, new Float32Array(2), 0), RangeError);
      assert.throws(() => biasAct(C0, off, M, N, ldc, new Float32Array(2), false), RangeError);
    }));
  }
});
