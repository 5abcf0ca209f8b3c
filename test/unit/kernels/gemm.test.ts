// sgemm against a float64 reference on every backend this machine has: the JS
// fallback and, when the addon is built, each native kernel ISA the CPU
// supports (avx512, avx2, generic), with 1 and 2 threads.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { gemmBackendInfo, nativeGemmAvailable, setGemmBackend, setGemmThreads, sgemm, sgemmJs } from '../../../extension/engine/cpu/gemm';
import { loadNative, type NativeIsa } from '../../../extension/engine/cpu/native';

const repoRoot = path.resolve(__dirname, '../../..');

/** Deterministic values in [-1, 1). */
function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = (s / 2 ** 31) - 1;
  }
  return out;
}

interface Case {
  tA: boolean; tB: boolean; M: number; N: number; K: number; alpha: number; beta: number;
  aOff?: number; bOff?: number; cOff?: number; padA?: number; padB?: number; padC?: number;
}

type Sgemm = typeof sgemm;

/**
 * Runs one case and checks every element of C against float64 within the
 * dot-product error bound (K+2)·u·Σ|terms|, and that nothing outside the C
 * view changed.
 */
function check(run: Sgemm, c: Case, seed = 1): void {
  const { tA, tB, M, N, K, alpha, beta } = c;
  const aOff = c.aOff ?? 0, bOff = c.bOff ?? 0, cOff = c.cOff ?? 0;
  const lda = (tA ? M : K) + (c.padA ?? 0);
  const ldb = (tB ? K : N) + (c.padB ?? 0);
  const ldc = N + (c.padC ?? 0);
  const A = rand(aOff + (tA ? K : M) * lda + 3, seed);
  const B = rand(bOff + (tB ? N : K) * ldb + 3, seed + 1);
  const C0 = rand(cOff + M * ldc + 3, seed + 2);
  const C = C0.slice();
  run(tA, tB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);

  const inView = new Uint8Array(C.length);
  const u = 2 ** -24;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0, mag = 0;
      for (let p = 0; p < K; p++) {
        const a = tA ? A[aOff + p * lda + i] : A[aOff + i * lda + p];
        const b = tB ? B[bOff + j * ldb + p] : B[bOff + p * ldb + j];
        s += a * b;
        mag += Math.abs(a * b);
      }
      const idx = cOff + i * ldc + j;
      inView[idx] = 1;
      const cv = beta === 0 ? 0 : beta * C0[idx];
      const want = alpha * s + cv;
      const tol = 2 * (K + 3) * u * (Math.abs(alpha) * mag + Math.abs(cv)) + 1e-30;
      const got = C[idx];
      if (!(Math.abs(got - want) <= tol)) {
        assert.fail(`C[${i},${j}] = ${got}, want ${want} (tol ${tol}) for ${JSON.stringify(c)}`);
      }
    }
  }
  for (let i = 0; i < C.length; i++) {
    if (!inView[i] && !Object.is(C[i], C0[i])) assert.fail(`C[${i}] outside the view changed for ${JSON.stringify(c)}`);
  }
}

const SHAPES: Array<[number, number, number]> = [
  [1, 1, 1], [1, 7, 33], [7, 1, 33], [7, 33, 1], [7, 33, 129], [33, 129, 7], [129, 7, 33],
  [17, 31, 257], [64, 256, 100], [8, 32, 16], [9, 33, 17], [96, 70, 513],
  // last panel 16 wide (the AVX-512 narrow kernel), 17 wide (the full one), a 10-class layer
  [20, 48, 40], [20, 49, 40], [256, 10, 128],
];
const TRANS: Array<[boolean, boolean]> = [[false, false], [false, true], [true, false], [true, true]];

