// Builds the optional native kernels addon (native/) at `npm ci` / `npm install`.
//
// Never fails the install: if the compiler, the Node headers or node-gyp are
// missing, it prints why and exits 0, and the engine uses its JS kernels
// (extension/engine/cpu/gemm.ts reports the reason in gemmBackendInfo()).
//
// Order of attempts, all offline:
//   1. node-gyp (bundled with npm) with the configured nodedir, or with
//      --nodedir=<prefix> when <prefix>/include/node has this Node's headers;
//   2. a direct `cc` build against any Node headers found (N-API addons need
//      only headers: symbols resolve against the host process at load).
// Then the result is loaded once in a child process to prove it works.
//
// Set NEURAL_LENS_SKIP_NATIVE=1 to skip the build, NEURAL_LENS_NATIVE_BUILD=cc
// to go straight to the direct compiler build.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'build', 'Release', 'neural_lens_native.node');
const sources = ['addon.c', 'sgemm.c', 'sgemm_avx512.c', 'sgemm_avx2.c', 'sgemm_generic.c', 'pool.c', 'im2col.c', 'fused.c', 'conv_direct.c']
  .map((f) => path.join(here, 'src', f));

function log(msg) {
  console.log(`[neural-lens native] ${msg}`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', timeout: 300_000, ...opts });
  if (r.error) return `${cmd}: ${r.error.message}`;
  return r.status === 0 ? null : `${cmd} exited with ${r.status ?? r.signal}`;
}

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((p) => p && fs.existsSync(p));
}

/** Install prefixes whose include/node holds node_api.h, this Node's own first. */
function headerPrefixes() {
  const prefixes = [
    process.env.npm_config_nodedir,
    path.resolve(path.dirname(process.execPath), '..'),
    '/usr',
    '/usr/local',
    path.join(os.homedir(), '.cache', 'node-gyp', process.versions.node),
  ];
  return [...new Set(prefixes.filter((p) => p && fs.existsSync(path.join(p, 'include', 'node', 'node_api.h'))))];
}

function headerVersion(prefix) {
  try {
    const h = fs.readFileSync(path.join(prefix, 'include', 'node', 'node_version.h'), 'utf8');
    const get = (k) => (h.match(new RegExp(`#define\\s+NODE_${k}_VERSION\\s+(\\d+)`)) ?? [])[1];
    return `${get('MAJOR')}.${get('MINOR')}.${get('PATCH')}`;
  } catch {
    return undefined;
  }
}

function tryNodeGyp() {
  const gyp = findNodeGyp();
  if (!gyp) return 'node-gyp not found';
  const args = [gyp, 'rebuild', `--directory=${here}`];
  if (!process.env.npm_config_nodedir) {
    // Without a nodedir node-gyp downloads headers, which fails offline.
    // Use local headers of exactly this version when present.
    const local = headerPrefixes().find((p) => headerVersion(p) === process.versions.node);
    const cached = fs.existsSync(path.join(os.homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node', 'node_api.h'));
    if (local && !cached) args.push(`--nodedir=${local}`);
  }
  log(`node-gyp: ${args.slice(1).join(' ')}`);
  return run(process.execPath, args, { cwd: here });
}

function tryDirectCc() {
  const prefix = headerPrefixes()[0];
  if (!prefix) return 'no Node headers (include/node/node_api.h) found';
  if (process.platform === 'win32') return 'direct build is not supported on Windows';
  const cc = process.env.CC || 'cc';
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const args = ['-O3', '-std=gnu11', '-fPIC', '-shared', '-pthread', '-fno-math-errno', '-ffp-contract=off',
    `-I${path.join(prefix, 'include', 'node')}`, ...sources, '-o', out];
  if (process.platform === 'darwin') args.push('-undefined', 'dynamic_lookup');
  log(`${cc} ${args.join(' ')}`);
  return run(cc, args, { cwd: here });
}

function smokeTest() {
  const probe = `const m={exports:{}};process.dlopen(m,${JSON.stringify(out)});` +
    'const C=new Float32Array(4);m.exports.sgemm(false,false,2,2,1,1,new Float32Array([1,2]),0,1,new Float32Array([3,4]),0,2,0,C,0,2);' +
    'if(C.join()!=="3,4,6,8")throw new Error("wrong result "+C.join());console.log(JSON.stringify(m.exports.info()));';
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? { ok: true, info: r.stdout.trim() } : { ok: false, why: (r.stderr || r.error?.message || '').trim() };
}

function main() {
  if (process.env.NEURAL_LENS_SKIP_NATIVE === '1') {
    log('skipped (NEURAL_LENS_SKIP_NATIVE=1); the engine will use its JS kernels');
    return;
  }
  const failures = [];
  // NEURAL_LENS_NATIVE_BUILD=cc skips node-gyp (used to test the second path).
  const attempts = process.env.NEURAL_LENS_NATIVE_BUILD === 'cc' ? [tryDirectCc] : [tryNodeGyp, tryDirectCc];
  for (const attempt of attempts) {
    const err = attempt();
    if (err) {
      failures.push(err);
      continue;
    }
    const smoke = fs.existsSync(out) ? smokeTest() : { ok: false, why: `${out} was not produced` };
    if (smoke.ok) {
      log(`built ${path.relative(process.cwd(), out)}: ${smoke.info}`);
      return;
    }
    failures.push(`built but failed to load: ${smoke.why}`);
  }
  try { fs.rmSync(out, { force: true }); } catch { /* leave it */ }
  log(`WARNING: native kernels not built (${failures.join('; ')}).`);
  log('Training still works with the JS kernels, only slower. Install a C compiler (e.g. apt-get install g++) and run "npm run install" to retry.');
}

try {
  main();
} catch (e) {
  log(`WARNING: native build skipped after an unexpected error: ${e?.stack ?? e}`);
}
process.exitCode = 0;
