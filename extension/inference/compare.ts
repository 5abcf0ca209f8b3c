// Compare: the same input through two backends (ORT and the engine), layer by layer. Reports the
// largest absolute and relative difference of each tensor so export or engine disagreements
// show up at the first layer where they appear.
import { elementCount, type HostTensor } from './types';

export interface TensorDiff {
  /** Tensor (output) name. */
  name: string;
  /** Node that produced it, when known. */
  nodeName?: string;
  dimsA: number[];
  dimsB: number[];
  /** Largest |a - b|. NaN where both are NaN counts as equal. */
  maxAbsDiff: number;
  /** Largest |a - b| / max(|a|, |b|) over elements where either is non-zero (0 when equal). */
  maxRelDiff: number;
  meanAbsDiff: number;
  /** Flat index of the largest absolute difference (-1 when none). */
  worstIndex: number;
  /** Elements where exactly one side is NaN, or infinities differ. */
  nanMismatches: number;
  count: number;
  /** Set when the tensors cannot be compared element-wise (shape or type differs). */
  mismatch?: string;
}

export interface CompareReport {
  layers: TensorDiff[];
  /** Names only in the first / second map. */
  onlyInA: string[];
  onlyInB: string[];
  /** First layer (in A's order) whose maxAbsDiff exceeds the tolerance, if any. */
  firstDivergent?: TensorDiff;
}

function asNumber(v: number | bigint | string): number {
  return typeof v === 'number' ? v : Number(v);
}

/** Element-wise comparison of two tensors of the same shape. */
export function compareTensors(a: HostTensor, b: HostTensor, name = ''): TensorDiff {
  const diff: TensorDiff = {
    name, dimsA: [...a.dims], dimsB: [...b.dims], maxAbsDiff: 0, maxRelDiff: 0, meanAbsDiff: 0,
    worstIndex: -1, nanMismatches: 0, count: elementCount(a.dims),
  };
  const same = a.dims.length === b.dims.length && a.dims.every((d, i) => d === b.dims[i]);
  if (!same) {
    diff.mismatch = `shape [${a.dims.join(', ')}] vs [${b.dims.join(', ')}]`;
    diff.maxAbsDiff = diff.maxRelDiff = Infinity;
    return diff;
  }
  if ((a.elemType === 'string') !== (b.elemType === 'string')) {
    diff.mismatch = `type ${a.elemType} vs ${b.elemType}`;
    diff.maxAbsDiff = diff.maxRelDiff = Infinity;
    return diff;
  }
  const n = diff.count;
  if (a.elemType === 'string') {
    let bad = 0;
    for (let i = 0; i < n; i++) if (a.data[i] !== b.data[i]) { bad++; if (diff.worstIndex < 0) diff.worstIndex = i; }
    if (bad) { diff.maxAbsDiff = diff.maxRelDiff = Infinity; diff.mismatch = `${bad} strings differ`; }
    return diff;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const x = asNumber(a.data[i]);
    const y = asNumber(b.data[i]);
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) diff.nanMismatches++;
      continue;
    }
    if (x === y) continue; // also equal infinities
    if (!Number.isFinite(x) || !Number.isFinite(y)) { diff.nanMismatches++; continue; }
    const d = Math.abs(x - y);
    sum += d;
    if (d > diff.maxAbsDiff) { diff.maxAbsDiff = d; diff.worstIndex = i; }
    const r = d / Math.max(Math.abs(x), Math.abs(y));
    if (r > diff.maxRelDiff) diff.maxRelDiff = r;
  }
  diff.meanAbsDiff = n ? sum / n : 0;
  return diff;
}

/**
 * Compares two per-output tensor maps (e.g. ORT vs engine activations). Layers come in A's
 * order; `nodeOf` maps output names to node names for the report; `atol` sets what counts as
 * the first divergent layer (default 1e-4).
 */
export function compareActivationMaps(
  a: Record<string, HostTensor>, b: Record<string, HostTensor>,
  opts: { nodeOf?: Record<string, string>; atol?: number } = {},
): CompareReport {
  const atol = opts.atol ?? 1e-4;
  const layers: TensorDiff[] = [];
  for (const [name, ta] of Object.entries(a)) {
    const tb = b[name];
    if (!tb) continue;
    const d = compareTensors(ta, tb, name);
    if (opts.nodeOf?.[name]) d.nodeName = opts.nodeOf[name];
    layers.push(d);
  }
  return {
    layers,
    onlyInA: Object.keys(a).filter((k) => !(k in b)),
    onlyInB: Object.keys(b).filter((k) => !(k in a)),
    firstDivergent: layers.find((l) => l.mismatch || l.nanMismatches > 0 || l.maxAbsDiff > atol),
  };
}

/** numpy.testing.assert_allclose semantics: |actual - expected| <= atol + rtol * |expected|,
 *  NaN equal to NaN, equal infinities equal; exact for strings. Returns why not, or undefined. */
export function allCloseFailure(actual: HostTensor, expected: HostTensor, rtol = 1e-3, atol = 1e-7): string | undefined {
  const same = actual.dims.length === expected.dims.length && actual.dims.every((d, i) => d === expected.dims[i]);
  if (!same) return `shape [${actual.dims.join(', ')}], expected [${expected.dims.join(', ')}]`;
  const n = elementCount(expected.dims);
  let bad = 0;
  let first = '';
  for (let i = 0; i < n; i++) {
    const av = actual.data[i];
    const ev = expected.data[i];
    let ok: boolean;
    if (typeof ev === 'string' || typeof av === 'string') ok = av === ev;
    else if (typeof ev === 'bigint' && typeof av === 'bigint') ok = av === ev;
    else {
      const x = asNumber(av);
      const y = asNumber(ev);
      ok = x === y || (Number.isNaN(x) && Number.isNaN(y)) || Math.abs(x - y) <= atol + rtol * Math.abs(y);
    }
    if (!ok) {
      if (!bad) first = `at ${i}: ${String(av)} vs expected ${String(ev)}`;
      bad++;
    }
  }
  return bad ? `${bad} of ${n} values differ (first ${first})` : undefined;
}
