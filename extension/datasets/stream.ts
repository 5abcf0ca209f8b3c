// Streaming inputs for data larger than memory: RowSources that read the rows of a batch from
// the file by offset (fs.readSync at dataStart + row · rowBytes), so only the labels and a
// batch live in memory. Used for C-order .npy files, stored (uncompressed) .npz members and
// uncompressed MNIST IDX images; csv.ts has the CSV one (a line index), imageFolder.ts the
// image-folder one. What cannot be read by offset — Fortran-order or big-endian/float16 .npy,
// deflated .npz members, gzip IDX — is loaded into memory by the caller, with a note.
//
// A batch's rows are read in file order (indices sorted, runs of adjacent rows coalesced into
// one read of at most READ_CHUNK bytes) and written back in the batch's order, and they are
// converted exactly as the in-memory loaders convert (uint8 images /255, other numbers to
// float32), so batches are bit-identical to the in-memory dataset's. The file is opened per
// batch (no descriptor is held between batches; the file can be deleted after training).

import fs from 'node:fs';
import { npyDataStart, npyError, parseNpyHeader, type NpyHeader } from '../cli/tensorIO';
export type { NpyHeader };

/** Files at least this large stream when the choice is automatic (512 MB). */
export const DEFAULT_STREAM_THRESHOLD = 512 * 1024 * 1024;
const READ_CHUNK = 4 * 1024 * 1024;

/** Streaming wanted? `true`/`false` force it; 'auto' (default) streams files ≥ the threshold. */
export type StreamChoice = boolean | 'auto';

export function shouldStream(choice: StreamChoice | undefined, bytes: number, threshold?: number): boolean {
  if (choice === true || choice === false) return choice;
  const env = Number(process.env.NEURAL_LENS_STREAM_THRESHOLD_MB);
  const t = threshold ?? (Number.isFinite(env) && env > 0 ? env * 1024 * 1024 : DEFAULT_STREAM_THRESHOLD);
  return bytes >= t;
}

/** Element types a row can be read as (little-endian numpy descr kinds). */
export type RowDType = 'f4' | 'f8' | 'u1' | 'i1' | 'b1' | 'i2' | 'u2' | 'i4' | 'u4' | 'i8' | 'u8';
const ITEM: Record<RowDType, number> = { f4: 4, f8: 8, u1: 1, i1: 1, b1: 1, i2: 2, u2: 2, i4: 4, u4: 4, i8: 8, u8: 8 };

export function rowDType(descr: string): RowDType | undefined {
  // '<' little-endian, '|' not applicable (1 byte), '=' native (little-endian on every supported host)
  const order = descr[0], kind = descr.slice(1);
  if (!(kind in ITEM)) return undefined;
  if (ITEM[kind as RowDType] > 1 && order !== '<' && order !== '=') return undefined;
  return kind as RowDType;
}

export function itemSize(t: RowDType): number { return ITEM[t]; }

/** Reads exactly `len` bytes at `pos` (or throws naming the file). */
export function readAt(fd: number, pos: number, len: number, file: string, into?: Uint8Array): Uint8Array {
  const buf = into ?? new Uint8Array(len);
  let got = 0;
  while (got < len) {
    const n = fs.readSync(fd, buf, got, len - got, pos + got);
    if (n <= 0) throw new Error(`${file}: unexpected end of file at byte ${pos + got} (truncated?)`);
    got += n;
  }
  return buf;
}

/** Rows of fixed size in a file: row r at dataStart + r · rowBytes. */
export class FileRowSource {
  readonly rowSize: number;
  readonly rowBytes: number;

  constructor(
    readonly file: string, readonly dataStart: number, readonly count: number,
    readonly rowShape: readonly number[], readonly dtype: RowDType, readonly scale255 = false,
  ) {
    this.rowSize = rowShape.reduce((a, b) => a * b, 1);
    this.rowBytes = this.rowSize * ITEM[dtype];
  }

