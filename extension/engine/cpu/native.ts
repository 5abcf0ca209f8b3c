/**
 * Loader for the optional native kernels addon (native/, plain N-API C).
 *
 * The addon is built from source by `npm ci` (package.json "install" runs
 * native/install.mjs). It is optional: when it is missing or fails to load,
 * `loadNative()` returns the reason and callers use their JS kernels.
 *
 * Loaded with `process.dlopen` rather than `require`, so bundlers leave it
 * alone and the same code works from the repo (tsx), from dist/ (esbuild
 * bundle, VS Code / code-server / Electron) and from the CLI.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Raw addon surface; see native/src/addon.c. Offsets and lengths are in elements. */
export interface NativeKernels {
  sgemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: Float32Array, aOff: number, lda: number, B: Float32Array, bOff: number, ldb: number,
    beta: number, C: Float32Array, cOff: number, ldc: number,
    /** epilogue by the GEMM's threads: C[i, j] += bias[j], then ReLU */
    bias?: Float32Array | null, relu?: boolean,
  ): void;
  im2col(
    x: Float32Array, xOff: number, C: number, H: number, W: number, kh: number, kw: number,
    sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, OH: number, OW: number,
    col: Float32Array, colOff: number, colLd: number, count?: number,
  ): void;
  col2im(
    col: Float32Array, colOff: number, C: number, H: number, W: number, kh: number, kw: number,
    sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, OH: number, OW: number,
    x: Float32Array, xOff: number, colLd: number, count?: number,
  ): void;
  setThreads(n: number): void;
  /**
   * SGD with momentum/dampening/Nesterov/weight decay, in place (PyTorch's rule, float32).
   * With `norms` (both steps): norms[0] = Σ g², norms[1] = Σ p² after the update, float64, same pass.
   */
  sgdStep(p: Float32Array, g: Float32Array, buf: Float32Array, lr: number, momentum: number, dampening: number,
    weightDecay: number, nesterov: boolean, first: boolean, norms?: Float64Array): void;
  /** Adam (decoupled = false) or AdamW (true), in place; `step` counts from 1. */
  adamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lr: number, beta1: number, beta2: number,
    eps: number, weightDecay: number, decoupled: boolean, step: number, norms?: Float64Array): void;
  biasAct(C: Float32Array, cOff: number, M: number, N: number, ldc: number, bias: Float32Array | null, relu: boolean): void;
  reluGrad(dy: Float32Array, y: Float32Array, dx: Float32Array): void;
  colSums(A: Float32Array, aOff: number, M: number, N: number, lda: number, out: Float32Array, beta: number): void;
  /** dst[b, a, p] = src[a, b, p] (+ bias[a], then ReLU when relu) for an [A, B, P] array (src and dst distinct). */
  swapAxes01(src: Float32Array, A: number, B: number, P: number, dst: Float32Array, bias?: Float32Array | null, relu?: boolean): void;
  /** 2-D max pooling, no padding or dilation, every window inside the image; idx = flat offsets into x. */
  maxPool2d(x: Float32Array, NC: number, H: number, W: number, OH: number, OW: number, kh: number, kw: number,
    sh: number, sw: number, y: Float32Array, idx: Float64Array): void;
  /** dst[idx[i]] += src[i] (max-pooling backward); every index is checked. */
  scatterAdd(src: Float32Array, idx: Float64Array, dst: Float32Array): void;
  /** out[c] = Σ over n and p of x[n, c, p], accumulated in float64 (Conv bias gradient). */
  channelSums(x: Float32Array, N: number, C: number, P: number, out: Float32Array): void;
  convDirect(x: Float32Array, N: number, C: number, H: number, W: number, w: Float32Array, M: number, kh: number, kw: number,
    bias: Float32Array | null, relu: boolean, y: Float32Array): boolean;
  scatterAddPlanes(src: Float32Array, idx: Float64Array, planes: number, per: number, perDst: number, dst: Float32Array): void;
  softmaxXent(z: Float32Array, labels: Float64Array, N: number, C: number, g: Float32Array, out: Float64Array): number;
  convDirectInput(dy: Float32Array, N: number, M: number, OH: number, OW: number, w: Float32Array, C: number, kh: number, kw: number, dx: Float32Array): boolean;
  convDirectFilter(x: Float32Array, N: number, C: number, H: number, W: number, dy: Float32Array, M: number, kh: number, kw: number, dw: Float32Array): boolean;
  /** Σ x² accumulated in float64. */
  sumSquares(x: Float32Array): number;
  /** Index of the first NaN or ±Inf, or -1. */
  firstNonFinite(x: Float32Array): number;
  /** dst row i = src row idx[i] (rows of `row` floats; indices checked). */
  gatherRows(src: Float32Array, idx: Uint32Array, row: number, dst: Float32Array): void;
  /** Runs a register-only FMA loop; returns the FLOPs it did (0 without AVX2/AVX-512). Time it for the core's peak. */
  fmaPeak(iterations: number): number;
  /** Forces a kernel ISA; false when this CPU lacks it. 'auto' restores detection. */
  setIsa(name: NativeIsa | 'auto'): boolean;
  info(): NativeInfo;
}

