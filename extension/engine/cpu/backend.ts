// The CPU backend: the registry backend named "cpu", its kernels registered on first use.

import { RegistryBackend, type Backend } from '../backend';
import { getKernel } from '../registry';
import { K } from '../kernelNames';
import { CPU, registerCpuKernels } from './registerAll';

export function cpuBackend(threads = 1): Backend {
  if (!getKernel(K.Add, CPU)) registerCpuKernels();
  const b = new RegistryBackend(CPU);
  b.threads = threads;
  return b;
}
