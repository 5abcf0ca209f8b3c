// The CUDA runtime the backend's kernels use: one NVRTC-compiled module holding every kernel
// in native/cuda/kernels/, device buffers freed when their tensors are garbage-collected,
// and launch helpers. Created once, on the first cudaBackend() call.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { kernelDirCandidates, loadCudaAddon, type AddonStatus, type CudaAddon } from './addon';

/** Kernel files, concatenated in this order (common.cuh first) into one NVRTC program. */
export const KERNEL_FILES = ['common.cuh', 'elementwise.cu', 'reduce.cu', 'gemm.cu', 'conv.cu', 'norm.cu', 'loss.cu', 'optim.cu'];

export function kernelSource(): { source: string; dir: string } {
  const tried: string[] = [];
  for (const dir of kernelDirCandidates()) {
    if (!KERNEL_FILES.every((f) => fs.existsSync(path.join(dir, f)))) { tried.push(dir); continue; }
    const source = KERNEL_FILES.map((f) => `// ---- ${f}\n${fs.readFileSync(path.join(dir, f), 'utf8')}`).join('\n');
    return { source, dir };
  }
  throw new Error(`CUDA kernel sources not found (looked in ${tried.join(', ')}); set NEURAL_LENS_CUDA_KERNELS`);
}

/** A device allocation; freed when no tensor references it any more. */
export class DeviceBuffer {
  /** Host copy once read (shared by reshaped views); re-uploaded before the next device use. */
  host?: ArrayBufferView;
  /** A view (parent set) shares its parent's memory and keeps it alive; only owners are freed. */
  constructor(readonly rt: CudaRuntime, readonly ptr: number, readonly bytes: number, readonly parent?: DeviceBuffer) {
    if (!parent) rt.track(this);
  }
  /** `bytes` bytes at `offset` of this buffer (e.g. one batch of a dataset kept on the device). */
  view(offset: number, bytes: number): DeviceBuffer {
    if (offset < 0 || offset + bytes > this.bytes) throw new RangeError(`view [${offset}, ${offset + bytes}) outside a ${this.bytes}-byte buffer`);
    return new DeviceBuffer(this.rt, this.ptr + offset, bytes, this);
  }
  /** The pointer for a kernel, after pushing a host copy that may have been changed in place. */
  devicePtr(): number {
    if (this.host) this.rt.addon.upload(this.ptr, this.host);
    return this.ptr;
  }
}

interface Allocation { ptr: number; bytes: number; ref: WeakRef<DeviceBuffer> }

export class CudaRuntime {
  readonly registry: FinalizationRegistry<Allocation>;
  private live = new Set<Allocation>();
  /** Above this many live bytes an allocation first reclaims dead tensors' memory. */
  private softLimit: number;
  private funcs = new Map<string, number>();
  private tables = new Map<string, DeviceBuffer>();
  readonly module: number;
  readonly maxGrid: number;
  liveBytes = 0;
  /** GEMMs (MatMul, Gemm, convolutions) on tensor cores with TF32 inputs (sm_80+; opt-in). */
  tf32 = process.env.NEURAL_LENS_CUDA_TF32 === '1';
  /**
   * NEURAL_LENS_CUDA_PROFILE=1: GPU milliseconds and launches per kernel (GEMMs per shape),
   * each launch synchronised before and after — for finding where the time goes, not for speed.
   */
  readonly profile = process.env.NEURAL_LENS_CUDA_PROFILE === '1' ? new Map<string, { ms: number; n: number }>() : undefined;

  constructor(readonly addon: CudaAddon, readonly info: AddonStatus, options: string[] = []) {
    this.registry = new FinalizationRegistry((a) => this.release(a));
    this.softLimit = Number(process.env.NEURAL_LENS_CUDA_SOFT_LIMIT) || Math.max(2 ** 30, (info.totalMem ?? 16 * 2 ** 30) * 0.5);
    const { source } = kernelSource();
    this.module = addon.compile(source, 'neural_lens_kernels.cu', options);
    this.maxGrid = Math.max(1, (info.smCount ?? 80) * 16);
  }

  fn(name: string): number {
    let f = this.funcs.get(name);
    if (f === undefined) { f = this.addon.getFunction(this.module, name); this.funcs.set(name, f); }
    return f;
  }

