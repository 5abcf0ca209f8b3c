// DeviceTensor bookkeeping without a GPU: an in-memory stand-in for the addon's copy calls
// proves the lazy download, int32 storage of indices, shared reshapes and the re-upload of
// a host copy that was changed in place (what the CPU optimizers do to parameters).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../../extension/engine/tensor';
import { DeviceTensor, ptrOf, upload } from '../../../extension/engine/cuda/deviceTensor';
import { DeviceBuffer, type CudaRuntime } from '../../../extension/engine/cuda/runtime';

function fakeRuntime() {
  const mem = new Map<number, Uint8Array>();
  let next = 0x1000;
  const stats = { uploads: 0, downloads: 0 };
  const bytesOf = (v: ArrayBufferView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const addon = {
    upload(ptr: number, src: ArrayBufferView) { stats.uploads++; mem.get(ptr)!.set(bytesOf(src)); },
    download(dst: ArrayBufferView, ptr: number) { stats.downloads++; bytesOf(dst).set(mem.get(ptr)!.subarray(0, dst.byteLength)); },
    copy(dst: number, src: number, n: number) { mem.get(dst)!.set(mem.get(src)!.subarray(0, n)); },
  };
  const rt = {
    addon, track() {},
    alloc(bytes: number) { const p = next; next += bytes + 256; mem.set(p, new Uint8Array(bytes)); return new DeviceBuffer(rt as unknown as CudaRuntime, p, bytes); },
  };
  return { rt: rt as unknown as CudaRuntime, mem, stats };
}

test('float32 round trip, downloaded once, shared by reshape', () => {
  const { rt, stats } = fakeRuntime();
  const d = upload(rt, Tensor.from('float32', [2, 3], [1, 2, 3, 4, 5, 6]));
  assert.ok(d instanceof DeviceTensor);
  assert.deepEqual(Array.from(d.data), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(d.data), [1, 2, 3, 4, 5, 6]);
  assert.equal(stats.downloads, 1);
  const r = d.reshape([3, 2]);
  assert.ok(r instanceof DeviceTensor && r.buf === d.buf);
  assert.deepEqual(r.shape, [3, 2]);
  assert.equal(r.size, 6);
  assert.deepEqual(r.toNumbers(), [1, 2, 3, 4, 5, 6]);
});

test('int64 indices are int32 on the device and Float64Array on the host', () => {
  const { rt } = fakeRuntime();
  const d = upload(rt, Tensor.from('int64', [3], [0, 7, 2]));
  assert.equal(d.buf.bytes, 12);
  assert.ok(d.data instanceof Float64Array);
  assert.deepEqual(Array.from(d.data), [0, 7, 2]);
  const b = upload(rt, Tensor.from('bool', [2], [1, 0]));
  assert.ok(b.data instanceof Uint8Array);
});

test('a host copy changed in place is pushed back before the next device use', () => {
  const { rt, mem } = fakeRuntime();
  const d = upload(rt, Tensor.from('float32', [2], [1, 2]));
  (d.data as Float32Array)[0] = 10; // as an optimizer updating a parameter in place
  const p = ptrOf(rt, d);
  assert.deepEqual(Array.from(new Float32Array(mem.get(p)!.buffer, 0, 2)), [10, 2]);
  const c = d.clone();
  assert.deepEqual(Array.from(c.data), [10, 2]);
});

test('clone() is a device copy', () => {
  const { rt, stats } = fakeRuntime();
  const d = upload(rt, Tensor.from('float32', [3], [4, 5, 6]));
  const before = stats.downloads;
  const c = d.clone() as DeviceTensor;
  assert.notEqual(c.buf, d.buf);
  assert.equal(stats.downloads, before);
  assert.deepEqual(Array.from(c.data), [4, 5, 6]);
});
