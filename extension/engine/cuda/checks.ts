// What the Trainer and the executor need to read back from a training step on the GPU, read
// back in one small download instead of copying whole tensors to the host: Σx² of many tensors
// (gradient and weight norms, clipping) and whether any of a pass's outputs held NaN or Inf.

import type { FiniteChecker } from '../backend';
import type { Tensor } from '../tensor';
import { DeviceTensor, ptrOf } from './deviceTensor';
import type { DeviceBuffer } from './runtime';
import { getRuntime } from './runtime';

/** Σx² of each tensor (float32 accumulation on the device, like the CUDA SumSquares kernel). */
export function deviceSumSquares(tensors: readonly Tensor[]): Float64Array {
  const out = new Float64Array(tensors.length);
  if (!tensors.length) return out;
  const r = getRuntime(), sums = r.zeros(tensors.length * 4);
  tensors.forEach((t, i) => {
    if (t.size > 0) r.launch1d('sumsq_into', t.size, 'plp', [ptrOf(r, t), t.size, sums.ptr + i * 4]);
  });
  const host = new Float32Array(tensors.length);
  r.addon.download(host, sums.ptr);
  out.set(host);
  return out;
}

/** Flags of up to this many tensors per device buffer. */
const SLOTS = 256;

/**
 * One pass's NaN/Inf check on the device: `take` queues a float32 device tensor (one kernel
 * that sets its own flag), `firstBad` reads all flags at once and returns the index of the
 * first queued tensor that held a non-finite value. Host tensors (CPU fallback kernels) are
 * not taken: the caller checks those where they are.
 */
export class DeviceFiniteChecker implements FiniteChecker {
  private readonly chunks: DeviceBuffer[] = [];
  private count = 0;

  take(t: Tensor): boolean {
    if (!(t instanceof DeviceTensor) || t.dtype !== 'float32' || t.buf.host) return false;
    const r = getRuntime(), slot = this.count % SLOTS;
    if (slot === 0) this.chunks.push(r.zeros(SLOTS * 4));
    if (t.size > 0) r.launch1d('nonfinite_flag', t.size, 'plp', [t.buf.ptr, t.size, this.chunks[this.chunks.length - 1].ptr + slot * 4]);
    this.count++;
    return true;
  }

  firstBad(): number {
    const r = getRuntime(), flags = new Int32Array(SLOTS);
    for (let c = 0; c < this.chunks.length; c++) {
      r.addon.download(flags, this.chunks[c].ptr);
      const n = Math.min(SLOTS, this.count - c * SLOTS);
      for (let i = 0; i < n; i++) if (flags[i]) return c * SLOTS + i;
    }
    return -1;
  }
}
