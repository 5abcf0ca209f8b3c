// Builds the optional CUDA addon (native/cuda/) at `npm ci`, after the CPU addon.
//
// Needs only a C compiler and Node's headers: the CUDA driver and NVRTC are dlopen()ed at
// run time, so this builds the same on machines with and without a GPU. Never fails the
// install: on any problem it prints why and exits 0 (the engine then reports the CUDA
// backend as unavailable and uses the CPU backend).
//
// NEURAL_LENS_SKIP_NATIVE=1 or NEURAL_LENS_SKIP_CUDA=1 skips it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'build', 'Release', 'neural_lens_cuda.node');
const log = (m) => console.log(`[neural-lens cuda] ${m}`);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', timeout: 300_000, cwd: here });
  if (r.error) return `${cmd}: ${r.error.message}`;
  return r.status === 0 ? null : `${cmd} exited with ${r.status ?? r.signal}`;
}

function headerPrefix() {
  const prefixes = [process.env.npm_config_nodedir, path.resolve(path.dirname(process.execPath), '..'), '/usr', '/usr/local',
    path.join(os.homedir(), '.cache', 'node-gyp', process.versions.node)];
  return prefixes.find((p) => p && fs.existsSync(path.join(p, 'include', 'node', 'node_api.h')));
}

function tryNodeGyp() {
  const gyp = [process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')]
    .find((p) => p && fs.existsSync(p));
  if (!gyp) return 'node-gyp not found';
  const args = [gyp, 'rebuild', `--directory=${here}`];
  const prefix = headerPrefix();
  const cached = fs.existsSync(path.join(os.homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node', 'node_api.h'));
  if (!process.env.npm_config_nodedir && prefix && !cached) args.push(`--nodedir=${prefix}`);
  return run(process.execPath, args);
}

function tryDirectCc() {
  const prefix = headerPrefix();
  if (!prefix) return 'no Node headers (include/node/node_api.h) found';
  if (process.platform !== 'linux') return 'the CUDA addon is built on Linux only';
  fs.mkdirSync(path.dirname(out), { recursive: true });
  return run(process.env.CC || 'cc', ['-O2', '-std=gnu11', '-fPIC', '-shared', `-I${path.join(prefix, 'include', 'node')}`,
    path.join(here, 'src', 'addon.c'), '-ldl', '-o', out]);
}

/** Loads the addon in a child process and asks for its status (never needs a GPU). */
function smoke() {
  const probe = `const m={exports:{}};process.dlopen(m,${JSON.stringify(out)});console.log(JSON.stringify(m.exports.status()));`;
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? { ok: true, info: r.stdout.trim() } : { ok: false, why: (r.stderr || r.error?.message || '').trim() };
}

function main() {
  if (process.env.NEURAL_LENS_SKIP_NATIVE === '1' || process.env.NEURAL_LENS_SKIP_CUDA === '1') return log('skipped');
  if (process.platform !== 'linux') return log(`skipped: the CUDA backend is built on Linux only (this is ${process.platform})`);
  const failures = [];
  for (const attempt of process.env.NEURAL_LENS_NATIVE_BUILD === 'cc' ? [tryDirectCc] : [tryNodeGyp, tryDirectCc]) {
    const err = attempt();
    if (err) { failures.push(err); continue; }
    const s = fs.existsSync(out) ? smoke() : { ok: false, why: `${out} was not produced` };
    if (s.ok) return log(`built ${path.relative(process.cwd(), out)}: ${s.info}`);
    failures.push(`built but failed to load: ${s.why}`);
  }
  try { fs.rmSync(out, { force: true }); } catch { /* leave it */ }
  log(`WARNING: CUDA addon not built (${failures.join('; ')}); training uses the CPU backend.`);
}

try { main(); } catch (e) { log(`WARNING: CUDA addon skipped after an unexpected error: ${e?.stack ?? e}`); }
process.exitCode = 0;
