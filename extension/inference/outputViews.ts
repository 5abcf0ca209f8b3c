// What the run panel and the activation view show, computed on the host from plain tensors:
// top-k classes (softmax when the output is logits), tensor summaries with heatmaps, and one
// activation at a time prepared for drawing (feature-map grid, matrix or bars). Pure: no vscode.
import type { TensorRef } from '../onnx/model';
import type { ActivationData, OutputView, TopKEntry } from '../../shared/protocolInference';
import { chooseBlocks, blockMean, heatmapData, histogramOf, statsOf } from '../graph/tensorViews';
import { elementCount, type HostTensor } from './types';

/** Values as float32 (int64 via Number, bool as 0/1). */
export function floatValues(t: HostTensor): Float32Array {
  const d = t.data;
  if (d instanceof Float32Array) return d;
  if (Array.isArray(d)) return new Float32Array(d.length).fill(NaN);
  return Float32Array.from(d as ArrayLike<number | bigint>, Number);
}

/** A HostTensor seen as the reader's TensorRef, so tensorViews (stats, heatmap) serve both. */
export function hostTensorRef(name: string, t: HostTensor): TensorRef {
  const values = floatValues(t);
  return {
    name, elemType: t.elemType, dataType: 1, dims: [...t.dims], elementCount: elementCount(t.dims), docString: '', proto: {},
    data: () => values, toFloat32: () => values, bytes: () => new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  };
}

/** Numerically stable softmax. */
export function softmax(v: ArrayLike<number>): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) if (v[i] > m) m = v[i];
  const out = new Float64Array(v.length);
  let s = 0;
  for (let i = 0; i < v.length; i++) { out[i] = Math.exp(v[i] - m); s += out[i]; }
  for (let i = 0; i < v.length; i++) out[i] /= s;
  return out;
}

/** True when the values already form a distribution (all in [0, 1], sum ≈ 1). */
export function looksLikeProbabilities(v: ArrayLike<number>): boolean {
  let s = 0;
  for (let i = 0; i < v.length; i++) { if (!(v[i] >= 0 && v[i] <= 1)) return false; s += v[i]; }
  return Math.abs(s - 1) < 1e-3;
}

/** The k largest entries with labels (class index when there is no label). */
export function topK(probs: ArrayLike<number>, k: number, labels: string[] = []): TopKEntry[] {
  const idx = Array.from({ length: probs.length }, (_, i) => i);
  idx.sort((a, b) => probs[b] - probs[a] || a - b);
  return idx.slice(0, Math.min(k, idx.length)).map((i) => ({ index: i, label: labels[i] ?? String(i), prob: probs[i] }));
}

/** Class labels from model metadata ("labels": comma/newline separated or a JSON array) or a labels.txt file (one per line). */
export function parseLabels(text: string | undefined): string[] {
  if (!text) return [];
  const t = text.trim();
  if (t.startsWith('[')) {
    try {
      const a = JSON.parse(t);
      if (Array.isArray(a)) return a.map(String);
    } catch { /* fall through */ }
  }
  const parts = t.includes('\n') ? t.split(/\r?\n/) : t.split(',');
  return parts.map((s) => s.trim()).filter((s, i, all) => s !== '' || i < all.length - 1);
}

/** A [K] or [1, K] float output with 2 ≤ K ≤ 100000 is a class score vector. */
export function isClassOutput(t: HostTensor): boolean {
  if (!/^float/.test(t.elemType) && t.elemType !== 'bfloat16') return false;
  const d = t.dims;
  const k = d.length === 1 ? d[0] : d.length === 2 && d[0] === 1 ? d[1] : 0;
  return k >= 2 && k <= 100000;
}

/** One output as the run panel shows it. Class outputs list every class when there are at most
 *  10 (so the bars sum to 1), else the top `k`. */
