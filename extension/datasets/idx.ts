// MNIST IDX files (idx3-ubyte images, idx1-ubyte labels), gzip-compressed or not.

import fs from 'node:fs';
import zlib from 'node:zlib';
import { Tensor } from '../engine/tensor';

export function readIdx(bytes: Uint8Array, file: string): Tensor {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = new Uint8Array(zlib.gunzipSync(bytes));
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || dv.getUint16(0) !== 0) throw new Error(`${file} is not an IDX file (bad magic)`);
  const type = bytes[2], rank = bytes[3];
  if (type !== 0x08) throw new Error(`${file}: only unsigned-byte IDX files are supported (type 0x${type.toString(16)})`);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(dv.getUint32(4 + 4 * i));
  const start = 4 + 4 * rank, n = dims.reduce((a, b) => a * b, 1);
  if (bytes.length < start + n) throw new Error(`${file}: truncated IDX data`);
  return Tensor.from('uint8', dims, bytes.subarray(start, start + n));
}

export function readIdxFile(file: string): Tensor {
  return readIdx(fs.readFileSync(file), file);
}

/** uint8 images → float32 in [0, 1]. */
export function scaleImages(t: Tensor): Tensor {
  const out = new Float32Array(t.size);
  for (let i = 0; i < t.size; i++) out[i] = t.data[i] / 255;
  return new Tensor('float32', t.shape, out);
}