function suite(run: Sgemm): void {
  test('all transpose combinations and odd sizes, alpha = 1, beta = 0', () => {
    for (const [M, N, K] of SHAPES) for (const [tA, tB] of TRANS) check(run, { tA, tB, M, N, K, alpha: 1, beta: 0 });
  });
  test('alpha and beta', () => {
    for (const [alpha, beta] of [[0.5, 1], [-2, 0.25], [1, -1], [0.1, 3]]) {
      for (const [tA, tB] of TRANS) check(run, { tA, tB, M: 19, N: 45, K: 70, alpha, beta });
    }
  });
  test('offsets and leading dimensions larger than the rows', () => {
    for (const [tA, tB] of TRANS) {
      check(run, { tA, tB, M: 13, N: 37, K: 29, alpha: 1.5, beta: 0.5, aOff: 5, bOff: 11, cOff: 7, padA: 3, padB: 9, padC: 4 });
      check(run, { tA, tB, M: 40, N: 65, K: 300, alpha: 1, beta: 1, aOff: 1, bOff: 2, cOff: 3, padA: 16, padB: 1, padC: 31 });
    }
  });
  test('a large K crosses the depth blocking; a large N the column blocking', () => {
    check(run, { tA: false, tB: true, M: 64, N: 40, K: 784, alpha: 1, beta: 0 });
    // small outputs with a long K (the unpacked dot-product path on AVX-512): K chunks, a tail, many outputs
    check(run, { tA: false, tB: true, M: 6, N: 25, K: 5000, alpha: 0.5, beta: 0.5 });
    check(run, { tA: false, tB: true, M: 40, N: 30, K: 300, alpha: 1, beta: 0, padA: 3, padB: 5, padC: 2, aOff: 1, bOff: 2, cOff: 3 });
    check(run, { tA: true, tB: false, M: 20, N: 1100, K: 64, alpha: 1, beta: 0.5 });
  });
  test('few rows read B in place (masked ragged columns); whole A panels pack by register transposes', () => {
    // M ≤ 16 with B not transposed: the AVX-512 path reads B rows unpacked (conv forward shapes)
    check(run, { tA: false, tB: false, M: 6, N: 1000, K: 25, alpha: 1, beta: 0 });
    check(run, { tA: false, tB: false, M: 16, N: 97, K: 300, alpha: 0.5, beta: 0.5, bOff: 3, padB: 5, cOff: 2, padC: 7 });
    check(run, { tA: true, tB: false, M: 11, N: 70, K: 150, alpha: -2, beta: 1, aOff: 1, padA: 2, padB: 1 });
    // full 8-row A panels with a depth that is not a multiple of 8, both layouts of A
    check(run, { tA: false, tB: true, M: 64, N: 40, K: 13, alpha: 1.5, beta: 0, padA: 3 });
    check(run, { tA: true, tB: true, M: 24, N: 33, K: 261, alpha: -2, beta: 1, aOff: 2, padA: 5 });
  });
  test('beta = 0 overwrites NaN in C; alpha = 0 and K = 0 only scale C', () => {
    const A = rand(6, 3), B = rand(6, 4);
    const C = new Float32Array([NaN, Infinity, NaN, -Infinity]);
    run(false, false, 2, 2, 3, 1, A, 0, 3, B, 0, 2, 0, C, 0, 2);
    assert.ok(C.every(Number.isFinite), `C = ${C}`);
    const D = new Float32Array([1, 2, 3, 4]);
    run(false, false, 2, 2, 3, 0, A, 0, 3, B, 0, 2, 0.5, D, 0, 2);
    assert.deepEqual([...D], [0.5, 1, 1.5, 2]);
    run(false, false, 2, 2, 0, 1, new Float32Array(0), 0, 0, new Float32Array(0), 0, 2, 2, D, 0, 2);
    assert.deepEqual([...D], [1, 2, 3, 4]);
    run(false, false, 0, 5, 3, 1, new Float32Array(0), 0, 3, B, 0, 5, 0, new Float32Array(0), 0, 5);
  });
  test('views past the end of an array throw RangeError instead of reading out of bounds', () => {
    const A = new Float32Array(12), B = new Float32Array(12), C = new Float32Array(9);
    assert.throws(() => run(false, false, 3, 3, 4, 1, A, 1, 4, B, 0, 3, 0, C, 0, 3), RangeError);
    assert.throws(() => run(false, true, 3, 3, 4, 1, A, 0, 4, B, 0, 3, 0, C, 0, 3), RangeError);
    assert.throws(() => run(false, false, 3, 3, 4, 1, A, 0, 4, B, 0, 3, 0, C, 1, 3), RangeError);
    assert.throws(() => run(false, false, 3, 3, 4, 1, A, 0, 3, B, 0, 3, 0, C, 0, 3), RangeError);
  });
}

