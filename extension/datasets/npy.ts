// .npy and .npz (numpy zip) loading into engine tensors.

import fs from 'node:fs';
import zlib from 'node:zlib';
import { readNpy } from '../cli/tensorIO';
import { tensorFromHost } from '../engine/bridge';
import { Tensor } from '../engine/tensor';

export function readNpyTensor(bytes: Uint8Array, name: string): Tensor {
  // a private copy: readNpy views `.buffer` from offset 0, which a pooled Node Buffer breaks
  return tensorFromHost(readNpy(new Uint8Array(bytes), name), name);
}

export function readNpyFile(file: string): Tensor {
  return readNpyTensor(fs.readFileSync(file), file);
}

/** Entries of a zip archive (stored or deflated), as numpy writes .npz files. */
export function readZip(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // find the end-of-central-directory record
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65557); i--) if (dv.getUint32(i, true) === 0x06054b50) { eocd = i; break; }
  if (eocd < 0) throw new Error(`${file} is not a zip (.npz) archive`);
  let count = dv.getUint16(eocd + 10, true);
  let cd = dv.getUint32(eocd + 16, true);
  const out = new Map<string, Uint8Array>();
  const zip64 = cd === 0xffffffff || count === 0xffff;
  if (zip64) {
    const loc = eocd - 20;
    if (dv.getUint32(loc, true) !== 0x07064b50) throw new Error(`${file}: zip64 locator missing`);
    const rec = Number(dv.getBigUint64(loc + 8, true));
    count = Number(dv.getBigUint64(rec + 32, true));
    cd = Number(dv.getBigUint64(rec + 48, true));
  }
  for (let e = 0; e < count; e++) {
    if (dv.getUint32(cd, true) !== 0x02014b50) throw new Error(`${file}: corrupt zip central directory`);
    const method = dv.getUint16(cd + 10, true);
    let csize = dv.getUint32(cd + 20, true);
    const nameLen = dv.getUint16(cd + 28, true), extraLen = dv.getUint16(cd + 30, true), commentLen = dv.getUint16(cd + 32, true);
    let local = dv.getUint32(cd + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(cd + 46, cd + 46 + nameLen));
    // zip64 extra field carries 64-bit sizes/offsets
    let p = cd + 46 + nameLen;
    const end = p + extraLen;
    let usize = dv.getUint32(cd + 24, true);
    while (p + 4 <= end) {
      const id = dv.getUint16(p, true), len = dv.getUint16(p + 2, true);
      if (id === 1) {
        let q = p + 4;
        if (usize === 0xffffffff) { usize = Number(dv.getBigUint64(q, true)); q += 8; }
        if (csize === 0xffffffff) { csize = Number(dv.getBigUint64(q, true)); q += 8; }
        if (local === 0xffffffff) { local = Number(dv.getBigUint64(q, true)); }
      }
      p += 4 + len;
    }
    const dataStart = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    const raw = bytes.subarray(dataStart, dataStart + csize);
    if (method === 0) out.set(name, raw);
    else if (method === 8) out.set(name, new Uint8Array(zlib.inflateRawSync(raw)));
    else throw new Error(`${file}: entry ${name} uses unsupported zip compression ${method}`);
    cd += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

export function readNpzFile(file: string): Map<string, Tensor> {
  const entries = readZip(fs.readFileSync(file), file);
  const out = new Map<string, Tensor>();
  for (const [name, bytes] of entries) if (name.endsWith('.npy')) out.set(name.slice(0, -4), readNpyTensor(bytes, `${file}:${name}`));
  return out;
}
