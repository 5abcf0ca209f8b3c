// Reader: sniffing gives precise errors; model fields, attributes, subgraphs and functions read fully.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ModelLoadError } from '../../../extension/onnx/errors';
import { readModel, readModelFile } from '../../../extension/onnx/reader';
import type { OnnxGraph, TensorRef } from '../../../extension/onnx/model';
import { FLOAT, INT64, attr, int64Tensor, mlpSpec, modelBytes, node, valueInfo } from './helpers';

function loadError(bytes: Uint8Array, name = 'm.onnx'): ModelLoadError {
  try {
    readModel(bytes, { path: `/tmp/${name}` });
  } catch (e) {
    assert.ok(e instanceof ModelLoadError, `expected ModelLoadError, got ${e}`);
    return e;
  }
  assert.fail('expected an error');
}

/** Deterministic pseudo-random bytes. */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

test('empty file → kind empty, message names the file', () => {
  const e = loadError(new Uint8Array(0), 'empty.onnx');
  assert.equal(e.kind, 'empty');
  assert.match(e.message, /empty\.onnx is empty/);
  assert.ok(e.hint.length > 0);
});

test('ZIP header (PyTorch .pt) → notOnnx naming ZIP', () => {
  const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0, 1, 2, 3, 4]);
  const e = loadError(zip, 'model.pt');
  assert.equal(e.kind, 'notOnnx');
  assert.match(e.message, /model\.pt is not an ONNX model \(it starts like a ZIP archive/);
  assert.match(e.hint, /torch\.onnx\.export/);
});

test('other formats are recognised: HDF5, pickle, TFLite, text, JSON, Git LFS pointer', () => {
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), /HDF5/],
    [new Uint8Array([0x80, 0x02, 0x63, 0x6f]), /pickle/],
    [new Uint8Array([0x1c, 0, 0, 0, 0x54, 0x46, 0x4c, 0x33, 0, 0]), /TensorFlow Lite/],
    [new TextEncoder().encode('hello, this is a plain text file\n'), /text file/],
    [new TextEncoder().encode('{"layers": [1, 2, 3]}'), /JSON/],
    [new TextEncoder().encode('version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12345\n'), /Git LFS/],
    [new TextEncoder().encode('ir_version: 8\ngraph {\n}\n'), /ONNX text format/],
  ];
  for (const [bytes, re] of cases) {
    const e = loadError(bytes);
    assert.equal(e.kind, 'notOnnx', re.source);
    assert.match(e.message, re);
  }
});

test('random bytes → notOnnx or corrupt, never a raw protobuf exception', () => {
  for (let seed = 1; seed <= 50; seed++) {
    const e = loadError(randomBytes(4096, seed));
    assert.ok(['notOnnx', 'corrupt', 'truncated'].includes(e.kind), `seed ${seed}: ${e.kind} ${e.message}`);
  }
  assert.equal(loadError(randomBytes(4096, 7)).kind, 'notOnnx');
});

test('truncated model → kind truncated, at any cut inside the graph', () => {
  const bytes = modelBytes(mlpSpec());
  for (const frac of [0.1, 0.5, 0.9, 0.999]) {
    const e = loadError(bytes.subarray(0, Math.floor(bytes.length * frac)));
    assert.equal(e.kind, 'truncated', `${frac}: ${e.message}`);
    assert.match(e.message, /m\.onnx is truncated/);
  }
});

test('corrupt protobuf inside the graph → kind corrupt or truncated with a message', () => {
  const bytes = Uint8Array.from(modelBytes(mlpSpec()));
  // Turn the tag of the first node's op_type (field 4, wire type 2) into wire type 7, which is invalid.
  const at = Buffer.from(bytes).indexOf('Gemm');
  assert.equal(bytes[at - 2], 0x22);
  bytes[at - 2] = 0x27;
  const e = loadError(bytes);
  assert.equal(e.kind, 'corrupt', e.message);
  assert.match(e.message, /m\.onnx is corrupt/);
});

test('readModelFile: missing file and folder → kind io, naming the file', async () => {
  await assert.rejects(readModelFile('/nonexistent/dir/x.onnx'), (e: ModelLoadError) => e.kind === 'io' && /x\.onnx was not found/.test(e.message));
  await assert.rejects(readModelFile(os.tmpdir()), (e: ModelLoadError) => e.kind === 'io');
});

test('files over 2 GiB → kind tooLarge without reading them', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-big-'));
  const file = path.join(dir, 'huge.onnx');
  fs.writeFileSync(file, '');
  fs.truncateSync(file, 2 ** 31 + 1); // sparse: takes no disk space
  await assert.rejects(readModelFile(file), (e: ModelLoadError) => e.kind === 'tooLarge' && /huge\.onnx is 2\.0 GiB/.test(e.message) && /external data/.test(e.hint));
  fs.rmSync(dir, { recursive: true });
});