  readInto(idx: ArrayLike<number>, out: Float32Array): void {
    const n = idx.length;
    if (n === 0) return;
    // batch positions sorted by row, for reads in file order
    const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => idx[a] - idx[b]);
    const maxRows = Math.max(1, Math.floor(READ_CHUNK / Math.max(1, this.rowBytes)));
    const scratch = new Uint8Array(Math.min(n, maxRows) * this.rowBytes);
    const fd = fs.openSync(this.file, 'r');
    try {
      for (let s = 0; s < n;) {
        const first = idx[order[s]];
        if (!(first >= 0 && first < this.count)) throw new RangeError(`${this.file}: row ${first} out of range (0..${this.count - 1})`);
        // extend the run over adjacent (or repeated) rows
        let e = s + 1;
        while (e < n && idx[order[e]] - first < maxRows && idx[order[e]] - idx[order[e - 1]] <= 1) e++;
        const last = idx[order[e - 1]];
        if (last >= this.count) throw new RangeError(`${this.file}: row ${last} out of range (0..${this.count - 1})`);
        const span = (last - first + 1) * this.rowBytes;
        const bytes = readAt(fd, this.dataStart + first * this.rowBytes, span, this.file, scratch.subarray(0, span));
        for (let k = s; k < e; k++) this.convert(bytes, (idx[order[k]] - first) * this.rowSize, out, order[k] * this.rowSize);
        s = e;
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  /** One row: elements from `bytes` (element offset `from`) to out[at …], as the in-memory loaders convert. */
  private convert(bytes: Uint8Array, from: number, out: Float32Array, at: number): void {
    const len = this.rowSize, buf = bytes.buffer, base = bytes.byteOffset;
    // scratch starts at offset 0 of its own ArrayBuffer, and rowBytes is a multiple of the item size
    switch (this.dtype) {
      case 'f4': out.set(new Float32Array(buf, base, bytes.length / 4).subarray(from, from + len), at); break;
      case 'f8': out.set(new Float64Array(buf, base, bytes.length / 8).subarray(from, from + len), at); break;
      case 'u1': {
        const v = bytes.subarray(from, from + len);
        if (this.scale255) for (let i = 0; i < len; i++) out[at + i] = v[i] / 255;
        else out.set(v, at);
        break;
      }
      case 'b1': out.set(bytes.subarray(from, from + len), at); break;
      case 'i1': out.set(new Int8Array(buf, base, bytes.length).subarray(from, from + len), at); break;
      case 'i2': out.set(new Int16Array(buf, base, bytes.length / 2).subarray(from, from + len), at); break;
      case 'u2': out.set(new Uint16Array(buf, base, bytes.length / 2).subarray(from, from + len), at); break;
      case 'i4': out.set(new Int32Array(buf, base, bytes.length / 4).subarray(from, from + len), at); break;
      case 'u4': out.set(new Uint32Array(buf, base, bytes.length / 4).subarray(from, from + len), at); break;
      case 'i8': { const v = new BigInt64Array(buf, base, bytes.length / 8); for (let i = 0; i < len; i++) out[at + i] = Number(v[from + i]); break; }
      case 'u8': { const v = new BigUint64Array(buf, base, bytes.length / 8); for (let i = 0; i < len; i++) out[at + i] = Number(v[from + i]); break; }
    }
  }
}

/** Parses a .npy header found at byte `base` of an open file (the data follows at dataStart). */
export function readNpyHeader(fd: number, base: number, limit: number, file: string): NpyHeader {
  const dataStart = npyDataStart(readAt(fd, base, Math.max(0, Math.min(limit - base, 12)), file), file);
  if (base + dataStart > limit) throw npyError(file, 'the header is cut short');
  const h = parseNpyHeader(readAt(fd, base, dataStart, file), file);
  return { ...h, dataStart: base + h.dataStart };
}

/** Why a .npy (at `file`, header h) cannot stream, or undefined when it can. */
export function npyStreamBlocker(h: NpyHeader): string | undefined {
  if (h.dims.length === 0) return 'it holds a scalar';
  if (h.fortran && h.dims.length > 1) return 'it is in Fortran order (streaming reads C-order rows only)';
  if (!rowDType(h.descr)) return `its dtype '${h.descr}' cannot be read by offset (little-endian numbers and bool only)`;
  return undefined;
}

/** A C-order .npy (at byte `base` of the file, `limit` its end) as a RowSource; checks the size. */
export function npyRows(file: string, h: NpyHeader, limit: number, label = file): FileRowSource {
  const t = rowDType(h.descr)!;
  const n = h.dims[0], rowShape = h.dims.slice(1);
  const need = h.dims.reduce((a, b) => a * b, 1) * ITEM[t], have = limit - h.dataStart;
  if (have < need) throw new Error(`${label} is truncated: it holds ${have} data bytes; shape (${h.dims.join(', ')}) needs ${need}.`);
  return new FileRowSource(file, h.dataStart, n, rowShape, t, t === 'u1');
}

