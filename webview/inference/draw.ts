/**
 * Pixels for the run panel and the activation view: a grid of feature maps (shared or per-map
 * colour scale), a saliency heat overlay over the input image, and histogram bars. Pure (no DOM),
 * so it is unit-tested; the views put the pixels on canvases.
 */
import { lutIndex } from '../colors';

export interface Raster {
  width: number;
  height: number;
  pixels: Uint8ClampedArray;
}

export interface GridGeometry {
  gridCols: number;
  gridRows: number;
  /** Pixels from one map's origin to the next (map size + 1 px gap). */
  stepX: number;
  stepY: number;
}

/** Columns for `n` maps of rows×cols so the grid is roughly as wide as `aspect` times its height. */
export function gridFor(n: number, rows: number, cols: number, aspect = 1.6): GridGeometry {
  let best = 1;
  let bestScore = Infinity;
  for (let c = 1; c <= n; c++) {
    const r = Math.ceil(n / c);
    const w = c * (cols + 1), hgt = r * (rows + 1);
    const score = Math.abs(Math.log(w / hgt / aspect)) + (r * c - n) * 0.01;
    if (score < bestScore) { bestScore = score; best = c; }
  }
  return { gridCols: best, gridRows: Math.ceil(n / best), stepX: cols + 1, stepY: rows + 1 };
}

function maxAbsOf(v: Float32Array, from = 0, to = v.length): number {
  let m = 0;
  for (let i = from; i < to; i++) { const a = Math.abs(v[i]); if (a > m && a !== Infinity) m = a; }
  return m;
}

/**
 * `shown` maps of rows×cols (consecutive in `values`) tiled in a grid with 1 px gaps. With
 * `shared`, one colour scale (±max |value| over all maps); otherwise each map is scaled to its
 * own max, so faint channels become visible.
 */
export function mapsRaster(values: Float32Array, shown: number, rows: number, cols: number, lut: Uint8ClampedArray, shared: boolean, gap: [number, number, number], nan: [number, number, number]): Raster & { geo: GridGeometry } {
  const geo = gridFor(shown, rows, cols);
  const width = Math.max(1, geo.gridCols * geo.stepX - 1), height = Math.max(1, geo.gridRows * geo.stepY - 1);
  const px = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < px.length; i += 4) { px[i] = gap[0]; px[i + 1] = gap[1]; px[i + 2] = gap[2]; px[i + 3] = 255; }
  const steps = lut.length / 4;
  const plane = rows * cols;
  const global = shared ? maxAbsOf(values, 0, shown * plane) : 0;
  for (let m = 0; m < shown; m++) {
    const scale = shared ? global : maxAbsOf(values, m * plane, (m + 1) * plane);
    const ox = (m % geo.gridCols) * geo.stepX, oy = Math.floor(m / geo.gridCols) * geo.stepY;
    for (let y = 0; y < rows; y++) for (let x = 0; x < cols; x++) {
      const li = lutIndex(values[m * plane + y * cols + x], scale, steps);
      const o = ((oy + y) * width + ox + x) * 4;
      if (li < 0) { px[o] = nan[0]; px[o + 1] = nan[1]; px[o + 2] = nan[2]; }
      else { px[o] = lut[li * 4]; px[o + 1] = lut[li * 4 + 1]; px[o + 2] = lut[li * 4 + 2]; }
      px[o + 3] = 255;
    }
  }
  return { width, height, pixels: px, geo };
}

/** Heat colour for saliency 0..1: transparent → red → yellow. */
export function heatColor(t: number): [number, number, number] {
  const u = Math.max(0, Math.min(1, t));
  return u < 0.5 ? [255, Math.round(u * 2 * 120), 0] : [255, Math.round(120 + (u - 0.5) * 2 * 135), Math.round((u - 0.5) * 2 * 80)];
}

/** The input image with the saliency map blended over it: alpha = value × `opacity`. */
export function saliencyOverlay(image: { width: number; height: number; rgba: Uint8Array }, sal: { width: number; height: number; values: Float32Array }, opacity: number): Raster {
  const { width, height } = sal;
  const px = new Uint8ClampedArray(width * height * 4);
  const sameSize = image.width === width && image.height === height;
  for (let p = 0; p < width * height; p++) {
    const x = p % width, y = Math.floor(p / width);
    const q = sameSize ? p : Math.min(image.height - 1, Math.floor((y * image.height) / height)) * image.width + Math.min(image.width - 1, Math.floor((x * image.width) / width));
    const v = sal.values[p];
    const a = Math.max(0, Math.min(1, v * opacity));
    const [r, g, b] = heatColor(v);
    px[p * 4] = image.rgba[q * 4] * (1 - a) + r * a;
    px[p * 4 + 1] = image.rgba[q * 4 + 1] * (1 - a) + g * a;
    px[p * 4 + 2] = image.rgba[q * 4 + 2] * (1 - a) + b * a;
    px[p * 4 + 3] = 255;
  }
  return { width, height, pixels: px };
}
