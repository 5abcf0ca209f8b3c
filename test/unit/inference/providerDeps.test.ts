// The CUDA provider's library check: what ldd reports missing, named with the library it is and,
// when another major version is installed, called a version mismatch. Real ELF files built with
// the C compiler the native addon needs (skipped where there is none).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describeMissing, parseLddMissing, providerDependencies } from '../../../extension/inference/providerDeps';

test('ldd output: the "not found" sonames, once each', () => {
  const out = [
    '\tlinux-vdso.so.1 (0x00007ffd)',
    '\tlibcudart.so.12 => not found',
    '\tlibcublasLt.so.12 => not found',
    '\tlibcudnn.so.9 => /usr/lib/x86_64-linux-gnu/libcudnn.so.9 (0x00007f)',
    '\tlibcudart.so.12 => not found',
    '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f)',
  ].join('\n');
  assert.deepEqual(parseLddMissing(out), ['libcudart.so.12', 'libcublasLt.so.12']);
  assert.deepEqual(parseLddMissing('\tstatically linked'), []);
});

test('a missing library is named; another major version installed is a mismatch', () => {
  assert.equal(describeMissing({ name: 'libcudnn.so.9', others: ['libcudnn.so.8'] }),
    'libcudnn.so.9 (cuDNN) not found; this machine has libcudnn.so.8: cuDNN major version mismatch');
  assert.equal(describeMissing({ name: 'libcudart.so.12', others: ['libcudart.so.13'] }),
    'libcudart.so.12 (the CUDA runtime) not found; this machine has libcudart.so.13: CUDA major version mismatch');
  assert.equal(describeMissing({ name: 'libcublasLt.so.12', others: [] }),
    'libcublasLt.so.12 (cuBLAS) not found: install cuBLAS 12 or add its folder to LD_LIBRARY_PATH');
  assert.equal(describeMissing({ name: 'libfoo.so.3', others: [] }), 'libfoo.so.3 (a library it needs) not found: install it or add its folder to LD_LIBRARY_PATH');
});

function hasCc(): boolean {
  try { execFileSync('cc', ['--version'], { stdio: 'ignore' }); execFileSync('ldd', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
}

// Majors no real CUDA install has (this machine may have the real CUDA 13 toolkit in its loader cache).
test('a provider library linked against cuDNN 98 and CUDA 99, on a machine with cuDNN 97 only', { skip: process.platform !== 'linux' || !hasCc() ? 'needs Linux, cc and ldd' : false }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-provdeps-'));
  const src = path.join(dir, 'empty.c');
  fs.writeFileSync(src, 'int nl_provdeps_symbol(void) { return 1; }\n');
  const lib = (folder: string, soname: string) => {
    fs.mkdirSync(folder, { recursive: true });
    execFileSync('cc', ['-shared', '-fPIC', `-Wl,-soname,${soname}`, '-o', path.join(folder, soname), src]);
    return path.join(folder, soname);
  };
  const cuda99 = path.join(dir, 'cuda99'), cudnn97 = path.join(dir, 'cudnn97'), cudnn98 = path.join(dir, 'cudnn98');
  const cudart = lib(cuda99, 'libcudart.so.99');
  lib(cudnn97, 'libcudnn.so.97');
  const cudnn = lib(cudnn98, 'libcudnn.so.98');
  const provider = path.join(dir, 'prov', 'libonnxruntime_providers_cuda.so');
  fs.mkdirSync(path.dirname(provider));
  execFileSync('cc', ['-shared', '-fPIC', '-Wl,--no-as-needed', '-o', provider, src, cudart, cudnn]);

  const env = (dirs: string[]) => ({ ...process.env, LD_LIBRARY_PATH: dirs.join(':') });
  const mismatch = providerDependencies(provider, env([cuda99, cudnn97]));
  assert.equal(mismatch.ok, false);
  assert.deepEqual(mismatch.missing, [{ name: 'libcudnn.so.98', others: ['libcudnn.so.97'] }]);
  assert.match(mismatch.detail, /^libcudnn\.so\.98 \(cuDNN\) not found; this machine has libcudnn\.so\.97: cuDNN major version mismatch$/);

  const both = providerDependencies(provider, env([]));
  assert.deepEqual(both.missing.map((m) => m.name).sort(), ['libcudart.so.99', 'libcudnn.so.98']);
  // (a real libcudart.so.13 on this machine would make the first a mismatch: either is right)
  assert.match(both.detail, /libcudart\.so\.99 \(the CUDA runtime\) not found[:;] .*libcudnn\.so\.98 \(cuDNN\) not found: install cuDNN 98 or add its folder to LD_LIBRARY_PATH$/);

  const fine = providerDependencies(provider, env([cuda99, cudnn98]));
  assert.equal(fine.ok, true, fine.detail);
  assert.match(fine.detail, /all libraries libonnxruntime_providers_cuda\.so needs were found/);
});

test('without ldd the check does not block CUDA (the session will say what fails)', () => {
  const enoent = Object.assign(new Error('spawn ldd ENOENT'), { code: 'ENOENT' });
  const r = providerDependencies('/x/libonnxruntime_providers_cuda.so', process.env, () => { throw enoent; });
  if (process.platform === 'linux') assert.deepEqual(r, { ok: true, missing: [], detail: 'dependencies not checked (ldd is not installed)' });
  else assert.equal(r.ok, true);
});