export function outputView(name: string, t: HostTensor, labels: string[], labelSource: string, k?: number, maxCells = 16384): OutputView {
  const base = { name, dims: [...t.dims], elemType: t.elemType };
  if (t.elemType === 'string') return { ...base, kind: 'tensor' };
  const v = floatValues(t);
  if (isClassOutput(t)) {
    const asIs = looksLikeProbabilities(v);
    const probs = asIs ? v : softmax(v);
    return { ...base, kind: 'classes', topK: topK(probs, k ?? (v.length <= 10 ? v.length : 5), labels), probsFrom: asIs ? 'as-is' : 'softmax', labelSource: labels.length ? labelSource : '', stats: statsOf(v) };
  }
  const hm = heatmapData('run', hostTensorRef(name, t), maxCells);
  return { ...base, kind: 'tensor', stats: hm.stats, heatmap: hm };
}

const MAX_MAPS = 64;
const MAX_MAP_CELLS = 65536;
const MAX_BARS = 4096;

/**
 * One activation prepared for the details panel: rank ≥ 3 (NCHW, and [C,H,W]) → a grid of
 * feature maps of the first batch item (at most 64 channels, block-averaged when huge); rank 2
 * → a matrix heatmap (block means past 64k cells); rank ≤ 1 and [1, N] → bars (block means past 4096).
 * Stats and histogram are over the whole tensor.
 */
export function activationData(runId: number, nodeId: string, outputName: string, t: HostTensor): ActivationData {
  const all = floatValues(t);
  const stats = statsOf(all);
  const histogram = histogramOf(all, stats);
  const dims = [...t.dims];
  const base = { runId, nodeId, outputName, dims, elemType: t.elemType, stats, histogram };
  if (dims.length >= 3) {
    const [C, H, W] = dims.length === 3 ? dims : [dims[1], dims[dims.length - 2], dims[dims.length - 1]];
    // [N, C, …, H, W]: everything between C and H·W is folded into the channel count
    const channels = dims.length === 3 ? C : elementCount(dims.slice(1, -2));
    const shown = Math.min(channels, MAX_MAPS);
    const plane = H * W;
    const [br, bc] = chooseBlocks(H, W, Math.max(64, Math.floor(MAX_MAP_CELLS / Math.max(1, shown))));
    const rows = Math.ceil(H / br), cols = Math.ceil(W / bc);
    const values = new Float32Array(shown * rows * cols);
    for (let c = 0; c < shown; c++) {
      const map = all.subarray(c * plane, (c + 1) * plane);
      values.set(br > 1 || bc > 1 ? blockMean(map, H, W, br, bc) : map, c * rows * cols);
    }
    const notes: string[] = [];
    if (shown < channels) notes.push(`first ${shown} of ${channels} channels`);
    if (br > 1 || bc > 1) notes.push(`mean of ${br}×${bc} blocks`);
    if (dims.length >= 4 && dims[0] > 1) notes.push(`batch item 0 of ${dims[0]}`);
    return { ...base, layout: 'maps', values, rows, cols, channels, shown, note: notes.join('; ') || 'none' };
  }
  if (dims.length === 2 && dims[0] !== 1) {
    const [R, Cc] = dims;
    const [br, bc] = chooseBlocks(R, Cc, MAX_MAP_CELLS);
    const down = br > 1 || bc > 1;
    return { ...base, layout: 'matrix', values: down ? blockMean(all, R, Cc, br, bc) : Float32Array.from(all), rows: Math.ceil(R / br), cols: Math.ceil(Cc / bc), note: down ? `mean of ${br}×${bc} blocks` : 'none' };
  }
  const n = all.length;
  const [, bc] = chooseBlocks(1, n, MAX_BARS);
  const values = bc > 1 ? blockMean(all, 1, n, 1, bc) : Float32Array.from(all);
  return { ...base, layout: 'bars', values, rows: 1, cols: values.length, note: bc > 1 ? `mean of ${bc} values per bar` : 'none' };
}

/** "1×16×28×28" */
export function shapeLabel(dims: readonly number[]): string {
  return dims.length ? dims.join('×') : 'scalar';
}
