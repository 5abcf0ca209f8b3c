// CSV datasets: a header row, one label column (by name or index; default the last), the
// other columns numeric features. Labels become class indices (sorted distinct values) or
// stay numbers for regression; features can be standardized (z-score per column).

import fs from 'node:fs';
import { Tensor } from '../engine/tensor';
import { makeDataset, type Dataset } from './dataset';

export interface CsvOptions {
  labelColumn?: string | number;
  /** 'class' (indices), 'onehot', or 'value' (regression targets) */
  labels?: 'class' | 'onehot' | 'value';
  standardize?: boolean;
}

function splitLine(line: string): string[] {
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

export function readCsv(text: string, name: string, o: CsvOptions = {}): Dataset {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new Error(`${name}: needs a header and at least one row`);
  const header = splitLine(lines[0]);
  const li = o.labelColumn === undefined ? header.length - 1
    : typeof o.labelColumn === 'number' ? o.labelColumn : header.indexOf(o.labelColumn);
  if (li < 0 || li >= header.length) throw new Error(`${name}: no label column ${String(o.labelColumn)} (columns: ${header.join(', ')})`);
  const rows = lines.slice(1).map(splitLine);
  const nf = header.length - 1, n = rows.length;
  const x = new Float32Array(n * nf), rawLabels: string[] = [];
  rows.forEach((r, i) => {
    if (r.length !== header.length) throw new Error(`${name}: row ${i + 2} has ${r.length} fields, header has ${header.length}`);
    let k = 0;
    r.forEach((v, j) => {
      if (j === li) { rawLabels.push(v); return; }
      const f = Number(v);
      if (v === '' || Number.isNaN(f)) throw new Error(`${name}: row ${i + 2}, column "${header[j]}": "${v}" is not a number`);
      x[i * nf + k++] = f;
    });
  });
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
  const classes = [...new Set(rawLabels)].sort((a, b) => (Number.isNaN(Number(a)) || Number.isNaN(Number(b)) ? a.localeCompare(b) : Number(a) - Number(b)));
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
