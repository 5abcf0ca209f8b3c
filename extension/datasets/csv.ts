// CSV datasets: a header row, one label column (by name or index; default the last), the
// other columns numeric features. Labels become class indices (sorted distinct values) or
// stay numbers for regression; features can be standardized (z-score per column).
// readCsvFileStreaming gives the same dataset without holding the features: one pass over the
// file (in chunks) checks every row, collects the labels and the standardization sums, and
// keeps each row's byte offset; batches then re-read and parse their rows. Errors name the
// file's line number (1-based, blank lines counted).

import fs from 'node:fs';
import { Tensor } from '../engine/tensor';
import { makeDataset, makeStreamingDataset, type Dataset, type RowSource } from './dataset';

export interface CsvOptions {
  labelColumn?: string | number;
  /** 'class' (indices), 'onehot', or 'value' (regression targets) */
  labels?: 'class' | 'onehot' | 'value';
  standardize?: boolean;
}

/** One CSV line into trimmed cells (double quotes may wrap a cell; "" inside is a quote). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '', q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) { if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') q = false; else cur += c; }
    else if (c === '"') q = true;
    else if (c === ',') { out.push(cur); cur = ''; }
    else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

function labelIndex(header: string[], o: CsvOptions, name: string): number {
  const li = o.labelColumn === undefined ? header.length - 1
    : typeof o.labelColumn === 'number' ? o.labelColumn : header.indexOf(o.labelColumn);
  if (li < 0 || li >= header.length) throw new Error(`${name}: no label column ${String(o.labelColumn)} (columns: ${header.join(', ')})`);
  return li;
}

/** Parses one data row's features into x[at …]; returns the label field. */
function parseRow(r: string[], header: string[], li: number, x: Float32Array, at: number, name: string, line: number): string {
  if (r.length !== header.length) throw new Error(`${name}: line ${line} has ${r.length} fields, header has ${header.length}`);
  let k = 0, label = '';
  for (let j = 0; j < r.length; j++) {
    const v = r[j];
    if (j === li) { label = v; continue; }
    const f = Number(v);
    if (v === '' || Number.isNaN(f)) throw new Error(`${name}: line ${line}, column "${header[j]}": "${v}" is not a number`);
    x[at + k++] = f;
  }
  return label;
}

function sortClasses(labels: Iterable<string>): string[] {
  return [...new Set(labels)].sort((a, b) => (Number.isNaN(Number(a)) || Number.isNaN(Number(b)) ? a.localeCompare(b) : Number(a) - Number(b)));
}

export function readCsv(text: string, name: string, o: CsvOptions = {}): Dataset {
  const all = text.split(/\r?\n/), lineNo: number[] = [];
  const lines = all.filter((l, i) => (l.trim() !== '' ? (lineNo.push(i + 1), true) : false));
  if (lines.length < 2) throw new Error(`${name}: needs a header and at least one row`);
  const header = splitCsvLine(lines[0]);
  const li = labelIndex(header, o, name);
  const nf = header.length - 1, n = lines.length - 1;
  const x = new Float32Array(n * nf), rawLabels: string[] = [];
  for (let i = 0; i < n; i++) rawLabels.push(parseRow(splitCsvLine(lines[i + 1]), header, li, x, i * nf, name, lineNo[i + 1]));
  if (o.standardize) {
    for (let j = 0; j < nf; j++) {
      let s = 0, s2 = 0;
      for (let i = 0; i < n; i++) { s += x[i * nf + j]; s2 += x[i * nf + j] ** 2; }
      const m = s / n, sd = Math.sqrt(Math.max(s2 / n - m * m, 0)) || 1;
      for (let i = 0; i < n; i++) x[i * nf + j] = (x[i * nf + j] - m) / sd;
    }
  }
  const mode = o.labels ?? 'class';
  const xs = new Tensor('float32', [n, nf], x);
  if (mode === 'value') return makeDataset(xs, Tensor.from('float32', [n, 1], rawLabels.map(Number)), name);
  const classes = sortClasses(rawLabels);
  const idx = rawLabels.map((l) => classes.indexOf(l));
  if (mode === 'onehot') {
    const y = new Float32Array(n * classes.length);
    idx.forEach((c, i) => { y[i * classes.length + c] = 1; });
    return makeDataset(xs, new Tensor('float32', [n, classes.length], y), name, classes.length);
  }
  return makeDataset(xs, Tensor.from('int64', [n], idx), name, classes.length);
}

export function readCsvFile(file: string, o: CsvOptions = {}): Dataset {
  return readCsv(fs.readFileSync(file, 'utf8'), file, o);
}

