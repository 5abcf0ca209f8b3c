// The CUDA backend: the registry backend named "cuda". Creating it loads the addon, checks
// the driver and compiles the kernels with NVRTC; any failure throws one clear message.

import { RegistryBackend, type Backend } from '../backend';
import { getKernel } from '../registry';
import { K } from '../kernelNames';
import { CUDA, registerCudaKernels } from './registerAll';
import { getRuntime } from './runtime';

export { CUDA };

export function cudaBackend(): Backend {
  getRuntime(); // throws "CUDA not available: …" with the reason
  if (!getKernel(K.Add, CUDA)) registerCudaKernels();
  return new RegistryBackend(CUDA);
}

/** Waits for all queued GPU work (for timing). */
export function cudaSynchronize(): void {
  getRuntime().addon.sync();
}
