// cudaStatus(): whether the engine's CUDA backend can run here, and why not. Cheap and never
// throws: it loads the addon and asks the driver, but does not compile the kernels.

import { loadCudaAddon } from './addon';

export interface CudaEngineStatus {
  available: boolean;
  /** Why CUDA is unavailable ("CUDA not available: …"), or '' when it is. */
  reason: string;
  device?: { name: string; computeCapability: string; memoryGiB: number; smCount?: number; driver?: string; nvrtc?: string };
}

const driverStr = (v?: number) => (v ? `${Math.floor(v / 1000)}.${(v % 1000) / 10}` : undefined);

export function cudaStatus(): CudaEngineStatus {
  try {
    const load = loadCudaAddon();
    if (!load.ok) return { available: false, reason: load.reason };
    const s = load.addon.status();
    const device = s.device ? {
      name: s.device, computeCapability: `${s.ccMajor}.${s.ccMinor}`, memoryGiB: Math.round(((s.totalMem ?? 0) / 2 ** 30) * 10) / 10,
      smCount: s.smCount, driver: driverStr(s.driverVersion), nvrtc: s.nvrtcMajor ? `${s.nvrtcMajor}.${s.nvrtcMinor} (${s.nvrtcLib})` : undefined,
    } : undefined;
    return { available: s.available, reason: s.available ? '' : s.reason, device };
  } catch (e) {
    return { available: false, reason: `CUDA not available: ${(e as Error).message}` };
  }
}

/** One line for reports: "NVIDIA H100 … (sm 9.0, 79.1 GiB, driver 13.0)" or the reason. */
export function cudaStatusLine(s = cudaStatus()): string {
  if (!s.available) return s.reason;
  const d = s.device!;
  return `${d.name} (sm ${d.computeCapability}, ${d.memoryGiB} GiB${d.driver ? `, driver CUDA ${d.driver}` : ''}${d.nvrtc ? `, NVRTC ${d.nvrtc}` : ''})`;
}
