/** Number, shape and name formatting for the viewer. Pure. */
import type { Dim } from '../shared/protocol';

/** 101770 → "101,770". */
export function formatInt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const s = Math.round(Math.abs(n)).toString();
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && (s.length - i) % 3 === 0) out += ',';
    out += s[i];
  }
  return (n < 0 ? '-' : '') + out;
}

/** 25557032 → "25.6M", 1234 → "1.2k", 12 → "12". */
export function formatCompact(n: number): string {
  const a = Math.abs(n);
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'k']];
  for (const [v, u] of units) {
    if (a >= v) {
      const x = n / v;
      return (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1).replace(/\.0$/, '')) + u;
    }
  }
  return String(n);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let x = n;
  while (x >= 1024 && i < units.length - 1) { x /= 1024; i++; }
  return (i === 0 ? String(x) : x.toFixed(x >= 100 ? 0 : 1)) + ' ' + units[i];
}

/** [1, 'batch', null, 28] → "1×batch×?×28"; [] → "scalar"; undefined → "?". */
export function formatShape(shape: Dim[] | undefined): string {
  if (!shape) return '?';
  if (shape.length === 0) return 'scalar';
  return shape.map((d) => (d === null ? '?' : String(d))).join('×');
}

/** A statistic with 4 significant digits; tiny or huge values in exponent form. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(3).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(4)));
}

/** Shorten long text by cutting out its middle. */
export function middleEllipsis(s: string, max: number): string {
  if (s.length <= max) return s;
  const head = Math.ceil((max - 1) / 2);
  const tail = Math.floor((max - 1) / 2);
  return s.slice(0, head) + '…' + s.slice(s.length - tail);
}

/**
 * The part of a node name worth showing in its box: exporters write
 * "/layer1/layer1.0/conv1/Conv"; the op type is already in the box, so "conv1".
 */
export function shortNodeName(name: string, opType: string): string {
  if (!name) return '';
  let parts = name.split('/').filter((p) => p.length > 0);
  if (parts.length > 1 && (parts[parts.length - 1] === opType || /^[A-Z][A-Za-z]*(_\d+)?$/.test(parts[parts.length - 1]) && parts[parts.length - 1].startsWith(opType))) {
    parts = parts.slice(0, -1);
  }
  const last = parts.length ? parts[parts.length - 1] : name;
  return last === opType ? '' : middleEllipsis(last, 28);
}

/** Is this ONNX element type something a heatmap can draw? */
export function isNumericType(elemType: string): boolean {
  return /^(float|bfloat|double|int|uint)/.test(elemType);
}

export function isFloatType(elemType: string): boolean {
  return /^(float|bfloat|double)/.test(elemType);
}

/** Flat index → multi-index in a row-major shape. */
export function unravelIndex(flat: number, dims: number[]): number[] {
  const out = new Array<number>(dims.length);
  for (let i = dims.length - 1; i >= 0; i--) {
    const d = Math.max(1, dims[i]);
    out[i] = flat % d;
    flat = Math.floor(flat / d);
  }
  return out;
}
