// External data: read lazily from files next to the model; a missing file is a warning at open
// and an 'externalData' error when the values are asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onnx } from '../../../extension/onnx/proto/onnx.pb.js';
import { ModelLoadError } from '../../../extension/onnx/errors';
import { readModel, readModelFile, readModelFileSync } from '../../../extension/onnx/reader';
import { writeModel } from '../../../extension/onnx/writer';
import { FLOAT, modelBytes, node, valueInfo } from './helpers';

function externalTensor(name: string, dims: number[], location: string, offset: number, length: number): onnx.TensorProto.$Properties {
  return {
    name, dims, dataType: FLOAT, dataLocation: 1,
    externalData: [{ key: 'location', value: location }, { key: 'offset', value: String(offset) }, { key: 'length', value: String(length) }],
  };
}

/** Model with W (2×3) and B (3) stored in weights.bin (B at an offset), returns its folder. */
function makeExternalModel(): { dir: string; file: string; w: Float32Array; b: Float32Array } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-ext-'));
  const w = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const b = Float32Array.from([0.5, -0.5, 0.25]);
  const blob = Buffer.alloc(64 + 12);
  Buffer.from(w.buffer).copy(blob, 0);
  Buffer.from(b.buffer).copy(blob, 64);
  fs.writeFileSync(path.join(dir, 'weights.bin'), blob);
  const file = path.join(dir, 'model.onnx');
  fs.writeFileSync(file, modelBytes({
    inputs: [valueInfo('x', FLOAT, ['batch', 2])],
    outputs: [valueInfo('y', FLOAT, ['batch', 3])],
    initializers: [externalTensor('W', [2, 3], 'weights.bin', 0, 24), externalTensor('B', [3], 'weights.bin', 64, 12)],
    nodes: [node('Gemm', ['x', 'W', 'B'], ['y'])],
  }));
  return { dir, file, w, b };
}

test('external tensors open without reading data, then read on demand by offset/length', async () => {
  const { dir, file, w, b } = makeExternalModel();
  const m = await readModelFile(file);
  assert.deepEqual(m.warnings, []);
  const W = m.graph.initializers.get('W')!;
  const B = m.graph.initializers.get('B')!;
  assert.deepEqual(W.external, { location: 'weights.bin', offset: 0, length: 24 });
  assert.equal(W.elementCount, 6);
  // Removing the data file after opening shows nothing was read at open time…
  const blob = fs.readFileSync(path.join(dir, 'weights.bin'));
  fs.rmSync(path.join(dir, 'weights.bin'));
  assert.throws(() => W.data(), (e: ModelLoadError) => e.kind === 'externalData');
  fs.writeFileSync(path.join(dir, 'weights.bin'), blob);
  // …and it is read when asked (a fresh model: the first one cached the missing-file state).
  const m2 = readModelFileSync(file);
  assert.deepEqual(Array.from(m2.graph.initializers.get('W')!.data() as Float32Array), Array.from(w));
  assert.deepEqual(Array.from(m2.graph.initializers.get('B')!.toFloat32()), Array.from(b));
  assert.ok(B);
  fs.rmSync(dir, { recursive: true });
});

test('missing external file → model opens with a warning; data() throws externalData naming the file', () => {
  const { dir, file } = makeExternalModel();
  fs.rmSync(path.join(dir, 'weights.bin'));
  const m = readModelFileSync(file);
  assert.equal(m.warnings.length, 1, m.warnings.join('\n'));
  assert.match(m.warnings[0], /weights\.bin/);
  assert.match(m.warnings[0], /1 more tensor/);
  const W = m.graph.initializers.get('W')!;
  assert.deepEqual(W.dims, [2, 3]);
  assert.throws(() => W.data(), (e: unknown) => e instanceof ModelLoadError && e.kind === 'externalData' && /weights\.bin/.test(e.message) && e.hint.length > 0);
  fs.rmSync(dir, { recursive: true });
});

