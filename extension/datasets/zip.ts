// The zip container of .npz files: the central directory (zip64 too) and where each entry's
// data starts. One reader for both uses, through `read(pos, len)`: the whole file in memory
// (npy.ts) or positioned reads of a file too large to load (stream.ts).

export interface ZipEntry { name: string; method: number; csize: number; usize: number; local: number }

/** `len` bytes at `pos`; throws naming the file when they are not there. */
export type ReadBytes = (pos: number, len: number) => Uint8Array;

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** A ReadBytes over bytes already in memory. */
export function memoryReader(bytes: Uint8Array, file: string): ReadBytes {
  return (pos, len) => {
    if (pos < 0 || pos + len > bytes.length) throw new Error(`${file}: unexpected end of file at byte ${Math.min(Math.max(pos, 0), bytes.length)} (truncated?)`);
    return bytes.subarray(pos, pos + len);
  };
}

/** The entries of the zip of `size` bytes, from its end-of-central-directory record (nothing else is read). */
export function zipDirectory(read: ReadBytes, size: number, file: string): ZipEntry[] {
  const tailLen = Math.min(size, 65557);
  const tail = read(size - tailLen, tailLen), tv = view(tail);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) if (tv.getUint32(i, true) === 0x06054b50) { eocd = i; break; }
  if (eocd < 0) throw new Error(`${file} is not a zip (.npz) archive`);
  let count = tv.getUint16(eocd + 10, true), cdSize = tv.getUint32(eocd + 12, true), cd = tv.getUint32(eocd + 16, true);
  if (cd === 0xffffffff || count === 0xffff || cdSize === 0xffffffff) {
    const loc = view(read(size - tailLen + eocd - 20, 20));
    if (loc.getUint32(0, true) !== 0x07064b50) throw new Error(`${file}: zip64 locator missing`);
    const rec = view(read(Number(loc.getBigUint64(8, true)), 56));
    count = Number(rec.getBigUint64(32, true));
    cdSize = Number(rec.getBigUint64(40, true));
    cd = Number(rec.getBigUint64(48, true));
  }
  const bytes = read(cd, cdSize), dv = view(bytes);
  const out: ZipEntry[] = [];
  let p0 = 0;
  for (let e = 0; e < count; e++) {
    if (p0 + 46 > bytes.length || dv.getUint32(p0, true) !== 0x02014b50) throw new Error(`${file}: corrupt zip central directory`);
    const method = dv.getUint16(p0 + 10, true);
    let csize = dv.getUint32(p0 + 20, true), usize = dv.getUint32(p0 + 24, true), local = dv.getUint32(p0 + 42, true);
    const nameLen = dv.getUint16(p0 + 28, true), extraLen = dv.getUint16(p0 + 30, true), commentLen = dv.getUint16(p0 + 32, true);
    const name = new TextDecoder().decode(bytes.subarray(p0 + 46, p0 + 46 + nameLen));
    // the zip64 extra field (id 1) carries the 64-bit sizes and offset that read 0xffffffff above
    let p = p0 + 46 + nameLen;
    const end = p + extraLen;
    while (p + 4 <= end) {
      const id = dv.getUint16(p, true), len = dv.getUint16(p + 2, true);
      if (id === 1) {
        let q = p + 4;
        if (usize === 0xffffffff) { usize = Number(dv.getBigUint64(q, true)); q += 8; }
        if (csize === 0xffffffff) { csize = Number(dv.getBigUint64(q, true)); q += 8; }
        if (local === 0xffffffff) local = Number(dv.getBigUint64(q, true));
      }
      p += 4 + len;
    }
    out.push({ name, method, csize, usize, local });
    p0 += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** Byte offset of an entry's data (after its local header). */
export function zipEntryStart(read: ReadBytes, e: ZipEntry, file: string): number {
  const h = view(read(e.local, 30));
  if (h.getUint32(0, true) !== 0x04034b50) throw new Error(`${file}: corrupt zip local header for ${e.name}`);
  return e.local + 30 + h.getUint16(26, true) + h.getUint16(28, true);
}