/** Byte offsets of a CSV's lines, read in chunks: calls onLine(text, start, byteLength, lineNo) for non-blank lines. */
function scanLines(file: string, onLine: (text: string, start: number, len: number, line: number) => void): void {
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.alloc(4 * 1024 * 1024);
    let carry = Buffer.alloc(0), carryStart = 0, pos = 0, line = 0;
    const emit = (buf: Buffer, a: number, b: number, abs: number) => {
      line++;
      let e = b;
      if (e > a && buf[e - 1] === 0x0d) e--; // "\r\n"
      const text = buf.toString('utf8', a, e);
      if (text.trim() !== '') onLine(text, abs, e - a, line);
    };
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, pos);
      if (n <= 0) break;
      const buf = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      const base = carry.length ? carryStart : pos;
      let a = 0;
      for (let i = buf.indexOf(0x0a, a); i >= 0; i = buf.indexOf(0x0a, a)) { emit(buf, a, i, base + a); a = i + 1; }
      carry = Buffer.from(buf.subarray(a));
      carryStart = base + a;
      pos += n;
    }
    if (carry.length) emit(carry, 0, carry.length, carryStart);
  } finally {
    fs.closeSync(fd);
  }
}

/** A CSV dataset whose features are read per batch (see the top of this file); same values as readCsvFile. */
export function readCsvFileStreaming(file: string, o: CsvOptions = {}): Dataset {
  const name = file;
  let header: string[] | undefined, li = 0, nf = 0, n = 0;
  let offsets = new Float64Array(1024), lengths = new Uint32Array(1024), labelIds = new Uint32Array(1024);
  const labelMap = new Map<string, number>(), labelNames: string[] = [];
  let sums = new Float64Array(0), sums2 = new Float64Array(0), row = new Float32Array(0);
  scanLines(file, (text, start, len, line) => {
    if (!header) {
      header = splitCsvLine(text); li = labelIndex(header, o, name); nf = header.length - 1;
      sums = new Float64Array(nf); sums2 = new Float64Array(nf); row = new Float32Array(nf);
      return;
    }
    const label = parseRow(splitCsvLine(text), header, li, row, 0, name, line);
    for (let j = 0; j < nf; j++) { sums[j] += row[j]; sums2[j] += row[j] ** 2; }
    if (n === offsets.length) {
      const grow = <T extends Float64Array | Uint32Array>(a: T): T => { const b = new (a.constructor as new (k: number) => T)(a.length * 2); b.set(a); return b; };
      offsets = grow(offsets); lengths = grow(lengths); labelIds = grow(labelIds);
    }
    let id = labelMap.get(label);
    if (id === undefined) { id = labelNames.length; labelMap.set(label, id); labelNames.push(label); }
    offsets[n] = start; lengths[n] = len; labelIds[n] = id; n++;
  });
  if (!header || n === 0) throw new Error(`${name}: needs a header and at least one row`);
  const hdr = header;
  const mean = new Float64Array(nf), sd = new Float64Array(nf).fill(1);
  if (o.standardize) {
    for (let j = 0; j < nf; j++) {
      const m = sums[j] / n;
      mean[j] = m; sd[j] = Math.sqrt(Math.max(sums2[j] / n - m * m, 0)) || 1;
    }
  }
  const rows: RowSource = {
    count: n, rowShape: [nf],
    readInto(idx, out) {
      const k = idx.length;
      const order = Uint32Array.from({ length: k }, (_, i) => i).sort((a, b) => idx[a] - idx[b]);
      const tmp = new Float32Array(nf);
      const fd = fs.openSync(file, 'r');
      try {
        for (let s = 0; s < k;) {
          // a run of rows close together in the file, read at once (≤ 4 MB)
          const first = idx[order[s]];
          let e = s + 1;
          while (e < k && idx[order[e]] - idx[order[e - 1]] <= 1 && offsets[idx[order[e]]] + lengths[idx[order[e]]] - offsets[first] <= 4 * 1024 * 1024) e++;
          const last = idx[order[e - 1]];
          const span = offsets[last] + lengths[last] - offsets[first];
          const buf = Buffer.alloc(span);
          for (let got = 0; got < span;) {
            const r = fs.readSync(fd, buf, got, span - got, offsets[first] + got);
            if (r <= 0) throw new Error(`${file} changed while training (it is shorter than when it was indexed)`);
            got += r;
          }
          for (let q = s; q < e; q++) {
            const i = idx[order[q]], a = offsets[i] - offsets[first];
            parseRow(splitCsvLine(buf.toString('utf8', a, a + lengths[i])), hdr, li, tmp, 0, name, -1);
            const at = order[q] * nf;
            if (o.standardize) for (let j = 0; j < nf; j++) out[at + j] = (tmp[j] - mean[j]) / sd[j];
            else out.set(tmp, at);
          }
          s = e;
        }
      } finally {
        fs.closeSync(fd);
      }
    },
  };
  const mode = o.labels ?? 'class';
  if (mode === 'value') {
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) y[i] = Number(labelNames[labelIds[i]]);
    return makeStreamingDataset(rows, new Tensor('float32', [n, 1], y), name);
  }
  const classes = sortClasses(labelNames);
  const rank = new Map(classes.map((c, i) => [c, i]));
  const toClass = Uint32Array.from(labelNames, (l) => rank.get(l)!);
  if (mode === 'onehot') {
    const y = new Float32Array(n * classes.length);
    for (let i = 0; i < n; i++) y[i * classes.length + toClass[labelIds[i]]] = 1;
    return makeStreamingDataset(rows, new Tensor('float32', [n, classes.length], y), name, classes.length);
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = toClass[labelIds[i]];
  return makeStreamingDataset(rows, new Tensor('int64', [n], y), name, classes.length);
}
