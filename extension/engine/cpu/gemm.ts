/**
 * The engine's one matrix-multiply entry point (and the im2col/col2im that
 * turn convolutions into it).
 *
 * Fast path: the native addon (native/: packed, cache-blocked AVX-512 or
 * AVX2+FMA micro-kernels chosen at run time, optional thread split). When the
 * addon is missing or fails to load, a cache-blocked JS kernel runs instead and
 * `gemmBackendInfo().reason` says why. Everything is row-major; offsets and
 * leading dimensions are in elements.
 */
import * as os from 'node:os';

import { loadNative, type NativeKernels } from './native';

export type GemmBackendName = 'native-avx512' | 'native-avx2' | 'native-generic' | 'wasm-simd' | 'js';

export interface GemmBackendInfo {
  name: GemmBackendName;
  /** Why the fast path is not in use (absent when it is). */
  reason?: string;
  threads: number;
}

type SgemmFn = (
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, aOff: number, lda: number, B: Float32Array, bOff: number, ldb: number,
  beta: number, C: Float32Array, cOff: number, ldc: number,
) => void;

// ---------------------------------------------------------------------------
// Backend selection

let native: NativeKernels | null = null;
let nativeReason: string | undefined;
let useNative = false;
let threads = 1;
let impl: SgemmFn = sgemmJs;

function init(): void {
  const loaded = loadNative();
  if (loaded.ok) {
    native = loaded.kernels;
  } else {
    nativeReason = loaded.reason;
  }
  const forced = (process.env.NEURAL_LENS_GEMM ?? '').toLowerCase();
  setGemmBackend(forced === 'js' ? 'js' : 'auto');
  const avail = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  setGemmThreads(Math.max(1, Math.min(avail, 8)));
}

/**
 * Chooses the implementation: 'auto' (native when it loaded), 'native'
 * (throws if unavailable) or 'js'. Tests and the benchmark use this to run
 * both paths; the environment variable NEURAL_LENS_GEMM=js forces JS at start.
 */
export function setGemmBackend(which: 'auto' | 'native' | 'js'): void {
  if (which === 'native' && !native) throw new Error(`native GEMM is unavailable: ${nativeReason}`);
  useNative = which !== 'js' && native !== null;
  impl = useNative && native ? native.sgemm : sgemmJs;
}

/** Whether the native addon loaded (independently of the backend in use). */
export function nativeGemmAvailable(): boolean {
  return native !== null;
}