test('external file too short → warning and error', () => {
  const { dir, file } = makeExternalModel();
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(30));
  const m = readModelFileSync(file);
  assert.equal(m.warnings.length, 1);
  assert.match(m.warnings[0], /has 30 bytes/);
  assert.throws(() => m.graph.initializers.get('B')!.data(), /weights\.bin/);
  assert.equal(m.graph.initializers.get('W')!.toFloat32().length, 6);
  fs.rmSync(dir, { recursive: true });
});

test('paths escaping the model folder are refused', () => {
  const bytes = modelBytes({
    inputs: [valueInfo('x', FLOAT, [2])], outputs: [valueInfo('y', FLOAT, [2])],
    initializers: [externalTensor('W', [2], '../../etc/passwd', 0, 8)],
    nodes: [node('Add', ['x', 'W'], ['y'])],
  });
  const m = readModel(bytes, { path: path.join(os.tmpdir(), 'x', 'm.onnx') });
  assert.match(m.warnings[0], /outside the model's folder/);
  assert.throws(() => m.graph.initializers.get('W')!.data(), (e: ModelLoadError) => e.kind === 'externalData');
});

test('a model read from memory warns that external data cannot be located', () => {
  const { dir, file } = makeExternalModel();
  const m = readModel(fs.readFileSync(file));
  assert.equal(m.warnings.length, 1);
  assert.match(m.warnings[0], /not read from a file/);
  const m2 = readModel(fs.readFileSync(file), { baseDir: dir });
  assert.deepEqual(m2.warnings, []);
  assert.equal(m2.graph.initializers.get('W')!.toFloat32()[5], 6);
  fs.rmSync(dir, { recursive: true });
});

test('writer: replacing an external initializer writes it inline; others keep their reference', () => {
  const { dir, file } = makeExternalModel();
  const m = readModelFileSync(file);
  const out = writeModel(m, { replaceInitializers: new Map([['W', Float32Array.from([6, 5, 4, 3, 2, 1])]]) });
  const outFile = path.join(dir, 'edited.onnx');
  fs.writeFileSync(outFile, out);
  const again = readModelFileSync(outFile);
  const W = again.graph.initializers.get('W')!;
  assert.equal(W.external, undefined);
  assert.deepEqual(Array.from(W.data() as Float32Array), [6, 5, 4, 3, 2, 1]);
  assert.ok(again.graph.initializers.get('B')!.external);
  assert.deepEqual(Array.from(again.graph.initializers.get('B')!.toFloat32()), [0.5, -0.5, 0.25]);
  // embedExternalData inlines everything, so the result no longer needs weights.bin.
  const embedded = readModel(writeModel(m, { embedExternalData: true }));
  assert.deepEqual(embedded.warnings, []);
  assert.deepEqual(Array.from(embedded.graph.initializers.get('B')!.toFloat32()), [0.5, -0.5, 0.25]);
  fs.rmSync(dir, { recursive: true });
});

test('a model whose external data goes past 2 GB opens and reads its last tensor', async () => {
  // A sparse 3 GB weights file: only the tensor at its end takes disk space.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-ext-big-'));
  const offset = 3 * 1024 ** 3;
  const values = Float32Array.from([1.5, -2, 3.25, 4]);
  const fd = fs.openSync(path.join(dir, 'big.bin'), 'w');
  try {
    fs.writeSync(fd, new Uint8Array(values.buffer), 0, 16, offset);
  } finally {
    fs.closeSync(fd);
  }
  assert.ok(fs.statSync(path.join(dir, 'big.bin')).size > 2 ** 31);
  const file = path.join(dir, 'model.onnx');
  fs.writeFileSync(file, modelBytes({
    inputs: [valueInfo('x', FLOAT, ['batch', 4])],
    outputs: [valueInfo('y', FLOAT, ['batch', 4])],
    initializers: [externalTensor('B', [4], 'big.bin', offset, 16)],
    nodes: [node('Add', ['x', 'B'], ['y'])],
  }));
  const m = await readModelFile(file);
  assert.deepEqual(m.warnings, []);
  assert.deepEqual(Array.from(m.graph.initializers.get('B')!.toFloat32()), Array.from(values));
  fs.rmSync(dir, { recursive: true });
});
