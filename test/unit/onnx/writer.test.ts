// Writer: round-trip, initializer replacement (raw_data, typed fields cleared), atomic file writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readModel } from '../../../extension/onnx/reader';
import { writeModel, writeModelFileAtomic, writeModelFileAtomicSync } from '../../../extension/onnx/writer';
import { canonModel, mlpSpec, modelBytes, node, valueInfo } from './helpers';

test('write → read gives the same model; unknown fields survive', () => {
  const m = readModel(modelBytes(mlpSpec()));
  const again = readModel(writeModel(m));
  assert.deepStrictEqual(canonModel(again), canonModel(m));
  // An unknown top-level field (number 99, varint) is preserved by the decoder and re-emitted.
  const withUnknown = new Uint8Array([...modelBytes(mlpSpec()), 0x98, 0x06, 0x2a]);
  const out = writeModel(readModel(withUnknown));
  assert.deepEqual(Array.from(out.subarray(out.length - 3)), [0x98, 0x06, 0x2a]);
});

test('replaceInitializers writes raw_data and leaves the input model untouched', () => {
  const m = readModel(modelBytes(mlpSpec()));
  const before = Array.from(m.graph.initializers.get('B1')!.toFloat32());
  const newB1 = Float32Array.from({ length: 8 }, (_, i) => i * 1.5);
  const again = readModel(writeModel(m, { replaceInitializers: new Map([['B1', newB1]]) }));
  assert.deepEqual(Array.from(again.graph.initializers.get('B1')!.toFloat32()), Array.from(newB1));
  assert.deepEqual(Array.from(again.graph.initializers.get('W1')!.toFloat32()), Array.from(m.graph.initializers.get('W1')!.toFloat32()));
  assert.deepEqual(Array.from(m.graph.initializers.get('B1')!.toFloat32()), before, 'source model unchanged');
  assert.deepEqual(again.graph.nodes.map((n) => n.opType), ['Gemm', 'Relu', 'Gemm']);
});

test('replacement of typed-field tensors clears the typed fields and converts to the element type', () => {
  const bytes = modelBytes({
    inputs: [valueInfo('x', 1, [2])], outputs: [valueInfo('y', 1, [2])],
    initializers: [
      { name: 'f', dims: [2], dataType: 1, floatData: [1, 2] },
      { name: 'h', dims: [3], dataType: 10, int32Data: [0x3c00, 0x4000, 0xc000] }, // float16 1, 2, -2
      { name: 'i', dims: [2], dataType: 7, int64Data: [5, 6] },
    ],
    nodes: [node('Add', ['x', 'f'], ['y'])],
  });
  const m = readModel(bytes);
  assert.deepEqual(Array.from(m.graph.initializers.get('h')!.toFloat32()), [1, 2, -2]);
  const out = writeModel(m, {
    replaceInitializers: new Map<string, Float32Array | BigInt64Array>([
      ['f', Float32Array.from([3, 4])], ['h', Float32Array.from([0.5, -1, 65504])], ['i', BigInt64Array.from([7n, -8n])],
    ]),
  });
  const again = readModel(out);
  const f = again.graph.initializers.get('f')!;
  assert.equal(f.proto.floatData?.length ?? 0, 0);
  assert.equal(f.proto.rawData?.length, 8);
  assert.deepEqual(Array.from(f.toFloat32()), [3, 4]);
  assert.deepEqual(Array.from(again.graph.initializers.get('h')!.toFloat32()), [0.5, -1, 65504]);
  assert.equal(again.graph.initializers.get('h')!.elemType, 'float16');
  assert.deepEqual(Array.from(again.graph.initializers.get('i')!.data() as BigInt64Array), [7n, -8n]);
});

test('replacement with a wrong element count or unknown name throws a clear error', () => {
  const m = readModel(modelBytes(mlpSpec()));
  assert.throws(() => writeModel(m, { replaceInitializers: new Map([['B1', new Float32Array(3)]]) }), /"B1".*8 elements.*3 values/);
  assert.throws(() => writeModel(m, { replaceInitializers: new Map([['nope', new Float32Array(3)]]) }), /"nope".*not found/);
});

test('writeModelFileAtomic replaces the file whole and leaves no temp files', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-write-'));
  const file = path.join(dir, 'model.onnx');
  fs.writeFileSync(file, 'old');
  const bytes = writeModel(readModel(modelBytes(mlpSpec())));
  await writeModelFileAtomic(file, bytes);
  assert.ok(fs.readFileSync(file).equals(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
  writeModelFileAtomicSync(file, bytes.subarray(0, 10));
  assert.equal(fs.statSync(file).size, 10);
  assert.deepEqual(fs.readdirSync(dir), ['model.onnx']);
  // A failing write (target folder missing) throws and leaves nothing behind.
  await assert.rejects(writeModelFileAtomic(path.join(dir, 'missing', 'm.onnx'), bytes));
  assert.deepEqual(fs.readdirSync(dir), ['model.onnx']);
  fs.rmSync(dir, { recursive: true });
});
