// Kernel registry (tfjs's kernel_registry.ts): backend + kernel name → implementation.
// Registering the same pair twice is a bug (two files claiming one kernel) and throws.

import type { KernelName } from './kernelNames';
import type { Tensor } from './tensor';

// Attributes differ per kernel; each implementation declares its own attrs type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KernelFunc = (inputs: Tensor[], attrs: any) => Tensor | Tensor[];

export interface KernelConfig {
  kernelName: KernelName;
  backendName: string;
  kernelFunc: KernelFunc;
}

const kernels = new Map<string, KernelConfig>();
const key = (backend: string, kernel: string) => `${backend}/${kernel}`;

export function registerKernel(config: KernelConfig): void {
  const k = key(config.backendName, config.kernelName);
  if (kernels.has(k)) throw new Error(`Kernel ${config.kernelName} is already registered for backend ${config.backendName}`);
  kernels.set(k, config);
}

export function getKernel(kernelName: string, backendName: string): KernelConfig | undefined {
  return kernels.get(key(backendName, kernelName));
}

export function kernelsForBackend(backendName: string): KernelConfig[] {
  return [...kernels.values()].filter((k) => k.backendName === backendName);
}

/** For tests: forget a backend's kernels so registration can be exercised again. */
export function unregisterBackendKernels(backendName: string): void {
  for (const [k, v] of kernels) if (v.backendName === backendName) kernels.delete(k);
}
