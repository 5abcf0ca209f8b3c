// Kernel name → launch signature (the addon's marshalling chars: p pointer, i int32, f float32,
// l int64), read from the CUDA sources' NL_EXTERN declarations. Used by launchGlue.test.ts
// (launches against the sources) and nvcc.test.ts (the sources against the compiled PTX).

import { kernelSource } from '../../../extension/engine/cuda/runtime';

export function kernelSignatures(): Map<string, string> {
  const src = kernelSource().source, out = new Map<string, string>();
  const re = /NL_EXTERN\s+void\s+(?:__launch_bounds__\(\d+\)\s*)?(\w+)\s*\(([^)]*)\)/g;
  for (const m of src.matchAll(re)) {
    const sig = m[2].split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
      if (p.includes('*')) return 'p';
      if (/\blong long\b/.test(p)) return 'l';
      if (/\bfloat\b/.test(p)) return 'f';
      if (/\bint\b/.test(p)) return 'i';
      throw new Error(`cannot classify parameter "${p}" of ${m[1]}`);
    }).join('');
    out.set(m[1], sig);
  }
  return out;
}
