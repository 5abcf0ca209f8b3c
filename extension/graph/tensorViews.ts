// Weight statistics and heatmap data for the viewer, computed host-side from a TensorRef.
import type { HeatmapData, Histogram, TensorStats } from '../../shared/protocol';
import type { OnnxGraph, OnnxModel, OnnxNode, TensorRef } from '../onnx/model';
import { OnnxTensor } from '../onnx/tensor';
import { functionGraphId } from './buildGraphView';

export const HISTOGRAM_BINS = 64;

/** Numeric values of a tensor as float32 (int64 via Number, bool as 0/1, small floats decoded). */
function valuesOf(t: TensorRef): Float32Array | Float64Array {
  const d = t.data();
  if (d instanceof Float64Array) return d;
  return t.toFloat32();
}

/**
 * min/max/mean/std over the finite values (one pass, float64 accumulators, shifted by the first
 * finite value for stability); zeros, NaNs and infinities counted. NaN stats when nothing is finite.
 */
export function weightStats(t: TensorRef): TensorStats {
  return statsOf(valuesOf(t));
}

export function statsOf(v: ArrayLike<number>): TensorStats {
  let min = Infinity;
  let max = -Infinity;
  let zeros = 0;
  let nanCount = 0;
  let infCount = 0;
  let n = 0;
  let shift = NaN;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x !== x) { nanCount++; continue; }
    if (x === Infinity || x === -Infinity) { infCount++; continue; }
    if (x === 0) zeros++;
    if (n === 0) shift = x;
    const d = x - shift;
    sum += d;
    sumSq += d * d;
    n++;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (n === 0) return { min: NaN, max: NaN, mean: NaN, std: NaN, zeros, nanCount, infCount };
  const meanShifted = sum / n;
  const variance = Math.max(0, sumSq / n - meanShifted * meanShifted);
  return { min, max, mean: shift + meanShifted, std: Math.sqrt(variance), zeros, nanCount, infCount };
}

export function histogramOf(v: ArrayLike<number>, stats: TensorStats, bins = HISTOGRAM_BINS): Histogram {
  const counts = new Array<number>(bins).fill(0);
  const { min, max } = stats;
  if (!Number.isFinite(min)) return { min: 0, max: 0, counts };
  const width = (max - min) / bins;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isFinite(x)) continue;
    const b = width > 0 ? Math.min(bins - 1, Math.floor((x - min) / width)) : 0;
    counts[b]++;
  }
  return { min, max, counts };
}

/** Smallest blocks (close to square) so that the block grid has at most maxCells cells. */
export function chooseBlocks(rows: number, cols: number, maxCells: number): [number, number] {
  const cap = Math.max(1, Math.floor(maxCells));
  if (rows * cols <= cap) return [1, 1];
  if (rows === 1) return [1, Math.ceil(cols / cap)];
  const b = Math.max(1, Math.floor(Math.sqrt((rows * cols) / cap)));
  let br = Math.min(b, rows);
  let bc = Math.min(b, cols);
  while (Math.ceil(rows / br) * Math.ceil(cols / bc) > cap) {
    if ((Math.ceil(rows / br) >= Math.ceil(cols / bc) && br < rows) || bc >= cols) br++;
    else bc++;
  }
  return [br, bc];
}

/** Means of br×bc blocks of a rows×cols row-major matrix (partial edge blocks average what they have). */
export function blockMean(v: ArrayLike<number>, rows: number, cols: number, br: number, bc: number): Float32Array {
  const outRows = Math.ceil(rows / br);
  const outCols = Math.ceil(cols / bc);
  const sums = new Float64Array(outRows * outCols);
  const counts = new Float64Array(outRows * outCols);
  for (let r = 0; r < rows; r++) {
    const orow = ((r / br) | 0) * outCols;
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const o = orow + ((c / bc) | 0);
      sums[o] += v[base + c];
      counts[o]++;
    }
  }
  const out = new Float32Array(outRows * outCols);
  for (let i = 0; i < out.length; i++) out[i] = sums[i] / counts[i];
  return out;
}

/**
 * What the heatmap draws for a tensor (see HeatmapData in protocol.ts): 2-D as a matrix,
 * 4-D conv weights as whole kernels when they fit (else flattened to [O, I·kh·kw]),
 * 1-D and scalars as bars, other ranks as [dim0, rest]; block means when over maxCells.
 */
