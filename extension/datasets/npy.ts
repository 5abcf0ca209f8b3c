// .npy and .npz (numpy zip) loading into engine tensors.

import fs from 'node:fs';
import zlib from 'node:zlib';
import { readNpy } from '../cli/tensorIO';
import { tensorFromHost } from '../engine/bridge';
import { Tensor } from '../engine/tensor';
import { memoryReader, zipDirectory, zipEntryStart } from './zip';

export function readNpyTensor(bytes: Uint8Array, name: string): Tensor {
  // a private copy: readNpy views `.buffer` from offset 0, which a pooled Node Buffer breaks
  return tensorFromHost(readNpy(new Uint8Array(bytes), name), name);
}

export function readNpyFile(file: string): Tensor {
  return readNpyTensor(fs.readFileSync(file), file);
}

/** Entries of a zip archive (stored or deflated), as numpy writes .npz files. */
export function readZip(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  const read = memoryReader(bytes, file);
  const out = new Map<string, Uint8Array>();
  for (const e of zipDirectory(read, bytes.length, file)) {
    const raw = read(zipEntryStart(read, e, file), e.csize);
    if (e.method === 0) out.set(e.name, raw);
    else if (e.method === 8) out.set(e.name, new Uint8Array(zlib.inflateRawSync(raw)));
    else throw new Error(`${file}: entry ${e.name} uses unsupported zip compression ${e.method}`);
  }
  return out;
}

export function readNpzFile(file: string): Map<string, Tensor> {
  const entries = readZip(fs.readFileSync(file), file);
  const out = new Map<string, Tensor>();
  for (const [name, bytes] of entries) if (name.endsWith('.npy')) out.set(name.slice(0, -4), readNpyTensor(bytes, `${file}:${name}`));
  return out;
}
