// TensorRef decoding of every storage form: raw_data and typed fields, small float formats,
// packed 4-bit and 2-bit integers, strings; plus the float16/bfloat16 encoders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OnnxTensor } from '../../../extension/onnx/tensor';
import type { onnx } from '../../../extension/onnx/proto/onnx.pb.js';
import { float32ToBfloat16, float32ToFloat16, float16ToFloat32, bfloat16ToFloat32 } from '../../../extension/onnx/dataTypes';

function raw(dataType: number, dims: number[], bytes: number[]): OnnxTensor {
  return new OnnxTensor({ name: 't', dataType, dims, rawData: Uint8Array.from(bytes) });
}
function typed(p: onnx.TensorProto.$Properties): OnnxTensor {
  return new OnnxTensor({ name: 't', ...p });
}
const values = (t: OnnxTensor) => Array.from(t.data() as ArrayLike<number>);

test('float16 and bfloat16 decode to float32, from raw_data and from int32_data', () => {
  const h = [0x3c00, 0xc000, 0x7c00, 0x0001, 0x7bff];
  const bytes = h.flatMap((v) => [v & 0xff, v >> 8]);
  assert.deepEqual(values(raw(10, [5], bytes)), [1, -2, Infinity, 2 ** -24, 65504]);
  assert.ok(Number.isNaN((raw(10, [1], [0x00, 0x7e]).data() as Float32Array)[0]));
  assert.deepEqual(values(typed({ dataType: 10, dims: [2], int32Data: [0x3c00, 0xc000] })), [1, -2]);
  assert.deepEqual(values(raw(16, [2], [0x80, 0x3f, 0x40, 0xc0])), [1, -3]);
  assert.deepEqual(values(typed({ dataType: 16, dims: [1], int32Data: [0x3f80] })), [1]);
  assert.equal(raw(10, [1], [0, 0x3c]).elemType, 'float16');
});

test('float8 variants, float8e8m0 and float4e2m1', () => {
  assert.deepEqual(values(raw(17, [3], [0x38, 0xfe, 0x01])), [1, -448, 2 ** -9]); // e4m3fn
  assert.ok(Number.isNaN((raw(17, [1], [0x7f]).data() as Float32Array)[0]));
  assert.deepEqual(values(raw(18, [1], [0x40])), [1]); // e4m3fnuz
  assert.ok(Number.isNaN((raw(18, [1], [0x80]).data() as Float32Array)[0]));
  assert.deepEqual(values(raw(19, [2], [0x3c, 0x7c])), [1, Infinity]); // e5m2
  assert.deepEqual(values(raw(20, [1], [0x40])), [1]); // e5m2fnuz
  assert.deepEqual(values(raw(24, [2], [127, 128])), [1, 2]); // e8m0
  assert.deepEqual(values(raw(23, [3], [0x72, 0x0f])), [1, 6, -6]); // float4e2m1, low nibble first
  assert.deepEqual(values(typed({ dataType: 17, dims: [1], int32Data: [0x38] })), [1]);
});

test('4-bit and 2-bit integers unpack low bits first, signed types sign-extend', () => {
  assert.deepEqual(values(raw(22, [3], [0x21, 0x0f])), [1, 2, -1]); // int4
  assert.deepEqual(values(raw(21, [3], [0x21, 0x0f])), [1, 2, 15]); // uint4
  assert.deepEqual(values(typed({ dataType: 22, dims: [3], int32Data: [0x21, 0x0f] })), [1, 2, -1]);
  assert.deepEqual(values(raw(25, [4], [0xe4])), [0, 1, 2, 3]); // uint2
  assert.deepEqual(values(raw(26, [4], [0xe4])), [0, 1, -2, -1]); // int2
});

test('integer, bool, double and string tensors', () => {
  assert.deepEqual(values(typed({ dataType: 3, dims: [2], int32Data: [-5, 7] })), [-5, 7]);
  assert.ok(typed({ dataType: 3, dims: [2], int32Data: [-5, 7] }).data() instanceof Int8Array);
  assert.deepEqual(values(typed({ dataType: 9, dims: [3], int32Data: [1, 0, 1] })), [1, 0, 1]);
  assert.deepEqual(values(typed({ dataType: 11, dims: [2], doubleData: [0.1, 1e300] })), [0.1, 1e300]);
  assert.deepEqual(values(typed({ dataType: 12, dims: [1], uint64Data: [4000000000] })), [4000000000]);
  const u64 = typed({ dataType: 13, dims: [1], uint64Data: [5] }).data();
  assert.ok(u64 instanceof BigUint64Array);
  assert.deepEqual(typed({ dataType: 8, dims: [2], stringData: [new TextEncoder().encode('héllo'), new Uint8Array()] }).data(), ['héllo', '']);
  assert.throws(() => typed({ dataType: 8, dims: [1], stringData: [new Uint8Array()] }).toFloat32(), /strings/);
  const i64 = raw(7, [2], [1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual(Array.from(i64.data() as BigInt64Array), [1n, -1n]);
  assert.deepEqual(Array.from(i64.toFloat32()), [1, -1]);
});

test('scalars, empty tensors and missing data', () => {
  const s = typed({ dataType: 1, dims: [], floatData: [2.5] });
  assert.equal(s.elementCount, 1);
  assert.deepEqual(values(s), [2.5]);
  const empty = typed({ dataType: 1, dims: [0, 3] });
  assert.equal(empty.elementCount, 0);
  assert.equal(empty.data().length, 0);
  assert.throws(() => typed({ dataType: 1, dims: [4] }).data(), /has no data/);
  assert.throws(() => raw(1, [4], [0, 0, 0, 0]).data(), /4 bytes of data; it needs 16/);
});

test('float16/bfloat16 encoders round to nearest even and round-trip', () => {
  for (const v of [0, -0, 1, -2, 0.5, 65504, 1e-7, 3.14159, Infinity, -Infinity]) {
    assert.equal(float16ToFloat32(float32ToFloat16(v)), float16ToFloat32(float32ToFloat16(float16ToFloat32(float32ToFloat16(v)))));
  }
  assert.equal(float32ToFloat16(1), 0x3c00);
  assert.equal(float32ToFloat16(65520), 0x7c00); // rounds up to infinity
  assert.equal(float32ToFloat16(2 ** -24), 0x0001);
  assert.ok(Number.isNaN(float16ToFloat32(float32ToFloat16(NaN))));
  assert.equal(float32ToBfloat16(1), 0x3f80);
  assert.equal(bfloat16ToFloat32(float32ToBfloat16(3.140625)), 3.140625);
});
