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

/**
 * sgemm followed by C[i, j] += bias[j] (bias may be null) and an optional ReLU: the dense
 * layer's forward. Natively the GEMM's threads do the epilogue on the part of C each computed,
 * while it is still in their caches; the JS path runs biasAct after the GEMM.
 */
export function sgemmBiasAct(
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, aOff: number, lda: number, B: Float32Array, bOff: number, ldb: number,
  beta: number, C: Float32Array, cOff: number, ldc: number, bias: Float32Array | null, relu: boolean,
): void {
  if (useNative && native) { native.sgemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc, bias, relu); return; }
  impl(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
  if ((bias || relu) && M > 0 && N > 0) biasAct(C, cOff, M, N, ldc, bias, relu);
}

// ---------------------------------------------------------------------------
// JS fallback: op(A) and op(B) packed (alpha folded into A) into float64
// panels of 4 rows / 4 columns per KB-deep block, then a 4 x 4 register tile
// of 16 scalar accumulators: 8 loads per 32 flops instead of ~9 memory
// operations per 8 in a row-at-a-time loop (about 2x). Accumulates in float64
// and rounds once into C, so it is at least as accurate as float32 BLAS.

const KB = 256;
let packA = new Float64Array(0);
let packB = new Float64Array(0);

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

  const mp = (M + 3) >> 2, np = (N + 3) >> 2;
  // A(i, p) = A[aOff + i*ars + p*acs], B(p, j) = B[bOff + p*brs + j*bcs]
  const ars = transA ? 1 : lda, acs = transA ? lda : 1;
  const brs = transB ? 1 : ldb, bcs = transB ? ldb : 1;
  if (packA.length < mp * 4 * Math.min(K, KB)) packA = new Float64Array(mp * 4 * Math.min(K, KB));
  if (packB.length < np * 4 * Math.min(K, KB)) packB = new Float64Array(np * 4 * Math.min(K, KB));
  const pa = packA, pb = packB;
  const tile = new Float64Array(16);

  for (let p0 = 0; p0 < K; p0 += KB) {
    const kc = Math.min(KB, K - p0);
    for (let jp = 0; jp < np; jp++) {
      const base = jp * 4 * kc;
      for (let c = 0; c < 4; c++) {
        const j = jp * 4 + c;
        if (j < N) {
          let s = bOff + p0 * brs + j * bcs;
          for (let p = 0; p < kc; p++, s += brs) pb[base + p * 4 + c] = B[s];
        } else {
          for (let p = 0; p < kc; p++) pb[base + p * 4 + c] = 0;
        }
      }
    }
    for (let ip = 0; ip < mp; ip++) {
      const base = ip * 4 * kc;
      for (let r = 0; r < 4; r++) {
        const i = ip * 4 + r;
        if (i < M) {
          let s = aOff + i * ars + p0 * acs;
          for (let p = 0; p < kc; p++, s += acs) pa[base + p * 4 + r] = alpha * A[s];
        } else {
          for (let p = 0; p < kc; p++) pa[base + p * 4 + r] = 0;
        }
      }
    }
    for (let ip = 0; ip < mp; ip++) {
      const ab = ip * 4 * kc;
      const i0 = ip * 4, mr = Math.min(4, M - i0);
      for (let jp = 0; jp < np; jp++) {
        const bb = jp * 4 * kc;
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (let p = 0, o = ab, q = bb; p < kc; p++, o += 4, q += 4) {
          const a0 = pa[o], a1 = pa[o + 1], a2 = pa[o + 2], a3 = pa[o + 3];
          const b0 = pb[q], b1 = pb[q + 1], b2 = pb[q + 2], b3 = pb[q + 3];
          c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
          c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
          c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
          c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        }
        const j0 = jp * 4, nr = Math.min(4, N - j0);
        let r = cOff + i0 * ldc + j0;
        if (mr === 4 && nr === 4) {
          C[r] += c00; C[r + 1] += c01; C[r + 2] += c02; C[r + 3] += c03; r += ldc;
          C[r] += c10; C[r + 1] += c11; C[r + 2] += c12; C[r + 3] += c13; r += ldc;
          C[r] += c20; C[r + 1] += c21; C[r + 2] += c22; C[r + 3] += c23; r += ldc;
          C[r] += c30; C[r + 1] += c31; C[r + 2] += c32; C[r + 3] += c33;
        } else {
          tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
          tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
          tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
          tile[12] = c30; tile[13] = c31; tile[14] = c32; tile[15] = c33;
          for (let y = 0; y < mr; y++, r += ldc) for (let x = 0; x < nr; x++) C[r + x] += tile[y * 4 + x];
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// im2col / col2im for one NCHW image: col is (C*kh*kw) x (OH*OW), row
// (c, ki, kj), column (oh, ow) = x[c, oh*sh - ph + ki*dh, ow*sw - pw + kj*dw]
// (0 outside). ph/pw are the leading pads; OH/OW imply the trailing ones.
// Rows of col are `colLd` apart (default OH*OW): with colLd = N*OH*OW and
// colOff = n*OH*OW a whole batch unfolds side by side, so one GEMM
// W[M, C*kh*kw] x col[C*kh*kw, N*OH*OW] convolves the batch (then move the
// result from [M, N, P] to [N, M, P]). Far fewer, larger GEMMs than one per image.

export interface ConvGeometry {
  C: number; H: number; W: number;
  kh: number; kw: number;
  sh: number; sw: number;
  ph: number; pw: number;
  dh: number; dw: number;
  OH: number; OW: number;
}

/**
 * Writes the im2col matrix of the image at x[xOff...] into col[colOff...] (rows colLd apart).
 * With count > 1, that many consecutive images (C*H*W apart) go side by side: image n to
 * columns colOff + n*OH*OW (so colLd >= count*OH*OW); the native path splits them over threads.
 */
export function im2col(x: Float32Array, xOff: number, g: ConvGeometry, col: Float32Array, colOff: number, colLd = g.OH * g.OW, count = 1): void {
  if (useNative && native) {
    native.im2col(x, xOff, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, col, colOff, colLd, count);
  } else {
    const img = g.C * g.H * g.W, P = g.OH * g.OW;
    for (let n = 0; n < count; n++) im2colJs(x, xOff + n * img, g, col, colOff + n * P, colLd);
  }
}

/** Adds the columns back into the image(s): x[xOff...] += col2im(col); count as for im2col. The caller zeroes x first. */
export function col2im(col: Float32Array, colOff: number, g: ConvGeometry, x: Float32Array, xOff: number, colLd = g.OH * g.OW, count = 1): void {
  if (useNative && native) {
    native.col2im(col, colOff, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, x, xOff, colLd, count);
  } else {
    const img = g.C * g.H * g.W, P = g.OH * g.OW;
    for (let n = 0; n < count; n++) col2imJs(col, colOff + n * P, g, x, xOff + n * img, colLd);
  }
}

function checkGeometry(fn: string, g: ConvGeometry, imgLen: number, imgOff: number, colLen: number, colOff: number, colLd: number): void {
  for (const [k, v] of Object.entries(g)) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${fn}: ${k} must be a non-negative integer, got ${v}`);
  }
  if (g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1) throw new RangeError(`${fn}: strides and dilations must be >= 1`);
  if (!Number.isInteger(colLd) || colLd < g.OH * g.OW) throw new RangeError(`${fn}: colLd ${colLd} is smaller than OH*OW`);
  if (imgOff + g.C * g.H * g.W > imgLen) throw new RangeError(`${fn}: image is too short`);
  const rows = g.C * g.kh * g.kw, P = g.OH * g.OW;
  if (rows > 0 && P > 0 && colOff + (rows - 1) * colLd + P > colLen) throw new RangeError(`${fn}: col is too short`);
}

export function im2colJs(x: Float32Array, xOff: number, g: ConvGeometry, col: Float32Array, colOff: number, colLd = g.OH * g.OW): void {
  checkGeometry('im2col', g, x.length, xOff, col.length, colOff, colLd);
  const { C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW } = g;
  let row = colOff;
  for (let c = 0; c < C; c++) {
    const xc = xOff + c * H * W;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++, row += colLd) {
        let o = row;
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

export function col2imJs(col: Float32Array, colOff: number, g: ConvGeometry, x: Float32Array, xOff: number, colLd = g.OH * g.OW): void {
  checkGeometry('col2im', g, x.length, xOff, col.length, colOff, colLd);
  const { C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW } = g;
  let row = colOff;
  for (let c = 0; c < C; c++) {
    const xc = xOff + c * H * W;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++, row += colLd) {
        let o = row;
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
 * step that creates it (buf = d, as torch.clone). With `norms` (2+ elements),
 * also stores norms[0] = Σ g² and norms[1] = Σ p² of the updated p (float64),
 * taken in the same pass by the native addon.
 */
export function sgdStep(p: Float32Array, g: Float32Array, buf: Float32Array, h: SgdHyper, first: boolean, norms?: Float64Array): void {
  const mom = h.momentum ?? 0, damp = h.dampening ?? 0, wd = h.weightDecay ?? 0, nest = h.nesterov ?? false;
  if (useNative && native) { native.sgdStep(p, g, buf, h.lr, mom, damp, wd, nest, first, norms); return; }
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
  if (norms) stepNorms(p, g, norms);
}

function stepNorms(p: Float32Array, g: Float32Array, norms: Float64Array): void {
  if (norms.length < 2) throw new RangeError('norms must have 2 elements');
  norms[0] = sumSquares(g);
  norms[1] = sumSquares(p);
}

export interface AdamHyper { lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; decoupled: boolean }

/**
 * One Adam (decoupled: false, L2 decay) or AdamW (decoupled: true) step, in place; `step` counts from 1.
 * `norms` as for sgdStep.
 */
export function adamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: AdamHyper, step: number, norms?: Float64Array): void {
  const b1 = h.beta1 ?? 0.9, b2 = h.beta2 ?? 0.999, eps = h.eps ?? 1e-8, wd = h.weightDecay ?? 0;
  if (useNative && native) { native.adamStep(p, g, m, v, h.lr, b1, b2, eps, wd, h.decoupled, step, norms); return; }
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
  if (norms) stepNorms(p, g, norms);
}

/**
 * Dense-layer epilogue on the M x N view of C: C[i, j] += bias[j] (bias may be
 * null), then ReLU when `relu`. Run it on the GEMM output to do Gemm(+bias) →
 * Relu in one extra pass instead of two.
 */
export function biasAct(C: Float32Array, cOff: number, M: number, N: number, ldc: number, bias: Float32Array | null, relu: boolean): void {
  if (useNative && native) { native.biasAct(C, cOff, M, N, ldc, bias, relu); return; }
  checkView('C', C, cOff, M, N, ldc);
  if (bias && bias.length < N) throw new RangeError('biasAct: bias is shorter than N');
  for (let i = 0; i < M; i++) {
    const r = cOff + i * ldc;
    for (let j = 0; j < N; j++) {
      const v = bias ? Math.fround(C[r + j] + bias[j]) : C[r + j];
      C[r + j] = relu && !(v > 0) ? 0 : v;
    }
  }
}

/** ReLU backward: dx = y > 0 ? dy : 0 (y: the ReLU's output or input). dx may be dy. */
export function reluGrad(dy: Float32Array, y: Float32Array, dx: Float32Array): void {
  if (useNative && native) { native.reluGrad(dy, y, dx); return; }
  if (y.length !== dy.length || dx.length !== dy.length) throw new RangeError('reluGrad: dy, y and dx must have the same length');
  for (let i = 0; i < dy.length; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
}

/** Bias gradient: out[j] = beta·out[j] + Σ_i A[i, j] over the M x N view (float32 sums, row by row). */
export function colSums(A: Float32Array, aOff: number, M: number, N: number, lda: number, out: Float32Array, beta: number): void {
  if (useNative && native) { native.colSums(A, aOff, M, N, lda, out, beta); return; }
  checkView('A', A, aOff, M, N, lda);
  if (out.length < N) throw new RangeError('colSums: out is shorter than N');
  const b = Math.fround(beta);
  for (let j = 0; j < N; j++) out[j] = b === 0 ? 0 : b === 1 ? out[j] : Math.fround(b * out[j]);
  for (let i = 0; i < M; i++) {
    const r = aOff + i * lda;
    for (let j = 0; j < N; j++) out[j] += A[r + j];
  }
}

/**
 * dst[b, a, p] = src[a, b, p] for an [A, B, P] array: [M, N, P] GEMM results to NCHW and back.
 * With a bias (per a) and/or relu it is also the convolution epilogue: max(src + bias[a], 0).
 */
export function swapAxes01(src: Float32Array, A: number, B: number, P: number, dst: Float32Array, bias: Float32Array | null = null, relu = false): void {
  if (useNative && native) { native.swapAxes01(src, A, B, P, dst, bias, relu); return; }
  if (A * B * P > src.length || A * B * P > dst.length) throw new RangeError('swapAxes01: src or dst is shorter than A*B*P');
  if (bias && bias.length < A) throw new RangeError('swapAxes01: bias is shorter than A');
  for (let a = 0; a < A; a++) {
    const ba = bias ? bias[a] : 0;
    for (let b = 0; b < B; b++) {
      const s = (a * B + b) * P, d = (b * A + a) * P;
      if (bias || relu) {
        for (let p = 0; p < P; p++) {
          const v = bias ? Math.fround(src[s + p] + ba) : src[s + p];
          dst[d + p] = relu && !(v > 0) ? 0 : v;
        }
      } else for (let p = 0; p < P; p++) dst[d + p] = src[s + p];
    }
  }
}

/**
 * 2-D max pooling of NC planes H x W without padding or dilation; the caller guarantees every
 * window lies inside the plane. y gets the maxima, idx their flat offsets into x (first maximum
 * in row-major tap order; NaN only when it is the first tap), as ONNX MaxPool's Indices.
 */
export function maxPool2d(x: Float32Array, NC: number, H: number, W: number, OH: number, OW: number,
  kh: number, kw: number, sh: number, sw: number, y: Float32Array, idx: Float64Array): void {
  if (useNative && native) { native.maxPool2d(x, NC, H, W, OH, OW, kh, kw, sh, sw, y, idx); return; }
  if ((OH - 1) * sh + kh > H || (OW - 1) * sw + kw > W) throw new RangeError('maxPool2d: a window runs past the image');
  if (NC * H * W > x.length || NC * OH * OW > y.length || NC * OH * OW > idx.length) throw new RangeError('maxPool2d: an array is too short');
  let o = 0;
  for (let nc = 0; nc < NC; nc++) {
    const xb = nc * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, o++) {
        const base = xb + oh * sh * W + ow * sw;
        let m = x[base], mi = base;
        for (let ki = 0; ki < kh; ki++) {
          const r = base + ki * W;
          for (let kj = 0; kj < kw; kj++) { const v = x[r + kj]; if (v > m) { m = v; mi = r + kj; } }
        }
        y[o] = m;
        idx[o] = mi;
      }
    }
  }
}

/**
 * MaxPool backward by planes: dst = 0, then dst[idx[i]] += src[i], where plane k of src
 * (`per` values) only points into plane k of dst (`perDst` values), as MaxPool's indices do.
 * Natively the planes are split over the threads (no two threads touch the same plane).
 */
export function scatterAddPlanes(src: Float32Array, idx: Float64Array, planes: number, per: number, perDst: number, dst: Float32Array): void {
  if (useNative && native) { native.scatterAddPlanes(src, idx, planes, per, perDst, dst); return; }
  if (idx.length !== src.length || src.length !== planes * per || dst.length < planes * perDst) throw new RangeError('scatterAddPlanes: array lengths do not match planes');
  dst.fill(0, 0, planes * perDst);
  for (let i = 0; i < src.length; i++) dst[idx[i]] += src[i];
}

/** dst[idx[i]] += src[i] (max-pooling backward). */
export function scatterAdd(src: Float32Array, idx: Float64Array, dst: Float32Array): void {
  if (useNative && native) { native.scatterAdd(src, idx, dst); return; }
  if (idx.length !== src.length) throw new RangeError('scatterAdd: src and idx must have the same length');
  for (let i = 0; i < src.length; i++) dst[idx[i]] += src[i];
}

/**
 * Direct convolution y = relu?(conv(x, w) + bias) for stride 1, no padding, no dilation, one
 * group, written as NCHW. Returns false (y untouched) when the native AVX-512 kernel is not
 * available; the caller then uses im2col + GEMM. x [N, C, H, W], w [M, C, kh, kw].
 */
export function convDirect(x: Float32Array, N: number, C: number, H: number, W: number, w: Float32Array, M: number, kh: number, kw: number,
  bias: Float32Array | null, relu: boolean, y: Float32Array): boolean {
  return useNative && native !== null && native.convDirect(x, N, C, H, W, w, M, kh, kw, bias, relu, y);
}

/** The input gradient of convDirect: dx [N, C, OH+kh−1, OW+kw−1] (written whole) from dy [N, M, OH, OW] and w; false when it cannot run. */
export function convDirectInput(dy: Float32Array, N: number, M: number, OH: number, OW: number, w: Float32Array, C: number, kh: number, kw: number, dx: Float32Array): boolean {
  return useNative && native !== null && native.convDirectInput(dy, N, M, OH, OW, w, C, kh, kw, dx);
}

/** The filter gradient of convDirect: dw [M, C, kh, kw] from x and dy [N, M, OH, OW]; false when it cannot run (then im2col + GEMM). */
export function convDirectFilter(x: Float32Array, N: number, C: number, H: number, W: number, dy: Float32Array, M: number, kh: number, kw: number, dw: Float32Array): boolean {
  return useNative && native !== null && native.convDirectFilter(x, N, C, H, W, dy, M, kh, kw, dw);
}

/**
 * Softmax cross-entropy on logits z [N, C] with class-index labels, natively: writes
 * g = (softmax(z) − onehot) / N, out[0] = summed loss, out[1] = correct rows. Returns -1 when
 * done, the first row whose label is outside [0, C), or null when the caller must use its JS
 * loop (no addon, or no memory), which gives identical results.
 */
export function softmaxXentNative(z: Float32Array, labels: Float64Array, N: number, C: number, g: Float32Array, out: Float64Array): number | null {
  if (!useNative || !native) return null;
  const r = native.softmaxXent(z, labels, N, C, g, out);
  return r === -2 ? null : r;
}

/** out[c] = Σ over n and p of x[n, c, p] for an [N, C, P] tensor, accumulated in float64 (Conv bias gradient). */
export function channelSums(x: Float32Array, N: number, C: number, P: number, out: Float32Array): void {
  if (useNative && native) { native.channelSums(x, N, C, P, out); return; }
  if (N * C * P > x.length || out.length < C) throw new RangeError('channelSums: an array is too short');
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let n = 0; n < N; n++) { const o = (n * C + c) * P; for (let p = 0; p < P; p++) s += x[o + p]; }
    out[c] = s;
  }
}

/** Index of the first NaN or ±Inf in x, or -1 (the executor's check of every op's output). */
export function firstNonFiniteIndex(x: Float32Array): number {
  if (useNative && native && x.length >= 256) return native.firstNonFinite(x);
  for (let i = 0; i < x.length; i++) { const v = x[i]; if (v - v !== 0) return i; }
  return -1;
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