export function heatmapData(graphId: string, t: TensorRef, maxCells: number): HeatmapData {
  const values = valuesOf(t);
  const stats = statsOf(values);
  const histogram = histogramOf(values, stats);
  const dims = [...t.dims];
  const n = values.length;
  const base = { graphId, tensor: t.name, dims, stats, histogram };

  if (dims.length === 4 && n <= maxCells) {
    const [outC, inC, kh, kw] = dims;
    return {
      ...base, layout: 'kernels', rows: outC, cols: inC, blockRows: 1, blockCols: 1, aggregation: 'none',
      values: values instanceof Float32Array ? values : Float32Array.from(values), kernel: { outC, inC, kh, kw },
    };
  }
  let layout: HeatmapData['layout'];
  let rows: number;
  let cols: number;
  if (dims.length <= 1) {
    layout = 'bars';
    rows = 1;
    cols = n;
  } else {
    layout = 'matrix';
    rows = dims[0];
    cols = rows === 0 ? 0 : n / rows;
  }
  const [br, bc] = chooseBlocks(rows, cols, maxCells);
  const down = br > 1 || bc > 1;
  const out = down ? blockMean(values, rows, cols, br, bc) : values instanceof Float32Array ? values : Float32Array.from(values);
  return {
    ...base, layout,
    rows: Math.ceil(rows / br), cols: Math.ceil(cols / bc), blockRows: br, blockCols: bc,
    aggregation: down ? `mean of ${br}×${bc} blocks` : 'none',
    values: out,
  };
}

// ---- finding a tensor by graph id ----

/** Tensors a graph can show: its initializers and the values of its Constant nodes. */
function graphTensor(g: OnnxGraph, name: string): TensorRef | undefined {
  const t = g.initializers.get(name);
  if (t) return t;
  const s = g.sparseInitializers.get(name);
  if (s) return s.values;
  return constantTensor(g.nodes, name);
}

function constantTensor(nodes: OnnxNode[], name: string): TensorRef | undefined {
  for (const n of nodes) {
    if (n.opType !== 'Constant' || n.domain !== '' || n.outputs[0] !== name) continue;
    const a = n.attributes.find((x) => x.name === 'value');
    if (a && a.value instanceof OnnxTensor) return new OnnxTensor(a.value.proto, undefined, name);
    if (a && a.value) return a.value as TensorRef;
  }
  return undefined;
}

/** Follows a node id path ("n3/body/n1/then_branch") down from `g`, collecting the graphs passed. */
function descend(g: OnnxGraph, path: string[], chain: OnnxGraph[]): OnnxGraph[] | undefined {
  chain.push(g);
  if (path.length === 0) return chain;
  const m = /^n(\d+)$/.exec(path[0]);
  if (!m || path.length < 2) return undefined;
  const node = g.nodes[Number(m[1])];
  const sg = node?.subgraphs.find((s) => s.attribute === path[1]);
  return sg ? descend(sg.graph, path.slice(2), chain) : undefined;
}

/**
 * Resolves a tensor (initializer or Constant value) by the GraphView id it was shown in: "main",
 * a subgraph id ("n12/body"), or a function ("fn:<domain>:<name>", and its subgraphs). Names not
 * found in the graph are looked up in the enclosing graphs (outer-scope weights).
 */
export function findTensor(model: OnnxModel, graphId: string, name: string): TensorRef | undefined {
  let chain: OnnxGraph[] | undefined;
  if (graphId === 'main') chain = [model.graph];
  else if (graphId.startsWith('fn:')) {
    for (const f of model.functions) {
      const id = functionGraphId(f.domain, f.name);
      if (graphId !== id && !graphId.startsWith(`${id}/`)) continue;
      const fg: OnnxGraph = {
        name: f.name, docString: '', nodes: f.nodes, inputs: [], allInputs: [], outputs: [], valueInfo: f.valueInfo,
        initializers: new Map(), sparseInitializers: new Map(), proto: {},
      };
      const rest = graphId === id ? [] : graphId.slice(id.length + 1).split('/');
      chain = descend(fg, rest, []);
      if (chain) break;
    }
  } else {
    chain = descend(model.graph, graphId.split('/'), []);
  }
  if (!chain) return undefined;
  for (let i = chain.length - 1; i >= 0; i--) {
    const t = graphTensor(chain[i], name);
    if (t) return t;
  }
  return undefined;
}
