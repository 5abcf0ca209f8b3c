// Image files as model input: decode PNG/JPEG (pngjs, jpeg-js: pure JS, no native code), resize
// bilinearly to the model's input, convert to grayscale or RGB, scale to 0..1, normalize with
// mean/std and lay out as NCHW or NHWC. Pure: no vscode, so it is unit-tested directly.
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import type { Dim } from '../../shared/protocol';
import { InferenceError, type HostTensor } from './types';

/** RGBA, 8 bits per channel, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export type ImageLayout = 'NCHW' | 'NHWC' | 'flat';

/** Where the pixels go in the model's input tensor. */
export interface ImageTarget {
  layout: ImageLayout;
  channels: 1 | 3;
  height: number;
  width: number;
  /** The full tensor shape (batch dimension included, dynamic dims resolved). */
  dims: number[];
}

export interface Normalization {
  /** One value per channel (or one for all). Applied after scaling to 0..1: (x - mean) / std. */
  mean: number[];
  std: number[];
}

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Decodes a PNG or JPEG (by content, not name). Throws InferenceError naming the file. */
export function decodeImage(bytes: Uint8Array, file = 'The image'): RgbaImage {
  if (bytes.length < 8) throw new InferenceError(`${file} is empty or too short to be an image (${bytes.length} bytes).`, 'Pick a PNG or JPEG file.');
  const isPng = PNG_SIG.every((b, i) => bytes[i] === b);
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  try {
    if (isPng) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    if (isJpeg) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (e) {
    throw new InferenceError(`${file} could not be decoded as ${isPng ? 'PNG' : 'JPEG'}: ${(e as Error).message}.`, 'The file may be truncated or corrupt; try re-saving it.');
  }
  throw new InferenceError(`${file} is not a PNG or JPEG image.`, 'Neural Lens reads PNG and JPEG; convert other formats first.');
}

/** Encodes RGBA as PNG (for the sample digits and saliency overlays). */
export function encodePng(img: RgbaImage): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data);
  return new Uint8Array(PNG.sync.write(png));
}

/** Bilinear resize (pixel centres aligned, like PIL/OpenCV's INTER_LINEAR without antialias). */
export function resizeBilinear(img: RgbaImage, width: number, height: number): RgbaImage {
  if (img.width === width && img.height === height) return img;
  const out = new Uint8Array(width * height * 4);
  const sx = img.width / width, sy = img.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy), y1 = Math.min(y0 + 1, img.height - 1), wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx), x1 = Math.min(x0 + 1, img.width - 1), wx = fx - x0;
      const a = (y0 * img.width + x0) * 4, b = (y0 * img.width + x1) * 4;
      const c = (y1 * img.width + x0) * 4, d = (y1 * img.width + x1) * 4;
      const o = (y * width + x) * 4;
      for (let k = 0; k < 4; k++) {
        const top = img.data[a + k] * (1 - wx) + img.data[b + k] * wx;
        const bot = img.data[c + k] * (1 - wx) + img.data[d + k] * wx;
        out[o + k] = Math.round(top * (1 - wy) + bot * wy);
      }
    }
  }
  return { width, height, data: out };
}

const isFixed = (d: Dim | undefined): d is number => typeof d === 'number' && d > 0;
const isSquare = (n: number) => Number.isInteger(Math.sqrt(n));

/**
 * How an image fits a model input of shape `dims`, or undefined when it does not look like an
 * image input. Rank 4 with 1 or 3 channels first → NCHW, last → NHWC (channels-first wins when
 * both could be); rank 3 [C,H,W]/[H,W,C]; rank 2 [batch, H·W] with a square H·W → a flattened
 * grayscale image (MLPs on MNIST). Dynamic dims other than batch must be fixed by the model.
 */