/** Threads used by the native GEMM (the JS fallback is single-threaded). */
export function setGemmThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setGemmThreads: n must be a positive integer, got ${n}`);
  threads = n;
  native?.setThreads(n);
}

export function gemmBackendInfo(): GemmBackendInfo {
  if (useNative && native) {
    const isa = native.info().isa;
    const name: GemmBackendName = isa === 'avx512' ? 'native-avx512' : isa === 'avx2' ? 'native-avx2' : 'native-generic';
    return isa === 'generic'
      ? { name, reason: 'CPU lacks AVX2+FMA; portable C kernel', threads }
      : { name, threads };
  }
  return { name: 'js', reason: native ? 'JS backend selected' : nativeReason, threads: 1 };
}

/**
 * C = alpha * op(A) * op(B) + beta * C, row-major, op(X) = X or X^T.
 * op(A) is M x K, op(B) is K x N, C is M x N. With beta = 0, C is not read
 * (NaNs in it are overwritten), as in BLAS.
 */
export function sgemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, aOff: number, lda: number, B: Float32Array, bOff: number, ldb: number,
  beta: number, C: Float32Array, cOff: number, ldc: number,
): void {
  impl(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
}

// ---------------------------------------------------------------------------
// JS fallback: 4-row register block over a transposed-if-needed B, blocked in
// K and N so a B block stays in L2 while four C rows stream.

const KB = 256;
const NB = 512;
let scratch = new Float32Array(0);

function checkView(name: string, arr: Float32Array, off: number, rows: number, cols: number, ld: number): void {
  if (!Number.isInteger(off) || off < 0) throw new RangeError(`sgemm: ${name} offset must be a non-negative integer, got ${off}`);
  if (!Number.isInteger(ld) || ld < cols) throw new RangeError(`sgemm: ${name} leading dimension ${ld} is smaller than its row length ${cols}`);
  if (rows > 0 && cols > 0 && off + (rows - 1) * ld + cols > arr.length) {
    throw new RangeError(`sgemm: ${name} view (${rows}x${cols}, ld ${ld}, offset ${off}) runs past the array (length ${arr.length})`);
  }
}

export function sgemmJs(
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, aOff: number, lda: number, B: Float32Array, bOff: number, ldb: number,
  beta: number, C: Float32Array, cOff: number, ldc: number,
): void {
  for (const [n, v] of [['M', M], ['N', N], ['K', K]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`sgemm: ${n} must be a non-negative integer, got ${v}`);
  }
  if (M === 0 || N === 0) return;
  checkView('C', C, cOff, M, N, ldc);
  for (let i = 0; i < M; i++) {
    const r = cOff + i * ldc;
    if (beta === 0) C.fill(0, r, r + N);
    else if (beta !== 1) for (let j = r; j < r + N; j++) C[j] *= beta;
  }
  if (K === 0 || alpha === 0) return;
  checkView('A', A, aOff, transA ? K : M, transA ? M : K, lda);
  checkView('B', B, bOff, transB ? N : K, transB ? K : N, ldb);

  // op(B) as a row-major K x N view (Bk, bo, bld).
  let Bk = B;
  let bo = bOff;
  let bld = ldb;
  if (transB) {
    if (scratch.length < K * N) scratch = new Float32Array(K * N);
    Bk = scratch;
    bo = 0;
    bld = N;
    for (let j = 0; j < N; j++) {
      const s = bOff + j * ldb;
      for (let p = 0; p < K; p++) scratch[p * N + j] = B[s + p];
    }
  }
  // A(i, p) = A[aOff + i * ars + p * acs]
  const ars = transA ? 1 : lda;
  const acs = transA ? lda : 1;

  for (let p0 = 0; p0 < K; p0 += KB) {
    const p1 = Math.min(K, p0 + KB);
    for (let j0 = 0; j0 < N; j0 += NB) {
      const j1 = Math.min(N, j0 + NB);
      let i = 0;
      for (; i + 4 <= M; i += 4) {
        const c0 = cOff + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        const a0r = aOff + i * ars;
        for (let p = p0; p < p1; p++) {
          const ap = a0r + p * acs;
          const a0 = alpha * A[ap], a1 = alpha * A[ap + ars], a2 = alpha * A[ap + 2 * ars], a3 = alpha * A[ap + 3 * ars];
          const br = bo + p * bld;
          for (let j = j0; j < j1; j++) {
            const b = Bk[br + j];
            C[c0 + j] += a0 * b;
            C[c1 + j] += a1 * b;
            C[c2 + j] += a2 * b;
            C[c3 + j] += a3 * b;
          }
        }
      }
      for (; i < M; i++) {
        const c0 = cOff + i * ldc;
        const a0r = aOff + i * ars;
        for (let p = p0; p < p1; p++) {
          const a0 = alpha * A[a0r + p * acs];
          const br = bo + p * bld;
          for (let j = j0; j < j1; j++) C[c0 + j] += a0 * Bk[br + j];
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// im2col / col2im for one NCHW image: col is (C*kh*kw) x (OH*OW), row
// (c, ki, kj), column (oh, ow) = x[c, oh*sh - ph + ki*dh, ow*sw - pw + kj*dw]
// (0 outside). ph/pw are the leading pads; OH/OW imply the trailing ones.

export interface ConvGeometry {
  C: number; H: number; W: number;
  kh: number; kw: number;
  sh: number; sw: number;
  ph: number; pw: number;
  dh: number; dw: number;
  OH: number; OW: number;
}

/** Writes the im2col matrix of the image at x[xOff...] into col[colOff...]. */
export function im2col(x: Float32Array, xOff: number, g: ConvGeometry, col: Float32Array, colOff: number): void {
  if (useNative && native) {
    native.im2col(x, xOff, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, col, colOff);
  } else {
    im2colJs(x, xOff, g, col, colOff);
  }
}

/** Adds the columns back into the image: x[xOff...] += col2im(col). The caller zeroes x first. */
export function col2im(col: Float32Array, colOff: number, g: ConvGeometry, x: Float32Array, xOff: number): void {
  if (useNative && native) {
    native.col2im(col, colOff, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, x, xOff);
  } else {
    col2imJs(col, colOff, g, x, xOff);
  }
}

function checkGeometry(fn: string, g: ConvGeometry, imgLen: number, imgOff: number, colLen: number, colOff: number): void {
  for (const [k, v] of Object.entries(g)) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${fn}: ${k} must be a non-negative integer, got ${v}`);
  }
  if (g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1) throw new RangeError(`${fn}: strides and dilations must be >= 1`);
  if (imgOff + g.C * g.H * g.W > imgLen) throw new RangeError(`${fn}: image is too short`);
  if (colOff + g.C * g.kh * g.kw * g.OH * g.OW > colLen) throw new RangeError(`${fn}: col is too short`);
}

export function im2colJs(x: Float32Array, xOff: number, g: ConvGeometry, col: Float32Array, colOff: number): void {
  checkGeometry('im2col', g, x.length, xOff, col.length, colOff);
  const { C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW } = g;
  let o = colOff;
  for (let c = 0; c < C; c++) {
    const xc = xOff + c * H * W;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh - ph + ki * dh;
          if (ih < 0 || ih >= H) {
            col.fill(0, o, o + OW);
            o += OW;
            continue;
          }
          const xr = xc + ih * W;
          for (let ow = 0; ow < OW; ow++) {
            const iw = ow * sw - pw + kj * dw;
            col[o++] = iw >= 0 && iw < W ? x[xr + iw] : 0;
          }
        }
      }
    }
  }
}

