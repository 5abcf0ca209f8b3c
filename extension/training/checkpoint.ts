// Checkpoint files: a JSON document whose float32/uint32 arrays are stored bit-exactly as
// base64 of their bytes, so resuming reproduces an uninterrupted run exactly.

import fs from 'node:fs';
import type { TrainerState } from './trainer';

const FORMAT = 'neural-lens-checkpoint/1';

function b64(a: Float32Array | Uint32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}
function f32(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
function u32(s: string): Uint32Array {
  const b = Buffer.from(s, 'base64');
  return new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function encodeCheckpoint(s: TrainerState, meta: Record<string, unknown> = {}): string {
  return JSON.stringify({
    format: FORMAT, meta, step: s.step, epoch: s.epoch, pos: s.pos, order: b64(s.order),
    dataRng: s.dataRng, dropoutRng: s.dropoutRng,
    values: Object.fromEntries([...s.values].map(([k, v]) => [k, b64(v)])),
    optimizer: Object.fromEntries(Object.entries(s.optimizer).map(([k, st]) => [k,
      Object.fromEntries(Object.entries(st).map(([sk, sv]) => [sk, typeof sv === 'number' ? sv : { f32: b64(sv) }]))])),
  });
}

export function decodeCheckpoint(text: string): { state: TrainerState; meta: Record<string, unknown> } {
  const j = JSON.parse(text);
  if (j.format !== FORMAT) throw new Error(`not a Neural Lens checkpoint (format ${String(j.format)})`);
  return {
    meta: j.meta ?? {},
    state: {
      step: j.step, epoch: j.epoch, pos: j.pos, order: u32(j.order), dataRng: j.dataRng, dropoutRng: j.dropoutRng,
      values: new Map(Object.entries(j.values as Record<string, string>).map(([k, v]) => [k, f32(v)])),
      optimizer: Object.fromEntries(Object.entries(j.optimizer as Record<string, Record<string, number | { f32: string }>>).map(([k, st]) => [k,
        Object.fromEntries(Object.entries(st).map(([sk, sv]) => [sk, typeof sv === 'number' ? sv : f32(sv.f32)]))])),
    },
  };
}

export function saveCheckpoint(file: string, s: TrainerState, meta: Record<string, unknown> = {}): void {
  const tmp = `${file}.tmp${process.pid}`;
  fs.writeFileSync(tmp, encodeCheckpoint(s, meta));
  fs.renameSync(tmp, file);
}

export function loadCheckpoint(file: string): { state: TrainerState; meta: Record<string, unknown> } {
  return decodeCheckpoint(fs.readFileSync(file, 'utf8'));
}