export function imageTargetFor(dims: readonly Dim[] | undefined, batch = 1): ImageTarget | undefined {
  if (!dims) return undefined;
  const ch = (d: Dim | undefined) => d === 1 || d === 3;
  if (dims.length === 4) {
    const n = isFixed(dims[0]) ? dims[0] : batch;
    if (ch(dims[1]) && isFixed(dims[2]) && isFixed(dims[3])) {
      return { layout: 'NCHW', channels: dims[1] as 1 | 3, height: dims[2], width: dims[3], dims: [n, dims[1] as number, dims[2], dims[3]] };
    }
    if (ch(dims[3]) && isFixed(dims[1]) && isFixed(dims[2])) {
      return { layout: 'NHWC', channels: dims[3] as 1 | 3, height: dims[1], width: dims[2], dims: [n, dims[1], dims[2], dims[3] as number] };
    }
    return undefined;
  }
  if (dims.length === 3) {
    if (ch(dims[0]) && isFixed(dims[1]) && isFixed(dims[2])) return { layout: 'NCHW', channels: dims[0] as 1 | 3, height: dims[1], width: dims[2], dims: [dims[0] as number, dims[1], dims[2]] };
    if (ch(dims[2]) && isFixed(dims[0]) && isFixed(dims[1])) return { layout: 'NHWC', channels: dims[2] as 1 | 3, height: dims[0], width: dims[1], dims: [dims[0], dims[1], dims[2] as number] };
    return undefined;
  }
  if (dims.length === 2 && isFixed(dims[1]) && isSquare(dims[1]) && dims[1] >= 16) {
    const side = Math.sqrt(dims[1]);
    return { layout: 'flat', channels: 1, height: side, width: side, dims: [isFixed(dims[0]) ? dims[0] : batch, dims[1]] };
  }
  return undefined;
}

/** Switches a 4-D/3-D target between NCHW and NHWC (the user's layout choice). */
export function withLayout(t: ImageTarget, layout: 'NCHW' | 'NHWC'): ImageTarget {
  if (t.layout === 'flat' || t.layout === layout) return t;
  const batch = t.dims.length === 4 ? [t.dims[0]] : [];
  const dims = layout === 'NCHW' ? [...batch, t.channels, t.height, t.width] : [...batch, t.height, t.width, t.channels];
  return { ...t, layout, dims };
}

/** Per-channel value of a 1-or-3 list. */
function perChannel(v: number[], c: number): number {
  return v.length > c ? v[c] : v[0] ?? 0;
}

/**
 * Image → float32 tensor of `target.dims`: resized, to grayscale (ITU-R 601 luma) or RGB, alpha
 * composited over black, scaled to 0..1, then (x - mean[c]) / std[c]. Every batch item gets the
 * same image.
 */
export function imageToTensor(img: RgbaImage, target: ImageTarget, norm: Normalization = { mean: [0], std: [1] }): HostTensor {
  for (const s of norm.std) if (!(s !== 0 && Number.isFinite(s))) throw new InferenceError(`Normalization std must be non-zero numbers (got ${norm.std.join(', ')}).`);
  const r = resizeBilinear(img, target.width, target.height);
  const { width: W, height: H, channels: C } = target;
  const plane = W * H;
  const one = new Float32Array(plane * C);
  for (let p = 0; p < plane; p++) {
    const a = r.data[p * 4 + 3] / 255;
    const R = (r.data[p * 4] / 255) * a, G = (r.data[p * 4 + 1] / 255) * a, B = (r.data[p * 4 + 2] / 255) * a;
    const vals = C === 1 ? [0.299 * R + 0.587 * G + 0.114 * B] : [R, G, B];
    for (let c = 0; c < C; c++) {
      const v = (vals[c] - perChannel(norm.mean, c)) / perChannel(norm.std, c);
      const idx = target.layout === 'NHWC' ? p * C + c : c * plane + p;
      one[idx] = v;
    }
  }
  const total = target.dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(total);
  for (let o = 0; o < total; o += one.length) data.set(one.subarray(0, Math.min(one.length, total - o)), o);
  return { dims: [...target.dims], elemType: 'float32', data };
}

/** The model's input back as an RGBA image (first batch item; grayscale or RGB, min–max scaled):
 *  the picture the saliency map is drawn over. */
export function tensorToImage(t: HostTensor, target: ImageTarget): RgbaImage {
  const { width: W, height: H, channels: C } = target;
  const plane = W * H;
  const d = t.data as Float32Array;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < plane * C; i++) { const v = d[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
  const span = hi > lo ? hi - lo : 1;
  const out = new Uint8Array(plane * 4);
  for (let p = 0; p < plane; p++) {
    for (let k = 0; k < 3; k++) {
      const c = C === 1 ? 0 : k;
      const idx = target.layout === 'NHWC' ? p * C + c : c * plane + p;
      out[p * 4 + k] = Math.round(((d[idx] - lo) / span) * 255);
    }
    out[p * 4 + 3] = 255;
  }
  return { width: W, height: H, data: out };
}