export type NativeIsa = 'avx512' | 'avx2' | 'generic';

export interface NativeInfo {
  isa: NativeIsa;
  avx512: boolean;
  avx2: boolean;
  threads: number;
  mr: number;
  nr: number;
  abiVersion: number;
}

export type NativeLoad =
  | { ok: true; kernels: NativeKernels; file: string }
  | { ok: false; reason: string };

/** Bumped with native/src/addon.c when the exported surface changes. */
const ABI_VERSION = 8;
export const NATIVE_FILE = 'neural_lens_native.node';

/** Where the addon may be, most specific first. */
export function nativeCandidates(): string[] {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  // An explicit path is the only candidate (tests, unusual layouts).
  const override = process.env.NEURAL_LENS_NATIVE_PATH;
  if (override) return [path.resolve(override)];
  const list: string[] = [];
  list.push(
    path.join(here, NATIVE_FILE), // packaged: dist/neural_lens_native.node beside extension.js
    path.join(here, 'native', NATIVE_FILE), // packaged: dist/native/
    path.join(here, '..', 'native', 'build', 'Release', NATIVE_FILE), // dist/ bundle inside the repo
    path.join(here, '..', '..', '..', 'native', 'build', 'Release', NATIVE_FILE), // extension/engine/cpu (tsx)
  );
  return [...new Set(list.map((p) => path.resolve(p)))];
}

let cached: NativeLoad | undefined;

/** Loads the addon once; later calls return the same result. */
export function loadNative(): NativeLoad {
  if (cached) return cached;
  cached = tryLoad();
  return cached;
}

function tryLoad(): NativeLoad {
  const flag = (process.env.NEURAL_LENS_NATIVE ?? '').toLowerCase();
  if (flag === '0' || flag === 'off' || flag === 'false') {
    return { ok: false, reason: 'native kernels disabled by NEURAL_LENS_NATIVE=' + process.env.NEURAL_LENS_NATIVE };
  }
  const candidates = nativeCandidates();
  const failures: string[] = [];
  for (const file of candidates) {
    if (!fs.existsSync(file)) continue;
    try {
      const mod = { exports: {} as Record<string, unknown> };
      process.dlopen(mod, file);
      const k = mod.exports as unknown as NativeKernels;
      for (const fn of ['sgemm', 'im2col', 'col2im', 'sgdStep', 'adamStep', 'sumSquares', 'firstNonFinite', 'gatherRows', 'biasAct', 'reluGrad', 'colSums', 'swapAxes01', 'maxPool2d', 'scatterAdd', 'channelSums', 'convDirect', 'convDirectFilter', 'convDirectInput', 'softmaxXent', 'scatterAddPlanes', 'setThreads', 'setIsa', 'fmaPeak', 'info'] as const) {
        if (typeof k[fn] !== 'function') throw new Error(`export ${fn} is missing`);
      }
      const abi = k.info().abiVersion;
      if (abi !== ABI_VERSION) throw new Error(`ABI version ${abi}, expected ${ABI_VERSION}; rebuild with "npm run install"`);
      return { ok: true, kernels: k, file };
    } catch (e) {
      failures.push(`${file}: ${(e as Error).message}`);
    }
  }
  if (failures.length) return { ok: false, reason: 'native addon failed to load: ' + failures.join('; ') };
  return {
    ok: false,
    reason: `native addon not built (looked for ${candidates.join(', ')}); run "npm run install" and read its output`,
  };
}