test('model fields, inputs excluding initializers, shapes with symbolic dims', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-reader-'));
  const file = path.join(dir, 'mlp.onnx');
  const spec = mlpSpec();
  // IR < 4 style: initializers also listed as graph inputs.
  spec.inputs.push(valueInfo('W1', FLOAT, [784, 8]));
  fs.writeFileSync(file, modelBytes(spec));
  const m = await readModelFile(file);
  assert.equal(m.irVersion, 9);
  assert.equal(m.producerName, 'neural-lens-test');
  assert.deepEqual(m.opsetImports, [{ domain: '', version: 21 }]);
  assert.deepEqual(m.graph.inputs.map((v) => v.name), ['x']);
  assert.deepEqual(m.graph.allInputs.map((v) => v.name), ['x', 'W1']);
  assert.deepEqual(m.graph.inputs[0].shape, ['batch', 784]);
  assert.equal(m.graph.inputs[0].elemType, 'float32');
  assert.equal(m.graph.initializers.size, 4);
  const w1 = m.graph.initializers.get('W1')!;
  assert.deepEqual(w1.dims, [784, 8]);
  assert.equal(w1.elementCount, 784 * 8);
  assert.ok(Math.abs((w1.data() as Float32Array)[1] - Math.fround(Math.sin(1) * 0.1)) < 1e-7);
  assert.equal(m.path, file);
  assert.deepEqual(m.warnings, []);
  fs.rmSync(dir, { recursive: true });
});

test('weights are views into the file buffer (no copy) when aligned', () => {
  const bytes = modelBytes(mlpSpec());
  const buf = new Uint8Array(bytes.length + 8);
  for (let shift = 0; shift < 4; shift++) {
    buf.set(bytes, shift);
    const m = readModel(buf.subarray(shift, shift + bytes.length));
    const w = m.graph.initializers.get('W1')!;
    const d = w.data() as Float32Array;
    const raw = w.proto.rawData!;
    if (raw.byteOffset % 4 === 0) assert.equal(d.buffer, buf.buffer, 'aligned raw_data must be viewed, not copied');
    else assert.notEqual(d.buffer, buf.buffer);
    assert.equal(d[2], Math.fround(Math.sin(2) * 0.1));
    assert.equal(w.data(), d, 'decoded once and cached');
  }
});

test('attributes of every kind, nested subgraphs and model-local functions', () => {
  const thenG = { name: 'then', node: [node('Identity', ['x'], ['t'])], output: [valueInfo('t', FLOAT, [2])] };
  const elseG = { name: 'else', node: [node('Neg', ['x'], ['e']), node('Relu', ['e'], ['e2'])], output: [valueInfo('e2', FLOAT, [2])] };
  const bytes = modelBytes({
    inputs: [valueInfo('c', 9, []), valueInfo('x', FLOAT, [2])],
    outputs: [valueInfo('y', FLOAT, [2]), valueInfo('z', FLOAT, [2])],
    nodes: [
      node('If', ['c'], ['y'], [attr.graph('then_branch', thenG), attr.graph('else_branch', elseG)]),
      node('MyOp', ['y'], ['z'], [attr.float('alpha', 0.5), attr.ints('k', [3, 3]), attr.string('mode', 'fast'),
        attr.tensor('t', int64Tensor('', [2], [1, -1])), { name: 'untyped', i: 5 }], { domain: 'custom' }),
    ],
    functions: [{
      name: 'MyOp', domain: 'custom', input: ['a'], output: ['b'], attribute: ['alpha'],
      node: [node('Relu', ['a'], ['b'])], opsetImport: [{ domain: '', version: 21 }],
    }],
    extraOpsets: [{ domain: 'custom', version: 1 }],
  });
  const m = readModel(bytes);
  const [ifNode, my] = m.graph.nodes;
  assert.deepEqual(ifNode.subgraphs.map((s) => [s.attribute, s.graph.nodes.length]), [['then_branch', 1], ['else_branch', 2]]);
  assert.equal((ifNode.attributes[1].value as OnnxGraph).nodes[1].opType, 'Relu');
  const byName = Object.fromEntries(my.attributes.map((a) => [a.name, a]));
  assert.equal(byName.alpha.type, 'float');
  assert.equal(byName.alpha.value, 0.5);
  assert.deepEqual(byName.k.value, [3, 3]);
  assert.equal(byName.mode.value, 'fast');
  assert.equal(byName.t.type, 'tensor');
  assert.deepEqual(Array.from((byName.t.value as TensorRef).data() as BigInt64Array), [1n, -1n]);
  assert.equal(byName.untyped.type, 'int', 'type inferred when the field is missing');
  assert.equal(byName.untyped.value, 5);
  assert.equal(my.domain, 'custom');
  assert.equal(m.functions.length, 1);
  assert.equal(m.functions[0].nodes[0].opType, 'Relu');
  assert.deepEqual(m.functions[0].attributeNames, ['alpha']);
});

test('any domain and any opset are accepted', () => {
  const m = readModel(modelBytes({
    opset: 99,
    extraOpsets: [{ domain: 'com.microsoft', version: 1 }],
    inputs: [valueInfo('x', FLOAT, [1])],
    outputs: [valueInfo('y', FLOAT, [1])],
    nodes: [node('FusedGemm', ['x'], ['y'], [], { domain: 'com.microsoft' })],
  }));
  assert.equal(m.opsetImports[0].version, 99);
  assert.equal(m.graph.nodes[0].domain, 'com.microsoft');
});

test('int64 initializers decode to BigInt64Array', () => {
  const m = readModel(modelBytes({
    inputs: [valueInfo('x', FLOAT, [2, 3])], outputs: [valueInfo('y', FLOAT, [3, 2])],
    initializers: [int64Tensor('shape', [2], [3, 2])],
    nodes: [node('Reshape', ['x', 'shape'], ['y'])],
  }));
  const d = m.graph.initializers.get('shape')!.data();
  assert.ok(d instanceof BigInt64Array);
  assert.deepEqual(Array.from(d as BigInt64Array), [3n, 2n]);
  assert.equal(m.graph.initializers.get('shape')!.elemType, 'int64');
  assert.equal(INT64, 7);
});
