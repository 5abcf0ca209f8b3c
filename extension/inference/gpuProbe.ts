// Is there an NVIDIA GPU this process could use, and if not, why not? Three independent probes:
// the kernel driver (/proc/driver/nvidia), nvidia-smi, and whether libcuda (the user-space driver
// every CUDA library needs) can be loaded into this process. Results are cached; nothing here
// throws.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

export interface GpuProbe {
  /** An NVIDIA GPU is present and its driver library loads. */
  found: boolean;
  /** One line: what was found, or why not. */
  reason: string;
  /** GPU names and memory, from nvidia-smi. */
  devices: string[];
  driverVersion?: string;
  /** libcuda.so.1 / nvcuda.dll could be loaded. */
  libcuda: boolean;
  /** Raw probe results, for the environment report. */
  probes: { procDriver: string; nvidiaSmi: string; libcuda: string };
}

let cached: GpuProbe | undefined;

const LIBCUDA = process.platform === 'win32' ? 'nvcuda.dll' : 'libcuda.so.1';

/** Loads libcuda by name through the dynamic loader. process.dlopen maps the library and then
 *  complains that it is not a Node addon; that complaint means the library loaded. */
function probeLibcuda(): { ok: boolean; detail: string } {
  if (process.platform === 'darwin') return { ok: false, detail: 'CUDA does not exist on macOS' };
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, LIBCUDA, os.constants.dlopen.RTLD_LAZY);
    return { ok: true, detail: `${LIBCUDA} loaded` };
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    if (/self-register|napi_register_module|not a valid Win32|Module did not/i.test(msg)) return { ok: true, detail: `${LIBCUDA} loaded` };
    if (/cannot open shared object|No such file|cannot find the module|not found/i.test(msg)) return { ok: false, detail: `${LIBCUDA} not found` };
    return { ok: false, detail: `${LIBCUDA} failed to load: ${msg.split('\n')[0]}` };
  }
}

function probeProcDriver(): { ok: boolean; detail: string; version?: string } {
  if (process.platform !== 'linux') return { ok: false, detail: 'not Linux' };
  try {
    const text = fs.readFileSync('/proc/driver/nvidia/version', 'utf8');
    const version = /Kernel Module(?: for [^ ]+)?\s+([0-9.]+)/.exec(text)?.[1];
    return { ok: true, detail: `kernel driver ${version ?? 'present'}`, version };
  } catch {
    return { ok: false, detail: '/proc/driver/nvidia absent (no NVIDIA kernel driver)' };
  }
}

function probeNvidiaSmi(): { ok: boolean; detail: string; devices: string[]; version?: string } {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader'],
      { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const rows = out.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => l.split(',').map((s) => s.trim()));
    if (rows.length === 0) return { ok: false, detail: 'nvidia-smi lists no GPU', devices: [] };
    return { ok: true, detail: `${rows.length} GPU(s)`, devices: rows.map((r) => `${r[0]} (${r[1]})`), version: rows[0][2] };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') return { ok: false, detail: 'nvidia-smi not installed', devices: [] };
    const why = (err.stderr || err.message || '').split('\n')[0].trim();
    return { ok: false, detail: `nvidia-smi failed: ${why}`, devices: [] };
  }
}

export function probeGpu(): GpuProbe {
  if (cached) return cached;
  const proc = probeProcDriver();
  const smi = probeNvidiaSmi();
  const lib = probeLibcuda();
  const found = lib.ok && (smi.ok || proc.ok);
  let reason: string;
  if (found) reason = `NVIDIA GPU: ${smi.devices.join(', ') || 'present'}${proc.version || smi.version ? `, driver ${proc.version ?? smi.version}` : ''}`;
  else if (process.platform === 'darwin') reason = 'no NVIDIA GPU: CUDA does not exist on macOS';
  else if (!lib.ok && !proc.ok && !smi.ok) reason = `no NVIDIA driver (${lib.detail})`;
  else if (!lib.ok) reason = `NVIDIA driver present but ${lib.detail}`;
  else reason = `${LIBCUDA} loads but no GPU is visible (${smi.detail})`;
  cached = {
    found, reason, devices: smi.devices, driverVersion: proc.version ?? smi.version, libcuda: lib.ok,
    probes: { procDriver: proc.detail, nvidiaSmi: smi.detail, libcuda: lib.detail },
  };
  return cached;
}

/** The ORT CUDA provider library in ORT's binary folder (ORT loads providers only from there). */
export function cudaProviderLibrary(binDir: string): { path: string; present: boolean } {
  const file = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  const p = path.join(binDir, file);
  return { path: p, present: fs.existsSync(p) };
}