  alloc(bytes: number): DeviceBuffer {
    const b = Math.max(4, bytes);
    if (this.liveBytes + b > this.softLimit) this.reclaim();
    let ptr: number;
    try {
      ptr = this.addon.alloc(b);
    } catch (e) {
      if (this.reclaim() === 0) {
        throw new Error(`${(e as Error).message} (${(this.liveBytes / 2 ** 20).toFixed(0)} MiB held by live tensors${gcFn() ? '' : '; node --expose-gc lets the backend reclaim dead ones sooner'})`);
      }
      ptr = this.addon.alloc(b);
    }
    return new DeviceBuffer(this, ptr, b);
  }

  /** Called by each new owning DeviceBuffer. */
  track(buf: DeviceBuffer): void {
    const a: Allocation = { ptr: buf.ptr, bytes: buf.bytes, ref: new WeakRef(buf) };
    this.live.add(a);
    this.liveBytes += a.bytes;
    this.registry.register(buf, a, a);
  }

  private release(a: Allocation): void {
    if (!this.live.delete(a)) return;
    this.liveBytes -= a.bytes;
    this.addon.free(a.ptr, a.bytes);
  }

  /**
   * Frees now the memory of buffers already collected whose finalizers have not run yet
   * (they only run between tasks), after a full collection when node runs with --expose-gc.
   * Returns the bytes freed. Stream-ordered frees keep queued kernels safe.
   */
  reclaim(): number {
    gcFn()?.();
    let freed = 0;
    for (const a of this.live) {
      if (a.ref.deref()) continue;
      this.registry.unregister(a);
      freed += a.bytes;
      this.release(a);
    }
    return freed;
  }

  /** 1-D launch over n elements with a grid-stride loop. */
  launch1d(name: string, n: number, sig: string, args: number[]): void {
    const block = 256, grid = Math.max(1, Math.min(this.maxGrid, Math.ceil(n / block)));
    this.launch(name, [grid, 1, 1], [block, 1, 1], sig, args);
  }

  launch(name: string, grid: [number, number, number], block: [number, number, number], sig: string, args: number[]): void {
    const f = this.fn(name);
    if (!this.profile) { this.addon.launch(f, grid[0], grid[1], grid[2], block[0], block[1], block[2], 0, sig, args); return; }
    this.addon.sync();
    const t0 = performance.now();
    this.addon.launch(f, grid[0], grid[1], grid[2], block[0], block[1], block[2], 0, sig, args);
    this.addon.sync();
    // GEMMs by shape: transA transB M×N×K, batch (grid z) and images summed per batch
    const key = name.startsWith('sgemm') ? `${name} ${args[0]}${args[1]} ${args[2]}x${args[3]}x${args[4]} z${grid[2]} s${args[16]}` : name;
    const e = this.profile.get(key) ?? { ms: 0, n: 0 };
    e.ms += performance.now() - t0; e.n++;
    this.profile.set(key, e);
  }

  zeros(bytes: number): DeviceBuffer {
    const b = this.alloc(bytes);
    this.addon.fill32(b.ptr, 0, Math.ceil(bytes / 4));
    return b;
  }

  /** An int32 table uploaded once per distinct key (im2col / pooling offset tables). */
  table(key: string, make: () => Int32Array): DeviceBuffer {
    let t = this.tables.get(key);
    if (!t) {
      const host = make();
      t = this.alloc(host.byteLength);
      this.addon.upload(t.ptr, host);
      if (this.tables.size > 256) this.tables.clear();
      this.tables.set(key, t);
    }
    return t;
  }
}

const gcFn = () => (globalThis as { gc?: () => void }).gc;

let runtime: CudaRuntime | undefined;
let failure: string | undefined;

/** The runtime, or an Error saying why CUDA cannot be used here. */
export function getRuntime(): CudaRuntime {
  if (runtime) return runtime;
  if (failure) throw new Error(failure);
  const load = loadCudaAddon();
  if (!load.ok) { failure = load.reason; throw new Error(failure); }
  const st = load.addon.status();
  if (!st.available) { failure = st.reason; throw new Error(failure); }
  try {
    runtime = new CudaRuntime(load.addon, st);
  } catch (e) {
    failure = `CUDA not available: the kernels did not compile: ${(e as Error).message}`;
    throw new Error(failure);
  }
  return runtime;
}

/** Tests: run the backend on a given runtime (e.g. one over a stand-in addon). */
export function setRuntimeForTests(r: CudaRuntime | undefined): void {
  runtime = r;
  failure = undefined;
}
