// The user's ONNX Runtime folder (neuralLens.inference.onnxRuntimeFolder / NEURAL_LENS_ORT_DIR):
// which layouts are found, why a folder is not used, and that a process told to use one loads
// ORT from it (or falls back to the bundled ORT and says why).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { ortInFolder } from '../../../extension/inference/ortLoader';

const root = path.resolve(__dirname, '../../..');
const pkgDir = path.dirname(createRequire(path.join(root, 'package.json')).resolve('onnxruntime-node/package.json'));

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'nl-ortdir-'));
}

test('an onnxruntime-node package is found as the folder itself, in onnxruntime-node/ and in node_modules/onnxruntime-node/', () => {
  const direct = ortInFolder(pkgDir);
  assert.ok(typeof direct !== 'string', String(direct));
  assert.equal(direct.source, `folder ${pkgDir}`);
  assert.equal(direct.binDir, path.join(pkgDir, 'bin', 'napi-v6', process.platform, process.arch));
  assert.ok(direct.entry.startsWith(pkgDir) && fs.existsSync(direct.entry));

  const holder = tmp();
  fs.symlinkSync(pkgDir, path.join(holder, 'onnxruntime-node'));
  const held = ortInFolder(holder);
  assert.ok(typeof held !== 'string' && held.source === `folder ${path.join(holder, 'onnxruntime-node')}`, String(held));

  const project = tmp();
  fs.mkdirSync(path.join(project, 'node_modules'));
  fs.symlinkSync(pkgDir, path.join(project, 'node_modules', 'onnxruntime-node'));
  const inModules = ortInFolder(project);
  assert.ok(typeof inModules !== 'string' && inModules.source.endsWith(path.join('node_modules', 'onnxruntime-node')), String(inModules));
});

test('a folder that is not usable says why', () => {
  const missing = path.join(os.tmpdir(), 'nl-no-such-folder-4711');
  assert.equal(ortInFolder(missing), `${missing} does not exist`);

  const empty = tmp();
  assert.match(String(ortInFolder(empty)), /holds no onnxruntime-node package \(looked for its package\.json there, in onnxruntime-node\/ and in node_modules\/onnxruntime-node\/\)/);

  const otherPkg = tmp();
  fs.writeFileSync(path.join(otherPkg, 'package.json'), JSON.stringify({ name: 'left-pad' }));
  assert.match(String(ortInFolder(otherPkg)), /holds no onnxruntime-node package/);

  const noBinary = tmp();
  fs.writeFileSync(path.join(noBinary, 'package.json'), JSON.stringify({ name: 'onnxruntime-node', main: 'dist/index.js' }));
  assert.match(String(ortInFolder(noBinary)), new RegExp(`has no ONNX Runtime binary for ${process.platform}/${process.arch} \\(.*onnxruntime_binding\\.node is missing\\)`));
});

/** The doctor report of a fresh process with NEURAL_LENS_ORT_DIR set (ORT loads once per process). */
function doctorWith(dir: string): { ort: { loaded: boolean; source: string; note?: string }; inference: { reason: string } } {
  const script = "import('./extension/cli/doctor.ts').then((m) => (m.run ?? m.default.run)(['--json']))";
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: root, encoding: 'utf8', env: { ...process.env, NEURAL_LENS_ORT_DIR: dir }, timeout: 60000,
  });
  return JSON.parse(out);
}

test('a process with NEURAL_LENS_ORT_DIR loads ORT from that folder; a bad folder falls back to the bundled ORT and says why', () => {
  const project = tmp();
  fs.mkdirSync(path.join(project, 'node_modules'));
  fs.symlinkSync(pkgDir, path.join(project, 'node_modules', 'onnxruntime-node'));
  const used = doctorWith(project);
  assert.equal(used.ort.loaded, true);
  assert.equal(used.ort.source, `folder ${path.join(project, 'node_modules', 'onnxruntime-node')}`);
  assert.equal(used.ort.note, undefined);

  const bad = tmp();
  const fellBack = doctorWith(bad);
  assert.equal(fellBack.ort.loaded, true);
  assert.equal(fellBack.ort.source, 'node_modules');
  assert.match(fellBack.ort.note ?? '', /the ONNX Runtime folder is not used: .* holds no onnxruntime-node package/);
});

test('a folder whose ONNX Runtime fails to load falls back to the bundled ORT and names the error', () => {
  const broken = tmp();
  const bin = path.join(broken, 'bin', 'napi-v6', process.platform, process.arch);
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, 'onnxruntime_binding.node'), 'not an ELF file');
  fs.writeFileSync(path.join(broken, 'package.json'), JSON.stringify({ name: 'onnxruntime-node', main: 'index.js' }));
  fs.writeFileSync(path.join(broken, 'index.js'), "require('./bin/napi-v6/' + process.platform + '/' + process.arch + '/onnxruntime_binding.node');\n");
  const r = doctorWith(broken);
  assert.equal(r.ort.loaded, true);
  assert.equal(r.ort.source, 'node_modules');
  assert.match(r.ort.note ?? '', /the ONNX Runtime folder is not used: loading it failed \(.*onnxruntime_binding\.node.*\)/);
});

test('a run says the configured folder is not in use (on any machine, GPU or not)', () => {
  const bad = tmp();
  const script = "import('./extension/inference/ortSession.ts').then(async (m) => { const s = await (m.createOrtSession ?? m.default.createOrtSession)('media/samples/mnist-mlp.onnx', { provider: 'cpu' }); console.log(JSON.stringify({ provider: s.provider, reason: s.providerReason })); })";
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: root, encoding: 'utf8', env: { ...process.env, NEURAL_LENS_ORT_DIR: bad }, timeout: 60000,
  });
  const r = JSON.parse(out) as { provider: string; reason: string };
  assert.equal(r.provider, 'cpu');
  assert.match(r.reason, new RegExp(`^CPU requested; the ONNX Runtime folder is not used: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} holds no onnxruntime-node package`));
});
