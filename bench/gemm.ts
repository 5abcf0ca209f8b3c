// GEMM throughput of the engine's sgemm (native and JS) on square sizes and on
// the exact shapes one MLP 784-256-128-10 training step multiplies.
import { setGemmBackend, setGemmThreads, sgemm } from '../extension/engine/cpu/gemm';

export interface GemmShape { label: string; tA: boolean; tB: boolean; M: number; N: number; K: number }

export function squareShapes(sizes: number[]): GemmShape[] {
  return sizes.map((n) => ({ label: `${n}x${n}x${n}`, tA: false, tB: false, M: n, N: n, K: n }));
}

/** The multiplies of one training step of 784-256-128-10 (weights stored [out, in], as ONNX Gemm transB=1). */
export function mlpShapes(batch: number): GemmShape[] {
  const dims = [784, 256, 128, 10];
  const out: GemmShape[] = [];
  for (let l = 0; l < 3; l++) {
    const [i, o] = [dims[l], dims[l + 1]];
    out.push({ label: `fwd  L${l + 1} ${batch}x${o}x${i}`, tA: false, tB: true, M: batch, N: o, K: i });
    out.push({ label: `dW   L${l + 1} ${o}x${i}x${batch}`, tA: true, tB: false, M: o, N: i, K: batch });
    if (l > 0) out.push({ label: `dX   L${l + 1} ${batch}x${i}x${o}`, tA: false, tB: false, M: batch, N: i, K: o });
  }
  return out;
}

/** Best-of GFLOP/s for one shape, timing batches of calls for about `ms` in total. */
export function measureGemm(s: GemmShape, ms: number): number {
  const A = new Float32Array(s.M * s.K).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const B = new Float32Array(s.K * s.N).map((_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
  const C = new Float32Array(s.M * s.N);
  const lda = s.tA ? s.M : s.K, ldb = s.tB ? s.K : s.N;
  const run = () => sgemm(s.tA, s.tB, s.M, s.N, s.K, 1, A, 0, lda, B, 0, ldb, 0, C, 0, s.N);
  const flops = 2 * s.M * s.N * s.K;
  // calibrate a batch to about 20 ms
  let reps = 1;
  for (;;) {
    const t = performance.now();
    for (let r = 0; r < reps; r++) run();
    const dt = performance.now() - t;
    if (dt > 20 || reps > 1e6) break;
    reps = Math.max(reps * 2, Math.ceil(reps * 25 / Math.max(dt, 0.01)));
  }
  let best = Infinity;
  const end = performance.now() + ms;
  do {
    const t = performance.now();
    for (let r = 0; r < reps; r++) run();
    best = Math.min(best, (performance.now() - t) / reps);
  } while (performance.now() < end);
  return flops / (best * 1e6);
}

export interface GemmRow { label: string; backend: string; threads: number; gflops: number }

export function runGemm(shapes: GemmShape[], configs: Array<{ backend: 'native' | 'js'; threads: number }>, ms: number): GemmRow[] {
  const rows: GemmRow[] = [];
  for (const c of configs) {
    setGemmBackend(c.backend);
    setGemmThreads(c.threads);
    for (const s of shapes) rows.push({ label: s.label, backend: c.backend, threads: c.threads, gflops: measureGemm(s, ms) });
  }
  setGemmBackend('auto');
  return rows;
}
