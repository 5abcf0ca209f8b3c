// The backend interface ops talk to. A backend is a name plus the kernels registered under
// it; ops never touch typed arrays of float data directly, so a CUDA backend plugs in by
// registering the same kernel names (see kernelNames.ts).

import { K, type KernelName } from './kernelNames';
import { getKernel } from './registry';
import type { Tensor } from './tensor';

export interface Backend {
  readonly name: string;
  /** Run a kernel producing one tensor. */
  run(kernel: KernelName, inputs: Tensor[], attrs?: object): Tensor;
  /** Run a kernel producing several tensors. */
  runMulti(kernel: KernelName, inputs: Tensor[], attrs?: object): Tensor[];
  /** Threads kernels may use (a hint; the CPU backend passes it to its GEMM). */
  threads: number;
  /**
   * A device backend's NaN/Inf check for one forward or backward pass (scanning its outputs
   * on the host would copy each back); absent on the CPU, where the executor scans directly.
   */
  finiteChecker?(): FiniteChecker;
}

export interface FiniteChecker {
  /** Queues t's check and returns true, or returns false when t must be checked on the host. */
  take(t: Tensor): boolean;
  /** The index (in take order, counting taken tensors only) of the first one with NaN/Inf, or -1. */
  firstBad(): number;
}

export class RegistryBackend implements Backend {
  threads = 1;
  constructor(readonly name: string) {}

  run(kernel: KernelName, inputs: Tensor[], attrs: object = {}): Tensor {
    const r = this.call(kernel, inputs, attrs);
    if (Array.isArray(r)) throw new Error(`Kernel ${kernel} returned ${r.length} tensors; use runMulti`);
    return r;
  }

  runMulti(kernel: KernelName, inputs: Tensor[], attrs: object = {}): Tensor[] {
    const r = this.call(kernel, inputs, attrs);
    return Array.isArray(r) ? r : [r];
  }

  private call(kernel: KernelName, inputs: Tensor[], attrs: object): Tensor | Tensor[] {
    const k = getKernel(kernel, this.name);
    if (!k) throw new Error(`Backend "${this.name}" has no kernel ${kernel}`);
    return k.kernelFunc(inputs, attrs);
  }
}

export { K };
