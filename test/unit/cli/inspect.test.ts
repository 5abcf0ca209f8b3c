// The CLI really runs: main.ts is bundled with esbuild (as `npm run build` does for dist/cli.js)
// and executed with node; stdout, stderr and exit codes are checked.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { FLOAT, mlpSpec, modelBytes, node, valueInfo, repoRoot, nodeTestsDir, haveNodeTests } from '../onnx/helpers';

let dir = '';
let cli = '';

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-cli-'));
  cli = path.join(dir, 'cli.js');
  await build({
    entryPoints: [path.join(repoRoot, 'extension/cli/main.ts')], bundle: true, platform: 'node', format: 'cjs',
    target: 'node20', outfile: cli, logLevel: 'error', external: ['vscode'],
  });
  fs.writeFileSync(path.join(dir, 'mlp.onnx'), modelBytes(mlpSpec(256)));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function runCli(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('inspect --json prints one JSON object with counts, shapes and opsets', () => {
  const r = runCli('inspect', path.join(dir, 'mlp.onnx'), '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.trim().split('\n').length, 1);
  const j = JSON.parse(r.stdout);
  assert.equal(j.nodeCount, 3);
  assert.equal(j.nodeCountWithSubgraphs, 3);
  assert.deepEqual(j.opCounts, { Gemm: 2, Relu: 1 });
  assert.deepEqual(j.inputs, [{ name: 'x', elemType: 'float32', shape: ['batch', 784] }]);
  assert.deepEqual(j.outputs, [{ name: 'y', elemType: 'float32', shape: ['batch', 10] }]);
  assert.equal(j.parameterCount, 784 * 256 + 256 + 256 * 10 + 10);
  assert.deepEqual(j.opsetImports, [{ domain: '', version: 21 }]);
  assert.equal(j.irVersion, 9);
  assert.equal(j.producer, 'neural-lens-test 1.0');
  assert.deepEqual(j.warnings, []);
});

test('inspect without --json prints an aligned summary with formatted counts', () => {
  const r = runCli('inspect', path.join(dir, 'mlp.onnx'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Parameters\s+203,530/);
  assert.match(r.stdout, /^ {2}x\s+float32\s+batch×784$/m);
  assert.match(r.stdout, /^ {2}Gemm\s+2$/m);
});

test('inspect of an ONNX node test model', { skip: haveNodeTests ? false : 'node test data absent' }, () => {
  const r = runCli('inspect', path.join(nodeTestsDir, 'test_conv_with_strides_padding', 'model.onnx'), '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.opCounts, { Conv: 1 });
  assert.deepEqual(j.outputs[0].shape, [1, 1, 4, 3]);
});

test('errors: exit non-zero with exactly one line on stderr, no stack trace', () => {
  fs.writeFileSync(path.join(dir, 'empty.onnx'), '');
  fs.writeFileSync(path.join(dir, 'model.pt'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'just some notes\n');
  const bytes = modelBytes(mlpSpec(256));
  fs.writeFileSync(path.join(dir, 'cut.onnx'), bytes.subarray(0, bytes.length >> 1));
  const corrupt = Buffer.from(modelBytes({
    inputs: [valueInfo('x', FLOAT, [1])], outputs: [valueInfo('y', FLOAT, [1])], nodes: [node('Relu', ['x'], ['y'])],
  }));
  corrupt[corrupt.indexOf('Relu') - 2] = 0x27;
  fs.writeFileSync(path.join(dir, 'corrupt.onnx'), corrupt);
  const cases: [string[], RegExp, number][] = [
    [['inspect', 'missing.onnx'], /missing\.onnx was not found/, 1],
    [['inspect', 'empty.onnx'], /empty\.onnx is empty/, 1],
    [['inspect', 'model.pt'], /model\.pt is not an ONNX model \(it starts like a ZIP archive/, 1],
    [['inspect', 'notes.txt'], /notes\.txt is not an ONNX model/, 1],
    [['inspect', 'cut.onnx'], /cut\.onnx is truncated/, 1],
    [['inspect', 'corrupt.onnx'], /corrupt\.onnx is corrupt/, 1],
    [['inspect', 'mlp.onnx', '--bogus'], /unknown option "--bogus"/, 2],
    [['inspect'], /missing MODEL/, 2],
    [['frobnicate'], /unknown command "frobnicate"/, 2],
    [[], /missing command/, 2],
  ];
  for (const [args, re, code] of cases) {
    const r = runCli(...args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '', args.join(' '));
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, `${args.join(' ')} printed:\n${r.stderr}`);
    assert.match(lines[0], re);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('--help prints usage', () => {
  const top = runCli('--help');
  assert.equal(top.code, 0);
  assert.match(top.stdout, /Usage: neural-lens <command>/);
  assert.match(top.stdout, /inspect/);
  const sub = runCli('inspect', '--help');
  assert.equal(sub.code, 0);
  assert.match(sub.stdout, /inspect MODEL \[--json\]/);
});