export function col2imJs(col: Float32Array, colOff: number, g: ConvGeometry, x: Float32Array, xOff: number): void {
  checkGeometry('col2im', g, x.length, xOff, col.length, colOff);
  const { C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW } = g;
  let o = colOff;
  for (let c = 0; c < C; c++) {
    const xc = xOff + c * H * W;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh - ph + ki * dh;
          if (ih < 0 || ih >= H) {
            o += OW;
            continue;
          }
          const xr = xc + ih * W;
          for (let ow = 0; ow < OW; ow++, o++) {
            const iw = ow * sw - pw + kj * dw;
            if (iw >= 0 && iw < W) x[xr + iw] += col[o];
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Fused training helpers: one pass over a parameter instead of several JS
// loops. Float32 arithmetic in PyTorch's order (torch.optim single-tensor
// path); the JS fallbacks round every operation to float32 the same way.

export interface SgdHyper { lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean }

/**
 * One SGD step on parameter p with gradient g, in place. `buf` is the
 * momentum buffer (same length; unused without momentum); `first` marks the
 * step that creates it (buf = d, as torch.clone).
 */
export function sgdStep(p: Float32Array, g: Float32Array, buf: Float32Array, h: SgdHyper, first: boolean): void {
  const mom = h.momentum ?? 0, damp = h.dampening ?? 0, wd = h.weightDecay ?? 0, nest = h.nesterov ?? false;
  if (useNative && native) { native.sgdStep(p, g, buf, h.lr, mom, damp, wd, nest, first); return; }
  if (g.length !== p.length || (mom !== 0 && buf.length !== p.length)) throw new RangeError('sgdStep: p, g and buf must have the same length');
  const f = Math.fround, lr = f(h.lr), m = f(mom), keep = f(1 - f(damp)), w = f(wd);
  for (let i = 0; i < p.length; i++) {
    const d = w !== 0 ? f(g[i] + f(w * p[i])) : g[i];
    let s = d;
    if (m !== 0) {
      const b = first ? d : f(f(m * buf[i]) + f(keep * d));
      buf[i] = b;
      s = nest ? f(d + f(m * b)) : b;
    }
    p[i] = p[i] - f(lr * s);
  }
}

export interface AdamHyper { lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; decoupled: boolean }

/** One Adam (decoupled: false, L2 decay) or AdamW (decoupled: true) step, in place; `step` counts from 1. */
export function adamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: AdamHyper, step: number): void {
  const b1 = h.beta1 ?? 0.9, b2 = h.beta2 ?? 0.999, eps = h.eps ?? 1e-8, wd = h.weightDecay ?? 0;
  if (useNative && native) { native.adamStep(p, g, m, v, h.lr, b1, b2, eps, wd, h.decoupled, step); return; }
  if (g.length !== p.length || m.length !== p.length || v.length !== p.length) throw new RangeError('adamStep: p, g, m and v must have the same length');
  if (!(step >= 1)) throw new RangeError('adamStep: step must be >= 1');
  const f = Math.fround, fb1 = f(b1), fb2 = f(b2), lr = f(h.lr), w = f(wd);
  const stepSize = f(lr / (1 - Math.pow(fb1, step))), bc2Sqrt = f(Math.sqrt(1 - Math.pow(fb2, step)));
  const oneB1 = f(1 - fb1), oneB2 = f(1 - fb2), decay = f(1 - f(lr * w)), fe = f(eps);
  for (let i = 0; i < p.length; i++) {
    let gi = g[i], pi = p[i];
    if (h.decoupled) pi = f(pi * decay);
    else if (w !== 0) gi = f(gi + f(w * pi));
    const mi = f(m[i] + f(f(gi - m[i]) * oneB1));
    const vi = f(f(v[i] * fb2) + f(f(oneB2 * gi) * gi));
    m[i] = mi;
    v[i] = vi;
    const denom = f(f(f(Math.sqrt(vi)) / bc2Sqrt) + fe);
    p[i] = pi - f(stepSize * f(mi / denom));
  }
}

/** Σ x², accumulated in float64 (gradient and weight norms). */
export function sumSquares(x: Float32Array): number {
  if (useNative && native) return native.sumSquares(x);
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;
  for (; i + 4 <= x.length; i += 4) {
    s0 += x[i] * x[i]; s1 += x[i + 1] * x[i + 1]; s2 += x[i + 2] * x[i + 2]; s3 += x[i + 3] * x[i + 3];
  }
  for (; i < x.length; i++) s0 += x[i] * x[i];
  return (s0 + s1) + (s2 + s3);
}

init();
