// .npy and TensorProto .pb round trips, checked against bytes numpy itself wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readNpy, readTensorPb, tensorFileName, writeNpy, writeTensorPb } from '../../../extension/cli/tensorIO';
import type { HostTensor } from '../../../extension/inference/types';

/** numpy.save output (numpy 2.4), base64. */
const NUMPY = {
  f32: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPwAAAEAAAEBAAACAQAAAoEA=',
  i64: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr9/////////wAAAAAAAQAABwAAAAAAAAA=',
  bool: 'k05VTVBZAQB2AHsnZGVzY3InOiAnfGIxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAB',
  f16: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGYyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAPoDA/3s=',
  fortranI32: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAwAAAAEAAAAEAAAAAgAAAAUAAAA=',
  bigEndianF8: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPmY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAD/wAAAAAAAAQAAAAAAAAAA=',
  scalarF32: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAGBA',
  unicode: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPFUzJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAphAAAAYgAAAAAAAADnAAAAZAAAAKwgAAA=',
};
const npy = (k: keyof typeof NUMPY) => new Uint8Array(Buffer.from(NUMPY[k], 'base64'));

test('readNpy reads what numpy wrote', () => {
  assert.deepEqual(readNpy(npy('f32')), { dims: [2, 3], elemType: 'float32', data: new Float32Array([0, 1, 2, 3, 4, 5]) });
  assert.deepEqual(readNpy(npy('i64')), { dims: [3], elemType: 'int64', data: new BigInt64Array([-3n, 2n ** 40n, 7n]) });
  assert.deepEqual(readNpy(npy('bool')), { dims: [2, 2], elemType: 'bool', data: new Uint8Array([1, 0, 0, 1]) });
  assert.deepEqual(readNpy(npy('f16')), { dims: [3], elemType: 'float16', data: new Float32Array([1.5, -2.25, 65504]) });
  assert.deepEqual(readNpy(npy('fortranI32')), { dims: [2, 3], elemType: 'int32', data: new Int32Array([0, 1, 2, 3, 4, 5]) });
  assert.deepEqual(readNpy(npy('bigEndianF8')), { dims: [3], elemType: 'float64', data: new Float64Array([0, 1, 2]) });
  assert.deepEqual(readNpy(npy('scalarF32')), { dims: [], elemType: 'float32', data: new Float32Array([3.5]) });
  assert.deepEqual(readNpy(npy('unicode')), { dims: [2], elemType: 'string', data: ['ab', 'çd€'] });
});

test('writeNpy writes the bytes numpy writes', () => {
  for (const k of ['f32', 'i64', 'bool', 'f16', 'scalarF32', 'unicode'] as const) {
    assert.deepEqual(Buffer.from(writeNpy(readNpy(npy(k)))), Buffer.from(npy(k)), k);
  }
});

test('npy round trips float32, int64 and bool; bad files get a clear error', () => {
  const cases: HostTensor[] = [
    { dims: [2, 2, 2], elemType: 'float32', data: new Float32Array([1, -2, 3.5, NaN, Infinity, 0, -0, 1e-30]) },
    { dims: [4], elemType: 'int64', data: new BigInt64Array([0n, -1n, 2n ** 62n, -(2n ** 63n)]) },
    { dims: [1, 3], elemType: 'bool', data: new Uint8Array([1, 1, 0]) },
    { dims: [0, 5], elemType: 'float32', data: new Float32Array(0) },
  ];
  for (const t of cases) assert.deepEqual(readNpy(writeNpy(t)), t);
  assert.throws(() => readNpy(new Uint8Array([1, 2, 3])), /not a readable \.npy file/);
  const cut = npy('f32').subarray(0, 140);
  assert.throws(() => readNpy(cut, 'x.npy'), /x\.npy .*needs 24/);
});

test('TensorProto .pb round trips and reads ONNX test data', () => {
  const cases: HostTensor[] = [
    { dims: [2, 3], elemType: 'float32', data: new Float32Array([1, 2, 3, 4, 5, -6]) },
    { dims: [3], elemType: 'int64', data: new BigInt64Array([-1n, 0n, 2n ** 50n]) },
    { dims: [2], elemType: 'bool', data: new Uint8Array([0, 1]) },
    { dims: [2], elemType: 'float16', data: new Float32Array([0.5, -1024]) },
    { dims: [2], elemType: 'string', data: ['a', 'βγ'] },
  ];
  for (const t of cases) {
    const back = readTensorPb(writeTensorPb(t, 'x'));
    assert.deepEqual(back, { name: 'x', ...t });
  }
  const f = path.resolve(__dirname, '../../../../shared/testdata/onnx-node-tests/onnx/backend/test/data/node/test_relu/test_data_set_0/input_0.pb');
  if (fs.existsSync(f)) {
    const t = readTensorPb(fs.readFileSync(f));
    assert.equal(t.elemType, 'float32');
    assert.deepEqual(t.dims, [3, 4, 5]);
  }
  assert.throws(() => readTensorPb(new Uint8Array([0xff, 0xff, 0xff]), 'junk.pb'), /junk\.pb is not/);
});

test('tensorFileName keeps letters, digits, ".", "_" and "-" only', () => {
  assert.equal(tensorFileName('logits'), 'logits');
  assert.equal(tensorFileName('/model/layer.0/Conv_output:0'), '_model_layer.0_Conv_output_0');
  assert.equal(tensorFileName('a b\\c-d_é'), 'a_b_c-d__');
});