describe('JS fallback sgemm', () => suite(sgemmJs));

const loaded = loadNative();
const nativeSkip = loaded.ok ? false : `native addon unavailable: ${loaded.reason}`;

describe('native sgemm', { skip: nativeSkip }, () => {
  if (!loaded.ok) return;
  const k = loaded.kernels;
  const info = k.info();
  const isas: NativeIsa[] = ['generic'];
  if (info.avx2) isas.push('avx2');
  if (info.avx512) isas.push('avx512');
  after(() => {
    k.setIsa('auto');
    setGemmThreads(1);
  });
  for (const isa of isas) {
    for (const threads of [1, 2]) {
      describe(`${isa}, ${threads} thread(s)`, () => {
        const run: Sgemm = (...args) => {
          k.setIsa(isa);
          k.setThreads(threads);
          k.sgemm(...args);
        };
        suite(run);
        test('large enough to split across threads', () => {
          for (const [tA, tB] of TRANS) check(run, { tA, tB, M: 150, N: 300, K: 200, alpha: 1, beta: 0.5 });
        });
        test('bias + ReLU epilogue equals the GEMM followed by biasAct (packed, in-place B, dot-product and K = 0 paths)', () => {
          k.setIsa(isa);
          k.setThreads(threads);
          const shapes: Array<[boolean, boolean, number, number, number, number]> = [
            [false, true, 256, 256, 784, 1], [true, false, 70, 130, 50, 1], [false, false, 9, 300, 25, 1], // packed / in place
            [false, true, 6, 25, 3000, 1], [false, true, 40, 33, 17, 0.5], [false, false, 5, 7, 0, 1], // dot / alpha / K = 0
          ];
          for (const [tA, tB, M, N, K, alpha] of shapes) {
            const A = rand(M * K, 1), B = rand(K * N, 2), bias = rand(N, 3);
            for (const relu of [false, true]) for (const b of [bias, null]) {
              const got = rand(M * N, 4), want = Float32Array.from(got);
              k.sgemm(tA, tB, M, N, K, alpha, A, 0, tA ? M : K, B, 0, tB ? K : N, 0.5, got, 0, N, b, relu);
              k.sgemm(tA, tB, M, N, K, alpha, A, 0, tA ? M : K, B, 0, tB ? K : N, 0.5, want, 0, N);
              k.biasAct(want, 0, M, N, N, b, relu);
              assert.deepEqual(got, want, `${M}x${N}x${K} tA=${tA} tB=${tB} relu=${relu} bias=${!!b}`);
            }
          }
          assert.throws(() => k.sgemm(false, false, 2, 3, 1, 1, rand(2, 1), 0, 1, rand(3, 1), 0, 3, 0, new Float32Array(6), 0, 3, new Float32Array(2), false), /bias is shorter than N/);
        });
      });
    }
  }
  test('worker_threads can load the addon and multiply at the same time as the main thread', async () => {
    const { Worker } = await import('node:worker_threads');
    // Plain JS in the workers: each loads the addon itself and checks its own products.
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const m = { exports: {} };
      process.dlopen(m, workerData.file);
      m.exports.setThreads(2);
      const n = 96, A = new Float32Array(n * n), B = new Float32Array(n * n), C = new Float32Array(n * n);
      for (let i = 0; i < n * n; i++) { A[i] = (i % 7) - 3; B[i] = (i % 5) - 2; }
      let bad = 0;
      for (let r = 0; r < 200; r++) {
        m.exports.sgemm(false, false, n, n, n, 1, A, 0, n, B, 0, n, 0, C, 0, n);
        for (const [i, j] of [[0, 0], [n - 1, n - 1], [17, 60]]) {
          let s = 0;
          for (let p = 0; p < n; p++) s += A[i * n + p] * B[p * n + j];
          if (C[i * n + j] !== s) bad++;
        }
      }
      parentPort.postMessage(bad);`;
    const workers = [0, 1].map(() => new Worker(code, { eval: true, workerData: { file: loaded.file } }));
    const done = workers.map((w) => new Promise<number>((resolve, reject) => { w.on('message', resolve); w.on('error', reject); }));
    k.setIsa('auto');
    k.setThreads(2);
    for (let r = 0; r < 50; r++) check(k.sgemm, { tA: false, tB: false, M: 64, N: 96, K: 80, alpha: 1, beta: 0 }, r);
    assert.deepEqual(await Promise.all(done), [0, 0]);
    await Promise.all(workers.map((w) => w.terminate()));
  });

  test('the default backend is native and reports its ISA', () => {
    k.setIsa('auto');
    setGemmBackend('auto');
    const b = gemmBackendInfo();
    assert.equal(b.name, `native-${info.isa}`);
    check(sgemm, { tA: false, tB: true, M: 33, N: 70, K: 45, alpha: 1, beta: 0 });
  });
});

describe('backend selection and fallback', () => {
  test('forcing JS reports it and still computes', () => {
    setGemmBackend('js');
    try {
      const b = gemmBackendInfo();
      assert.equal(b.name, 'js');
      assert.equal(b.threads, 1);
      assert.ok(b.reason);
      check(sgemm, { tA: true, tB: false, M: 9, N: 17, K: 33, alpha: 1, beta: 0 });
    } finally {
      setGemmBackend('auto');
    }
  });

  test('setGemmThreads rejects nonsense', () => {
    assert.throws(() => setGemmThreads(0), RangeError);
    assert.throws(() => setGemmThreads(1.5), RangeError);
  });

  /** Loads gemm.ts in a fresh process with the given environment. */
  function infoInChild(env: Record<string, string>): { name: string; reason?: string; ok: boolean } {
    const script = `
      const g = require(${JSON.stringify(path.join(repoRoot, 'extension/engine/cpu/gemm.ts'))});
      const A = new Float32Array([1, 2]), B = new Float32Array([3, 4]), C = new Float32Array(4);
      g.sgemm(false, false, 2, 2, 1, 1, A, 0, 1, B, 0, 2, 0, C, 0, 2);
      console.log(JSON.stringify({ ...g.gemmBackendInfo(), ok: C.join() === '3,4,6,8' }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      encoding: 'utf8', cwd: repoRoot, env: { ...process.env, ...env },
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  }

  test('NEURAL_LENS_NATIVE=0 falls back to JS and says why', () => {
    const r = infoInChild({ NEURAL_LENS_NATIVE: '0' });
    assert.equal(r.name, 'js');
    assert.match(r.reason ?? '', /disabled by NEURAL_LENS_NATIVE/);
    assert.ok(r.ok);
  });

  test('a corrupt or missing addon file falls back to JS and names the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-native-'));
    try {
      const bad = path.join(dir, 'neural_lens_native.node');
      fs.writeFileSync(bad, 'not a shared object');
      const r = infoInChild({ NEURAL_LENS_NATIVE_PATH: bad });
      assert.equal(r.name, 'js');
      assert.ok(r.reason?.includes('failed to load') && r.reason.includes(bad), r.reason);
      assert.ok(r.ok);
      const missing = infoInChild({ NEURAL_LENS_NATIVE_PATH: path.join(dir, 'nope.node') });
      assert.equal(missing.name, 'js');
      assert.match(missing.reason ?? '', /not built/);
      assert.ok(missing.ok);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
