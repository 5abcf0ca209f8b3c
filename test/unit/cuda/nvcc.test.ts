// The CUDA kernel sources through the real CUDA compiler, where one is installed (no GPU
// needed): native/cuda/check-nvcc.sh compiles them as NVRTC would (same concatenation, same
// options) for sm_90 / sm_80 / compute_75 with warnings as errors (local memory, spills,
// float64 included), and prints each kernel's parameters from the PTX; here those must match
// the signatures the TypeScript side launches with (read from the sources, as launchGlue does).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { kernelSignatures } from './kernelSignatures';

const root = path.resolve(__dirname, '../../..');

function findNvcc(): string | undefined {
  if (process.env.NVCC && fs.existsSync(process.env.NVCC)) return process.env.NVCC;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, 'nvcc'))) return path.join(dir, 'nvcc');
  }
  const cudaDirs = fs.existsSync('/usr/local') ? fs.readdirSync('/usr/local').filter((d) => /^cuda/.test(d)).sort().reverse() : [];
  for (const d of cudaDirs) {
    const p = path.join('/usr/local', d, 'bin', 'nvcc');
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

const nvcc = findNvcc();
const skip = process.platform !== 'linux' ? 'check-nvcc.sh is Linux-only'
  : !nvcc ? 'no nvcc here (PATH, /usr/local/cuda*/bin): the CUDA toolkit is not installed'
    : false;

test('the CUDA kernel sources compile with nvcc as NVRTC would (sm_90, sm_80, compute_75)', { skip, timeout: 180_000 }, () => {
  const r = spawnSync('bash', [path.join(root, 'native/cuda/check-nvcc.sh')], { encoding: 'utf8', env: { ...process.env, NVCC: nvcc } });
  assert.equal(r.status, 0, `check-nvcc.sh failed:\n${r.stderr}\n${r.stdout}`);
  assert.match(r.stdout, /kernel sources compile with nvcc/);

  // The compiled parameter lists against the source signatures (8-byte: pointer or int64).
  const compiled = new Map(r.stdout.split('\n').filter((l) => l.startsWith('sig ')).map((l) => {
    const [, name, sig = ''] = l.split(' ');
    return [name, sig] as const;
  }));
  const source = kernelSignatures();
  assert.deepEqual([...compiled.keys()].sort(), [...source.keys()].sort());
  for (const [name, sig] of source) {
    assert.equal(compiled.get(name), sig.replace(/[pl]/g, 'P'), `${name}: PTX parameters vs the source signature "${sig}"`);
  }

  // No kernel uses local memory or spills (the script fails on those too; this names them).
  const rows = r.stdout.split('\n').filter((l) => /^ {2}\w+\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+$/.test(l));
  assert.ok(rows.length >= 2 * source.size, 'ptxas resource table');
  for (const row of rows) {
    const [name, , stack, st, ld] = row.trim().split(/\s+/);
    assert.deepEqual([stack, st, ld], ['0', '0', '0'], `${name}: stack/spills`);
  }
});
