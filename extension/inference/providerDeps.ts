// Can ONNX Runtime's CUDA provider library load here? It links against the CUDA runtime,
// cuBLAS, cuFFT, cuRAND and cuDNN of the major versions it was built for. Asking the dynamic
// loader (ldd) which of them it cannot find names the missing library before a session fails
// with a bare dlopen error, and a missing libcudnn.so.9 on a machine that has libcudnn.so.8 is
// said to be a cuDNN major-version mismatch. Linux only; nothing here throws.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

export interface MissingLibrary {
  /** the soname the provider needs, e.g. libcudnn.so.9 */
  name: string;
  /** other versions of the same library found on this machine, e.g. libcudnn.so.8 */
  others: string[];
}

export interface ProviderDependencies {
  /** false only when the loader said a library is missing */
  ok: boolean;
  missing: MissingLibrary[];
  /** one line: what is missing and why, or how the check went */
  detail: string;
}

const FAMILIES: [RegExp, string, string][] = [
  [/^libcudnn/, 'cuDNN', 'cuDNN'],
  [/^libcublas/, 'cuBLAS', 'CUDA'],
  [/^libcudart/, 'the CUDA runtime', 'CUDA'],
  [/^libcufft/, 'cuFFT', 'CUDA'],
  [/^libcurand/, 'cuRAND', 'CUDA'],
  [/^libnvrtc/, 'NVRTC', 'CUDA'],
  [/^libnvinfer/, 'TensorRT', 'TensorRT'],
];

/** Sonames that `ldd` output reports as "not found". */
export function parseLddMissing(lddOutput: string): string[] {
  const out: string[] = [];
  for (const line of lddOutput.split('\n')) {
    const m = /^\s*(\S+)\s*=>\s*not found/.exec(line);
    if (m && !out.includes(m[1])) out.push(m[1]);
  }
  return out;
}

/** "libcudnn.so.9" → "libcudnn.so" (the part every version shares). */
function stem(soname: string): string {
  return soname.replace(/\.so(\.\d+)*$/, '.so');
}

/** Folders the loader searches: LD_LIBRARY_PATH, the ld.so cache (ldconfig -p), the usual system folders, `extra`. */
function searchFolders(env: NodeJS.ProcessEnv, extra: string[]): { dirs: string[]; cached: string[] } {
  const dirs = [...extra, ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), '/usr/local/cuda/lib64', '/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib'];
  const cached: string[] = [];
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    try {
      const text = execFileSync(ldconfig, ['-p'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
      for (const line of text.split('\n')) {
        const m = /^\s*(\S+)\s.*=>\s*(\S+)\s*$/.exec(line);
        if (m) cached.push(m[1]);
      }
      break;
    } catch { /* try the next name */ }
  }
  return { dirs: [...new Set(dirs)], cached };
}

/** Other versions of `soname`'s library present on this machine (never `soname` itself). */
function otherVersions(soname: string, folders: { dirs: string[]; cached: string[] }): string[] {
  const base = stem(soname);
  const same = (f: string) => f !== soname && (f.startsWith(`${base}.`) && /^\d/.test(f.slice(base.length + 1)));
  const found = new Set(folders.cached.filter(same));
  for (const d of folders.dirs) {
    try { for (const f of fs.readdirSync(d)) if (same(f)) found.add(f); } catch { /* folder absent */ }
  }
  return [...found].sort();
}

/** One line per missing library: what it is, and whether another major version is installed. */
export function describeMissing(m: MissingLibrary): string {
  const family = FAMILIES.find(([re]) => re.test(m.name));
  const what = family?.[1] ?? 'a library it needs';
  const major = /\.so\.(\d+)/.exec(m.name)?.[1];
  if (m.others.length > 0) {
    return `${m.name} (${what}) not found; this machine has ${m.others.join(', ')}: ${family?.[2] ?? 'library'} major version mismatch`;
  }
  return `${m.name} (${what}) not found: install ${family ? `${family[1].replace(/^the /, '')}${major ? ` ${major}` : ''}` : 'it'} or add its folder to LD_LIBRARY_PATH`;
}

export type LddRunner = (file: string, env: NodeJS.ProcessEnv) => string;

const runLdd: LddRunner = (file, env) =>
  execFileSync('ldd', [file], { encoding: 'utf8', timeout: 10000, env, stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * Which shared libraries `libFile` (e.g. libonnxruntime_providers_cuda.so) needs but the
 * loader cannot find, with the environment `env` (default: this process's). `ldd` is a
 * parameter for tests.
 */
export function providerDependencies(libFile: string, env: NodeJS.ProcessEnv = process.env, ldd: LddRunner = runLdd): ProviderDependencies {
  if (process.platform !== 'linux') return { ok: true, missing: [], detail: 'dependencies not checked (Linux only)' };
  let text: string;
  try {
    text = ldd(libFile, env);
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (err.code === 'ENOENT') return { ok: true, missing: [], detail: 'dependencies not checked (ldd is not installed)' };
    // ldd exits non-zero for some libraries but still lists what it resolved
    text = `${err.stdout ?? ''}\n${err.stderr ?? ''}`;
    if (!/=>/.test(text)) return { ok: true, missing: [], detail: `dependencies not checked (ldd: ${(err.stderr || err.message || '').split('\n')[0].trim()})` };
  }
  const names = parseLddMissing(text);
  if (names.length === 0) return { ok: true, missing: [], detail: `all libraries ${path.basename(libFile)} needs were found` };
  const folders = searchFolders(env, [path.dirname(libFile)]);
  const missing = names.map((name) => ({ name, others: otherVersions(name, folders) }));
  return { ok: false, missing, detail: missing.map(describeMissing).join('; ') };
}
