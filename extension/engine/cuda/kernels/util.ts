// Helpers shared by the CUDA kernel files.

import { getKernel, type KernelFunc } from '../../registry';
import { K, type KernelName } from '../../kernelNames';
import { CPU, registerCpuKernels } from '../../cpu/registerAll';
import type { Tensor } from '../../tensor';
import { getRuntime, type CudaRuntime } from '../runtime';

export const rt = (): CudaRuntime => getRuntime();

/** Byte offset of `elems` float32/int32 elements from a device pointer. */
export const off = (ptr: number, elems: number): number => ptr + elems * 4;

/** The CPU kernel of the same name: CUDA kernels hand over cases they do not cover. */
export function cpuKernel(name: KernelName): KernelFunc {
  return (inputs, attrs) => {
    if (!getKernel(K.Add, CPU)) registerCpuKernels();
    const k = getKernel(name, CPU);
    if (!k) throw new Error(`no CPU kernel ${name}`);
    return k.kernelFunc(inputs, attrs);
  };
}

export const allF32 = (ts: (Tensor | undefined)[]): boolean => ts.every((t) => !t || t.dtype === 'float32');

/** Pads a shape (and matching strides) on the left to rank 6 for the rank-6 kernels. */
export function pad6(shape: readonly number[], strides: readonly number[]): { d: number[]; s: number[] } {
  const k = 6 - shape.length;
  return { d: [...new Array(k).fill(1), ...shape], s: [...new Array(k).fill(0), ...strides] };
}
