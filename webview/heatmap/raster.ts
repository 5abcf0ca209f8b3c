/**
 * Heatmap geometry: turns HeatmapData into a 1-pixel-per-cell RGBA raster (the
 * panel scales it up by a whole factor, smoothing off), and maps a raster pixel
 * back to the tensor element it shows. Pure.
 */
import type { HeatmapData } from '../../shared/protocol';
import { formatValue, unravelIndex } from '../format';
import { lutIndex } from '../colors';

export interface RasterGeometry {
  width: number;
  height: number;
  /** kernels: pixels per kernel step (kernel size + gap). */
  stepX: number;
  stepY: number;
  gap: number;
  /** kernels: tiles per raster row (inC, or a near-square wrap when there is one input channel). */
  tileCols: number;
}

export const BAR_HEIGHT = 48;

export function geometry(d: HeatmapData): RasterGeometry {
  if (d.layout === 'kernels' && d.kernel) {
    const { outC, inC, kh, kw } = d.kernel;
    const gap = kh * kw > 1 ? 1 : 0;
    // One row per output channel reads best, but with a single input channel that is a thin
    // column of kernels: wrap them into a near-square grid instead.
    const tileCols = inC > 1 ? inC : Math.ceil(Math.sqrt(outC));
    const tileRows = inC > 1 ? outC : Math.ceil(outC / tileCols);
    return { width: tileCols * (kw + gap) - gap, height: tileRows * (kh + gap) - gap, stepX: kw + gap, stepY: kh + gap, gap, tileCols };
  }
  if (d.layout === 'bars') return { width: d.values.length, height: BAR_HEIGHT, stepX: 1, stepY: 1, gap: 0, tileCols: 1 };
  return { width: d.cols, height: d.rows, stepX: 1, stepY: 1, gap: 0, tileCols: 1 };
}

/** Tile (column, row) of kernel [o, c] in the grid, and back. */
function kernelTile(inC: number, geo: RasterGeometry, o: number, c: number): [number, number] {
  return inC > 1 ? [c, o] : [o % geo.tileCols, Math.floor(o / geo.tileCols)];
}
function tileKernel(inC: number, geo: RasterGeometry, col: number, row: number): [number, number] {
  return inC > 1 ? [row, col] : [row * geo.tileCols + col, 0];
}

/** Largest |value| drawn (the colour scale runs ±this). NaN/Inf ignored. */
export function maxAbs(values: Float32Array): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > m && a !== Infinity) m = a;
  }
  return m;
}

/**
 * RGBA pixels for the raster. `gapRGB` paints the gaps between kernels and the
 * empty part of bars; NaN cells get `nanRGB`.
 */
export function rasterize(d: HeatmapData, lut: Uint8ClampedArray, scaleMax: number, gapRGB: [number, number, number], nanRGB: [number, number, number]): { geo: RasterGeometry; pixels: Uint8ClampedArray } {
  const geo = geometry(d);
  const steps = lut.length / 4;
  const px = new Uint8ClampedArray(geo.width * geo.height * 4);
  const put = (o: number, rgb: ArrayLike<number>, base = 0) => { px[o] = rgb[base]; px[o + 1] = rgb[base + 1]; px[o + 2] = rgb[base + 2]; px[o + 3] = 255; };
  const paint = (o: number, v: number) => {
    const li = lutIndex(v, scaleMax, steps);
    if (li < 0) put(o, nanRGB);
    else put(o, lut, li * 4);
  };
  for (let i = 0; i < px.length; i += 4) put(i, gapRGB);
  const vals = d.values;
  if (d.layout === 'kernels' && d.kernel) {
    const { outC, inC, kh, kw } = d.kernel;
    for (let o = 0; o < outC; o++) for (let c = 0; c < inC; c++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
      const v = vals[((o * inC + c) * kh + y) * kw + x];
      const [tc, tr] = kernelTile(inC, geo, o, c);
      const X = tc * geo.stepX + x, Y = tr * geo.stepY + y;
      paint((Y * geo.width + X) * 4, v);
    }
  } else if (d.layout === 'bars') {
    const H = geo.height;
    let anyNeg = false;
    for (let i = 0; i < vals.length; i++) if (vals[i] < 0) { anyNeg = true; break; }
    const base = anyNeg ? Math.floor(H / 2) : H; // zero line
    const span = anyNeg ? Math.floor(H / 2) : H;
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i];
      const len = scaleMax > 0 && Number.isFinite(v) ? Math.max(1, Math.round((Math.abs(v) / scaleMax) * span)) : 1;
      const y0 = v < 0 ? base : base - len, y1 = v < 0 ? base + len : base;
      for (let y = Math.max(0, y0); y < Math.min(H, y1); y++) paint((y * geo.width + i) * 4, v);
    }
  } else {
    const n = Math.min(vals.length, d.rows * d.cols);
    for (let i = 0; i < n; i++) paint(i * 4, vals[i]);
  }
  return { geo, pixels: px };
}

export interface CellInfo {
  /** Index into HeatmapData.values. */
  valueIndex: number;
  value: number;
  /** "[12, 3]" or "mean of block rows 0–3, cols 4–7". */
  where: string;
}

const range = (a: number, b: number) => (a === b ? String(a) : `${a}–${b}`);

/** The cell under raster pixel (x, y), or null over a gap / outside. */
export function cellAt(d: HeatmapData, x: number, y: number): CellInfo | null {
  const geo = geometry(d);
  if (x < 0 || y < 0 || x >= geo.width || y >= geo.height) return null;
  if (d.layout === 'kernels' && d.kernel) {
    const { outC, inC, kh, kw } = d.kernel;
    const kx = x % geo.stepX, ky = y % geo.stepY;
    const [o, c] = tileKernel(inC, geo, Math.floor(x / geo.stepX), Math.floor(y / geo.stepY));
    if (kx >= kw || ky >= kh || o >= outC) return null;
    const vi = ((o * inC + c) * kh + ky) * kw + kx;
    return { valueIndex: vi, value: d.values[vi], where: `[${o}, ${c}, ${ky}, ${kx}]` };
  }
  if (d.layout === 'bars') {
    const i = x;
    if (i >= d.values.length) return null;
    const total = d.dims.reduce((a, b) => a * b, 1);
    if (d.blockCols > 1) {
      const a = i * d.blockCols, b = Math.min(a + d.blockCols, total) - 1;
      return { valueIndex: i, value: d.values[i], where: `mean of elements ${range(a, b)}` };
    }
    return { valueIndex: i, value: d.values[i], where: `[${(d.dims.length ? unravelIndex(i, d.dims) : [i]).join(', ')}]` };
  }
  const r = y, c = x;
  const vi = r * d.cols + c;
  if (vi >= d.values.length) return null;
  const dim0 = d.dims[0] ?? d.rows;
  const rest = d.dims.slice(1);
  const restSize = rest.reduce((a, b) => a * b, 1);
  if (d.blockRows > 1 || d.blockCols > 1) {
    const ra = r * d.blockRows, rb = Math.min(ra + d.blockRows, dim0) - 1;
    const ca = c * d.blockCols, cb = Math.min(ca + d.blockCols, restSize) - 1;
    return { valueIndex: vi, value: d.values[vi], where: `mean of block rows ${range(ra, rb)}, cols ${range(ca, cb)}` };
  }
  const idx = rest.length <= 1 ? [r, c] : [r, ...unravelIndex(c, rest)];
  return { valueIndex: vi, value: d.values[vi], where: `[${idx.join(', ')}]` };
}

export function describeCell(info: CellInfo): string {
  return `${info.where} = ${formatValue(info.value)}`;
}
