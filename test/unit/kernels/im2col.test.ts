// im2col / col2im: the JS and native versions against a direct definition,
// over pads, strides and dilations; col2im checked as im2col's adjoint
// (<im2col(x), y> = <x, col2im(y)>), which is what the convolution backward needs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { col2imJs, im2colJs, type ConvGeometry } from '../../../extension/engine/cpu/gemm';
import { loadNative } from '../../../extension/engine/cpu/native';

function geometry(C: number, H: number, W: number, kh: number, kw: number, s: [number, number],
  padBegin: [number, number], padEnd: [number, number], d: [number, number]): ConvGeometry {
  const OH = Math.floor((H + padBegin[0] + padEnd[0] - d[0] * (kh - 1) - 1) / s[0]) + 1;
  const OW = Math.floor((W + padBegin[1] + padEnd[1] - d[1] * (kw - 1) - 1) / s[1]) + 1;
  return { C, H, W, kh, kw, sh: s[0], sw: s[1], ph: padBegin[0], pw: padBegin[1], dh: d[0], dw: d[1], OH, OW };
}

const CASES: ConvGeometry[] = [
  geometry(1, 28, 28, 5, 5, [1, 1], [0, 0], [0, 0], [1, 1]), // LeNet conv1
  geometry(6, 12, 12, 5, 5, [1, 1], [0, 0], [0, 0], [1, 1]), // LeNet conv2
  geometry(3, 7, 9, 3, 3, [1, 1], [1, 1], [1, 1], [1, 1]),
  geometry(2, 8, 7, 3, 2, [2, 3], [1, 0], [2, 1], [1, 1]),
  geometry(2, 9, 9, 3, 3, [1, 2], [2, 2], [2, 2], [2, 3]),
  geometry(1, 4, 4, 1, 1, [2, 2], [0, 0], [0, 0], [1, 1]),
  geometry(2, 3, 3, 3, 3, [1, 1], [3, 3], [3, 3], [1, 1]), // padding wider than the image
];

function direct(x: Float32Array, g: ConvGeometry): Float32Array {
  const col = new Float32Array(g.C * g.kh * g.kw * g.OH * g.OW);
  let o = 0;
  for (let c = 0; c < g.C; c++) for (let ki = 0; ki < g.kh; ki++) for (let kj = 0; kj < g.kw; kj++) {
    for (let oh = 0; oh < g.OH; oh++) for (let ow = 0; ow < g.OW; ow++) {
      const ih = oh * g.sh - g.ph + ki * g.dh, iw = ow * g.sw - g.pw + kj * g.dw;
      col[o++] = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W ? x[(c * g.H + ih) * g.W + iw] : 0;
    }
  }
  return col;
}

function values(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(seed * 7.1 + i * 0.37) * 2;
  return a;
}

type Im2col = (x: Float32Array, xOff: number, g: ConvGeometry, col: Float32Array, colOff: number, colLd?: number) => void;

function suite(im2col: Im2col, col2im: Im2col): void {
  test('im2col matches the direct definition (with offsets)', () => {
    for (const g of CASES) {
      const x = values(3 + g.C * g.H * g.W, 1);
      const n = g.C * g.kh * g.kw * g.OH * g.OW;
      const col = new Float32Array(n + 5).fill(NaN);
      im2col(x, 3, g, col, 2);
      assert.deepEqual([...col.subarray(2, 2 + n)], [...direct(x.subarray(3), g)], JSON.stringify(g));
    }
  });
  test('col2im is the adjoint of im2col and accumulates', () => {
    for (const g of CASES) {
      const x = values(g.C * g.H * g.W, 2);
      const y = values(g.C * g.kh * g.kw * g.OH * g.OW, 3);
      const cx = direct(x, g);
      let lhs = 0;
      for (let i = 0; i < y.length; i++) lhs += cx[i] * y[i];
      const back = new Float32Array(x.length).fill(1);
      col2im(y, 0, g, back, 0);
      let rhs = 0;
      for (let i = 0; i < x.length; i++) rhs += x[i] * (back[i] - 1);
      assert.ok(Math.abs(lhs - rhs) <= 1e-4 * (1 + Math.abs(lhs)), `${lhs} vs ${rhs} for ${JSON.stringify(g)}`);
    }
  });
  test('a batch unfolds side by side with colLd (one GEMM per batch)', () => {
    for (const g of CASES) {
      const N = 3, P = g.OH * g.OW, rows = g.C * g.kh * g.kw, img = g.C * g.H * g.W;
      const xs = values(N * img, 4);
      const col = new Float32Array(rows * N * P).fill(NaN);
      for (let n = 0; n < N; n++) im2col(xs, n * img, g, col, n * P, N * P);
      for (let n = 0; n < N; n++) {
        const want = direct(xs.subarray(n * img, (n + 1) * img), g);
        for (let r = 0; r < rows; r++) {
          assert.deepEqual([...col.subarray(r * N * P + n * P, r * N * P + (n + 1) * P)], [...want.subarray(r * P, (r + 1) * P)]);
        }
      }
      // and back: col2im with the same layout gives what it gives image by image
      const back = new Float32Array(N * img), ref = new Float32Array(N * img);
      for (let n = 0; n < N; n++) col2im(col, n * P, g, back, n * img, N * P);
      for (let n = 0; n < N; n++) {
        const own = new Float32Array(rows * P);
        for (let r = 0; r < rows; r++) own.set(col.subarray(r * N * P + n * P, r * N * P + (n + 1) * P), r * P);
        col2im(own, 0, g, ref, n * img);
      }
      assert.deepEqual(back, ref);
    }
  });
  test('short arrays throw RangeError', () => {
    const g = CASES[0];
    assert.throws(() => im2col(new Float32Array(10), 0, g, new Float32Array(1e5), 0), RangeError);
    assert.throws(() => col2im(new Float32Array(10), 0, g, new Float32Array(1e5), 0), RangeError);
  });
}

describe('JS im2col/col2im', () => suite(im2colJs, col2imJs));

const loaded = loadNative();
describe('native im2col/col2im', { skip: loaded.ok ? false : `native addon unavailable: ${loaded.ok || loaded.reason}` }, () => {
  if (!loaded.ok) return;
  const k = loaded.kernels;
  suite(
    (x, xOff, g, col, colOff, ld = 0) => k.im2col(x, xOff, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, col, colOff, ld),
    (col, colOff, g, x, xOff, ld = 0) => k.col2im(col, colOff, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, x, xOff, ld),
  );
});
