// The CUDA backend: the registry backend named "cuda". Creating it loads the addon, checks
// the driver and compiles the kernels with NVRTC; any failure throws one clear message.

import { RegistryBackend, type Backend } from '../backend';
import { getKernel } from '../registry';
import { K } from '../kernelNames';
import { CUDA, registerCudaKernels } from './registerAll';
import { DeviceFiniteChecker } from './checks';
import { getRuntime } from './runtime';

export { CUDA };

export function cudaBackend(): Backend {
  getRuntime(); // throws "CUDA not available: …" with the reason
  if (!getKernel(K.Add, CUDA)) registerCudaKernels();
  // NaN/Inf checks stay on the device (the executor would otherwise copy every output back)
  return Object.assign(new RegistryBackend(CUDA), { finiteChecker: () => new DeviceFiniteChecker() });
}

/** Waits for all queued GPU work (for timing). */
export function cudaSynchronize(): void {
  getRuntime().addon.sync();
}

/**
 * Lets GEMMs and convolutions use tensor cores with TF32 inputs (10-bit mantissa, fp32
 * accumulation) on sm_80+ GPUs; off by default (also NEURAL_LENS_CUDA_TF32=1). Returns
 * whether TF32 is now in effect.
 */
export function setCudaTf32(on: boolean): boolean {
  const r = getRuntime();
  r.tf32 = on;
  return on && (r.info.ccMajor ?? 0) >= 8;
}
