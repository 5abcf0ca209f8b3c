/**
 * Loader for the CUDA addon (native/cuda/, plain N-API C; see native/cuda/src/addon.c).
 *
 * The addon builds at `npm ci` on any Linux machine (no CUDA toolkit needed) and dlopen()s
 * the NVIDIA driver and NVRTC only when first used, so loading it never fails for lack of a
 * GPU: `status()` says why CUDA is unavailable instead. Loaded with `process.dlopen` so the
 * same code works from the repo (tsx) and from the dist/ bundle.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Raw addon surface. Device pointers are Numbers; sizes are in bytes. */
export interface CudaAddon {
  status(): AddonStatus;
  /** NVRTC-compiles CUDA C++ for device 0 and loads it; returns a module id. */
  compile(source: string, name: string, options: string[]): number;
  getFunction(module: number, name: string): number;
  alloc(bytes: number): number;
  free(ptr: number, bytes: number): void;
  upload(ptr: number, src: ArrayBufferView): void;
  download(dst: ArrayBufferView, ptr: number): void;
  copy(dst: number, src: number, bytes: number): void;
  fill32(ptr: number, bits: number, count: number): void;
  /** signature: one char per argument, 'p' pointer, 'i' int32, 'f' float32, 'l' int64 */
  launch(fn: number, gx: number, gy: number, gz: number, bx: number, by: number, bz: number, sharedBytes: number, signature: string, args: number[]): void;
  sync(): void;
  memInfo(): { free: number; total: number };
  graphBegin(): void;
  graphEnd(): number;
  graphLaunch(id: number): void;
  graphDestroy(id: number): void;
}

export interface AddonStatus {
  available: boolean;
  reason: string;
  device?: string;
  ccMajor?: number;
  ccMinor?: number;
  smCount?: number;
  totalMem?: number;
  driverVersion?: number;
  nvrtcMajor?: number;
  nvrtcMinor?: number;
  nvrtcLib?: string;
  asyncAlloc: boolean;
  graphs: boolean;
}

export const CUDA_ADDON_FILE = 'neural_lens_cuda.node';

function here(): string {
  return typeof __dirname === 'string' ? __dirname : process.cwd();
}

/** Where the addon may be, most specific first (an explicit path is the only candidate). */
export function cudaAddonCandidates(): string[] {
  const override = process.env.NEURAL_LENS_CUDA_ADDON;
  if (override) return [path.resolve(override)];
  const h = here();
  return [...new Set([
    path.join(h, CUDA_ADDON_FILE), // packaged beside extension.js
    path.join(h, '..', 'native', 'cuda', 'build', 'Release', CUDA_ADDON_FILE), // dist/ inside the repo
    path.join(h, '..', '..', '..', 'native', 'cuda', 'build', 'Release', CUDA_ADDON_FILE), // extension/engine/cuda (tsx)
  ].map((p) => path.resolve(p)))];
}

/** Folders that may hold the kernel sources (native/cuda/kernels). */
export function kernelDirCandidates(): string[] {
  const override = process.env.NEURAL_LENS_CUDA_KERNELS;
  if (override) return [path.resolve(override)];
  const h = here();
  return [...new Set([
    path.join(h, 'cuda-kernels'),
    path.join(h, '..', 'native', 'cuda', 'kernels'),
    path.join(h, '..', '..', '..', 'native', 'cuda', 'kernels'),
  ].map((p) => path.resolve(p)))];
}

export type CudaAddonLoad = { ok: true; addon: CudaAddon; file: string } | { ok: false; reason: string };

let cached: CudaAddonLoad | undefined;

export function loadCudaAddon(): CudaAddonLoad {
  if (cached) return cached;
  const flag = (process.env.NEURAL_LENS_CUDA ?? '').toLowerCase();
  if (flag === '0' || flag === 'off' || flag === 'false') {
    return (cached = { ok: false, reason: `CUDA not available: disabled by NEURAL_LENS_CUDA=${process.env.NEURAL_LENS_CUDA}` });
  }
  if (process.platform !== 'linux') return (cached = { ok: false, reason: `CUDA not available: the CUDA backend is built on Linux only (this is ${process.platform})` });
  const failures: string[] = [];
  const candidates = cudaAddonCandidates();
  for (const file of candidates) {
    if (!fs.existsSync(file)) continue;
    try {
      const mod = { exports: {} as Record<string, unknown> };
      process.dlopen(mod, file);
      const a = mod.exports as unknown as CudaAddon;
      for (const fn of ['status', 'compile', 'getFunction', 'alloc', 'free', 'upload', 'download', 'launch', 'sync'] as const) {
        if (typeof a[fn] !== 'function') throw new Error(`export ${fn} is missing`);
      }
      return (cached = { ok: true, addon: a, file });
    } catch (e) {
      failures.push(`${file}: ${(e as Error).message}`);
    }
  }
  if (failures.length) return (cached = { ok: false, reason: `CUDA not available: the CUDA addon failed to load: ${failures.join('; ')}` });
  return (cached = { ok: false, reason: `CUDA not available: the CUDA addon is not built (run "npm run install"; looked in ${candidates.join(', ')})` });
}
