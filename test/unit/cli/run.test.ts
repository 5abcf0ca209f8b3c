// `neural-lens run` really executed (node --import tsx extension/cli/main.ts): both backends on the
// CNN sample, --activations writing every node output plus index.json, and clear one-line errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readNpy, writeNpy } from '../../../extension/cli/tensorIO';
import { readModelFileSync } from '../../../extension/onnx/reader';

const repo = path.resolve(__dirname, '../../..');
const CNN = path.join(repo, 'media/samples/mnist-cnn.onnx');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-run-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repo, 'extension/cli/main.ts'), 'run', ...args], { encoding: 'utf8', cwd: repo });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const x = new Float32Array(784).map((_, i) => ((i * 7919) % 255) / 255);
const input = path.join(tmp, 'x.npy');
fs.writeFileSync(input, writeNpy({ dims: [1, 1, 28, 28], elemType: 'float32', data: x }));

test('run --backend ort (default) and --backend engine write the same logits', () => {
  const a = path.join(tmp, 'ort'), b = path.join(tmp, 'engine');
  const r1 = cli(CNN, '--input', `input=${input}`, '--out', a);
  assert.equal(r1.code, 0, r1.stderr);
  assert.match(r1.stdout, /logits \[1,10\] float32/);
  assert.match(r1.stderr, /onnxruntime .*(CPU|CUDA)/);
  const r2 = cli(CNN, '--input', input, '--out', b, '--backend', 'engine');
  assert.equal(r2.code, 0, r2.stderr);
  const la = readNpy(fs.readFileSync(path.join(a, 'logits.npy'))), lb = readNpy(fs.readFileSync(path.join(b, 'logits.npy')));
  assert.deepEqual(la.dims, [1, 10]);
  const da = la.data as Float32Array, db = lb.data as Float32Array;
  for (let i = 0; i < 10; i++) assert.ok(Math.abs(da[i] - db[i]) < 1e-4, `logit ${i}: ${da[i]} vs ${db[i]}`);
});

for (const backend of ['ort', 'engine']) {
  test(`run --activations --backend ${backend}: every node output as .npy, index.json maps nodes and outputs`, () => {
    const out = path.join(tmp, `acts-${backend}`);
    const r = cli(CNN, '--input', `input=${input}`, '--out', out, '--backend', backend, '--activations');
    assert.equal(r.code, 0, r.stderr);
    const index = JSON.parse(fs.readFileSync(path.join(out, 'index.json'), 'utf8'));
    const model = readModelFileSync(CNN);
    assert.equal(index.backend, backend);
    assert.equal(index.nodes.length, model.graph.nodes.length);
    assert.deepEqual(index.outputs, { logits: 'logits.npy' });
    for (const [i, n] of model.graph.nodes.entries()) {
      assert.equal(index.nodes[i].node, n.name);
      assert.equal(index.nodes[i].opType, n.opType);
      for (const o of n.outputs) {
        const file = index.tensors[o];
        assert.ok(file, `index.json has ${o}`);
        const t = readNpy(fs.readFileSync(path.join(out, file)));
        assert.deepEqual(t.dims, index.nodes[i].outputs.find((e: { name: string }) => e.name === o).shape);
        assert.equal(t.dims[0], 1);
      }
    }
    assert.deepEqual(readNpy(fs.readFileSync(path.join(out, index.tensors.conv1_out))).dims, [1, 8, 28, 28]);
  });
}

test('run: bad input gives one clear line and a non-zero exit', () => {
  const wrong = path.join(tmp, 'wrong.npy');
  fs.writeFileSync(wrong, writeNpy({ dims: [1, 3, 28, 28], elemType: 'float32', data: new Float32Array(3 * 784) }));
  const cases: [string[], RegExp][] = [
    [[CNN, '--input', `input=${wrong}`, '--out', tmp], /Input "input" has shape \[1, 3, 28, 28\].*dimension 1 must be 1/],
    [[CNN, '--input', `nope=${input}`, '--out', tmp], /no input "nope"/],
    [[CNN, '--out', tmp], /missing --input input=FILE/],
    [[CNN, '--input', input, '--out', tmp, '--backend', 'tpu'], /--backend must be ort or engine/],
    [[CNN, '--input', path.join(repo, 'media/samples/digits/digit-3.png'), '--out', tmp], /not a serialized ONNX TensorProto/],
  ];
  for (const [args, re] of cases) {
    const r = cli(...args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('run --provider: cpu forces the CPU, cuda without CUDA stops with the reason, bad values are usage errors', () => {
  const r1 = cli(CNN, '--input', input, '--out', path.join(tmp, 'prov-cpu'), '--provider', 'cpu');
  assert.equal(r1.code, 0, r1.stderr);
  assert.match(r1.stderr, /onnxruntime .*, CPU \(CPU requested\)/);
  const gpu = fs.existsSync('/proc/driver/nvidia/version');
  if (!gpu) {
    const r2 = cli(CNN, '--input', input, '--out', path.join(tmp, 'prov-cuda'), '--provider', 'cuda');
    assert.notEqual(r2.code, 0);
    assert.match(r2.stderr, /CUDA not available: .*no NVIDIA driver/);
    assert.ok(!fs.existsSync(path.join(tmp, 'prov-cuda', 'logits.npy')), 'nothing written');
  }
  const r3 = cli(CNN, '--input', input, '--out', path.join(tmp, 'prov-bad'), '--provider', 'gpu');
  assert.equal(r3.code, 2);
  assert.match(r3.stderr, /--provider must be auto, cpu or cuda, not "gpu"/);
  const r4 = cli(CNN, '--input', input, '--out', path.join(tmp, 'prov-engine'), '--provider', 'cpu', '--backend', 'engine');
  assert.equal(r4.code, 2);
  assert.match(r4.stderr, /--provider applies to --backend ort/);
});
