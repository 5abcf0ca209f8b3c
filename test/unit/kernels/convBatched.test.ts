// The whole-batch float32 convolution path (convBatched.ts, im2col over the batch + one GEMM
// per direction) against the per-image float64 path of the same kernels, over pads,
// strides, dilations, bias and fused ReLU, in one chunk and in several; on the native and the
// JS backends. Also the native-vs-JS helpers it relies on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  adamStep, biasAct, channelSums, convDirect, convDirectFilter, convDirectInput, gemmBackendInfo, im2col, maxPool2d, nativeGemmAvailable, reluGrad, scatterAdd, scatterAddPlanes, setGemmBackend, setGemmThreads,
  sgdStep, swapAxes01,
} from '../../../extension/engine/cpu/gemm';
import { convBackpropFilterKernel, convBackpropInputKernel, convKernel, convOutShape } from '../../../extension/engine/cpu/kernels/conv';
import { setConvColumnCap } from '../../../extension/engine/cpu/kernels/convBatched';
import { Tensor } from '../../../extension/engine/tensor';

function values(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(seed * 12.9898 + i * 78.233) * 0.8;
  return a;
}
const f32 = (shape: number[], seed: number) => new Tensor('float32', shape, values(shape.reduce((a, b) => a * b, 1), seed));
const f64 = (t: Tensor) => new Tensor('float64', t.shape, Float64Array.from(t.data));

function close(got: Tensor, want: Tensor, what: string): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  let worst = 0;
  for (let i = 0; i < got.size; i++) worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]) / (1 + Math.abs(want.data[i])));
  assert.ok(worst < 2e-5, `${what}: relative error ${worst}`);
}

const cases = [
  { name: '5x5 valid (LeNet conv1)', x: [3, 1, 12, 12], w: [4, 1, 5, 5], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1] },
  { name: '3x3 pad 1', x: [2, 3, 7, 6], w: [5, 3, 3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1] },
  { name: 'stride 2, uneven pads', x: [3, 2, 9, 8], w: [3, 2, 3, 2], strides: [2, 2], pads: [1, 0, 2, 1], dilations: [1, 1] },
  { name: 'dilation 2', x: [2, 2, 10, 9], w: [2, 2, 3, 3], strides: [1, 2], pads: [2, 1, 0, 2], dilations: [2, 2] },
  // shapes of the direct kernel (conv_direct.c, stride 1, no padding; AVX-512 only): rows ≤ 8 wide two
  // to a vector with an odd row count, 17–32 wide in two vectors, 33+ in more; channel blocks
  // 16+8+6+1 and 8+4+2; kw 3 and 5, and kw 4 (forward direct, filter gradient through the GEMM)
  { name: 'direct: 8-wide rows in pairs, odd row count', x: [2, 3, 11, 12], w: [15, 3, 5, 5], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1] },
  { name: 'direct: 5-wide rows in pairs', x: [3, 2, 7, 7], w: [14, 2, 3, 3], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1] },
  { name: 'direct: 20 wide, 31 channels', x: [2, 2, 9, 22], w: [31, 2, 3, 3], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1] },
  { name: 'direct: 38 wide, kw 5', x: [2, 1, 8, 42], w: [6, 1, 5, 5], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1] },
  { name: 'direct: kw 4', x: [2, 2, 9, 13], w: [5, 2, 3, 4], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1] },
];

function suite(): void {
  for (const c of cases) {
    for (const chunked of [false, true]) {
      test(`${c.name}${chunked ? ', in chunks' : ''}: forward, input and filter gradients`, () => {
        const old = chunked ? setConvColumnCap(1) : undefined; // one image per chunk
        try {
          const geo = { strides: c.strides, pads: c.pads, dilations: c.dilations, group: 1 };
          const x = f32(c.x, 1), w = f32(c.w, 2), b = f32([c.w[0]], 3);
          const yShape = convOutShape(c.x, c.w, geo);
          const dy = f32(yShape, 4);
          for (const activation of [undefined, 'Relu'] as const) {
            close(convKernel([x, w, b], { ...geo, activation }), convKernel([f64(x), f64(w), f64(b)], { ...geo, activation }), `forward ${activation ?? ''}`);
          }
          close(convKernel([x, w], geo), convKernel([f64(x), f64(w)], geo), 'forward without bias');
          close(convBackpropInputKernel([dy, w], { ...geo, xShape: c.x }), convBackpropInputKernel([f64(dy), f64(w)], { ...geo, xShape: c.x }), 'input gradient');
          // filter gradient right after a forward on the same x (reuses its unfolded columns) and on its own
          convKernel([x, w], geo);
          close(convBackpropFilterKernel([x, dy], { ...geo, wShape: c.w }), convBackpropFilterKernel([f64(x), f64(dy)], { ...geo, wShape: c.w }), 'filter gradient (after forward)');
          close(convBackpropFilterKernel([x, dy], { ...geo, wShape: c.w }), convBackpropFilterKernel([f64(x), f64(dy)], { ...geo, wShape: c.w }), 'filter gradient (alone)');
        } finally {
          if (old !== undefined) setConvColumnCap(old);
        }
      });
    }
  }

  test('a refilled input array is unfolded again, not served from the cache', () => {
    const geo = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 };
    const x = f32([2, 1, 6, 6], 5), w = f32([2, 1, 3, 3], 6), dy = f32([2, 2, 4, 4], 7);
    convKernel([x, w], geo);
    const first = convBackpropFilterKernel([x, dy], { ...geo, wShape: w.shape.slice() });
    (x.data as Float32Array).set(values(x.size, 9)); // same array, new data, no forward in between
    const again = convBackpropFilterKernel([x, dy], { ...geo, wShape: w.shape.slice() });
    close(again, convBackpropFilterKernel([f64(x), f64(dy)], { ...geo, wShape: w.shape.slice() }), 'filter gradient of the new data');
    assert.notDeepEqual(Array.from(again.data), Array.from(first.data));
  });
}

describe('whole-batch convolution (native)', { skip: !nativeGemmAvailable() && 'native addon unavailable' }, () => {
  suite();
});

describe('direct convolution kernels run where they should', { skip: gemmBackendInfo().name !== 'native-avx512' && 'needs the native AVX-512 kernels' }, () => {
  test('convDirect / convDirectFilter / convDirectInput run for stride-1 unpadded shapes (kw 3 and 5) and match the reference', () => {
    for (const c of cases.filter((k) => k.name.startsWith('direct'))) {
      const [N, C, H, W] = c.x, [M, , kh, kw] = c.w, OH = H - kh + 1, OW = W - kw + 1;
      const x = f32(c.x, 1), w = f32(c.w, 2), dy = f32([N, M, OH, OW], 4);
      const y = new Float32Array(N * M * OH * OW);
      assert.equal(convDirect(x.data as Float32Array, N, C, H, W, w.data as Float32Array, M, kh, kw, null, false, y), true, c.name);
      const geo = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 };
      close(new Tensor('float32', [N, M, OH, OW], y), convKernel([f64(x), f64(w)], geo), `${c.name}: forward`);
      const dw = new Float32Array(M * C * kh * kw);
      assert.equal(convDirectFilter(x.data as Float32Array, N, C, H, W, dy.data as Float32Array, M, kh, kw, dw), kw === 3 || kw === 5, `${c.name}: filter ran`);
      if (kw === 3 || kw === 5) close(new Tensor('float32', c.w, dw), convBackpropFilterKernel([f64(x), f64(dy)], { ...geo, wShape: c.w }), `${c.name}: filter gradient`);
      const dx = new Float32Array(N * C * H * W).fill(NaN); // written whole
      assert.equal(convDirectInput(dy.data as Float32Array, N, M, OH, OW, w.data as Float32Array, C, kh, kw, dx), true, `${c.name}: input gradient ran`);
      close(new Tensor('float32', c.x, dx), convBackpropInputKernel([f64(dy), f64(w)], { ...geo, xShape: c.x }), `${c.name}: input gradient`);
    }
  });
});

describe('whole-batch convolution (JS fallback)', () => {
  test('switch to JS', () => setGemmBackend('js'));
  suite();
  test('switch back', () => setGemmBackend('auto'));
});

describe('layout and pooling helpers: native equals JS', { skip: !nativeGemmAvailable() && 'native addon unavailable' }, () => {
  const both = <T>(f: () => T): [T, T] => {
    setGemmBackend('native');
    const a = f();
    setGemmBackend('js');
    try { return [a, f()]; } finally { setGemmBackend('auto'); }
  };

  test('swapAxes01', () => {
    const src = values(3 * 5 * 7, 1);
    const [a, b] = both(() => { const d = new Float32Array(src.length); swapAxes01(src, 3, 5, 7, d); return d; });
    assert.deepEqual(a, b);
    assert.equal(a[(4 * 3 + 2) * 7 + 6], src[(2 * 5 + 4) * 7 + 6]);
    const bias = values(3, 2);
    for (const relu of [false, true]) {
      const [c, d] = both(() => { const o = new Float32Array(src.length); swapAxes01(src, 3, 5, 7, o, bias, relu); return o; });
      assert.deepEqual(c, d, `bias, relu ${relu}`);
      const v = Math.fround(src[(2 * 5 + 4) * 7 + 6] + bias[2]);
      assert.equal(c[(4 * 3 + 2) * 7 + 6], relu && v < 0 ? 0 : v);
    }
  });

  test('maxPool2d (ties, stride != kernel) and scatterAdd', () => {
    const x = values(2 * 3 * 9 * 8, 2).map((v) => Math.round(v * 4) / 4); // many ties
    const [a, b] = both(() => {
      const y = new Float32Array(6 * 4 * 3), idx = new Float64Array(y.length);
      maxPool2d(x, 6, 9, 8, 4, 3, 3, 2, 2, 3, y, idx);
      const dx = new Float32Array(x.length);
      scatterAdd(values(y.length, 3), idx, dx);
      return { y, idx, dx };
    });
    assert.deepEqual(a, b);
  });

  test('scatterAddPlanes refuses an index outside its plane', () => {
    setGemmBackend('native');
    try {
      scatterAddPlanes(Float32Array.from([1, 2, 3, 4]), Float64Array.from([1, 1, 2, 3]), 2, 2, 2, new Float32Array(4)); // in its plane: fine
      assert.throws(() => scatterAddPlanes(new Float32Array(4), Float64Array.from([0, 1, 9, 3]), 2, 2, 3, new Float32Array(6)), /outside its plane/);
    } finally { setGemmBackend('auto'); }
  });

  test('channelSums and batched im2col', () => {
    const x = values(4 * 3 * 10, 4);
    const [s1, s2] = both(() => { const o = new Float32Array(3); channelSums(x, 4, 3, 10, o); return o; });
    assert.deepEqual(s1, s2);
    const g = { C: 2, H: 5, W: 6, kh: 3, kw: 2, sh: 1, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1, OH: 5, OW: 4 };
    const img = values(3 * 2 * 5 * 6, 5);
    const [c1, c2] = both(() => { const col = new Float32Array(12 * 62 + 10); im2col(img, 0, g, col, 3, 3 * 20 + 2, 3); return col; });
    assert.deepEqual(c1, c2);
  });

  test('large arrays split over the pool\'s threads give the JS results bit for bit', () => {
    const old = gemmBackendInfo().threads;
    setGemmThreads(2);
    try {
      const n = 200_003, p0 = values(n, 1), g = values(n, 2), y = values(n, 3);
      const [a, b] = both(() => {
        const p = p0.slice(), buf = new Float32Array(n), m = new Float32Array(n), v = new Float32Array(n), q = p0.slice();
        sgdStep(p, g, buf, { lr: 0.1, momentum: 0.9, weightDecay: 0.01 }, true);
        sgdStep(p, g, buf, { lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true }, false);
        adamStep(q, g, m, v, { lr: 0.01, weightDecay: 0.01, decoupled: true }, 1);
        const dx = new Float32Array(n);
        reluGrad(g, y, dx);
        const c = y.slice();
        biasAct(c, 0, 1, n, n, null, true);
        const d = y.slice(0, 400 * 500);
        biasAct(d, 0, 400, 500, 500, values(500, 4), true);
        const s = new Float32Array(13 * 17 * 900);
        swapAxes01(y, 13, 17, 900, s, values(13, 5), true);
        const mp = new Float32Array(320 * 12 * 12), mi = new Float64Array(mp.length);
        maxPool2d(y, 320, 24, 24, 12, 12, 2, 2, 2, 2, mp, mi);
        const back = new Float32Array(320 * 24 * 24).fill(NaN); // every element is written
        scatterAddPlanes(values(mp.length, 6), mi, 320, 144, 576, back);
        const cs = new Float32Array(40);
        channelSums(y, 5, 40, 1000, cs);
        return { p, buf, q, m, v, dx, c, d, s, mp, mi, back, cs };
      });
      assert.deepEqual(a, b);
    } finally { setGemmThreads(old); }
  });

  test('bad arguments throw instead of touching memory', () => {
    setGemmBackend('native');
    try {
      assert.throws(() => scatterAdd(new Float32Array(2), Float64Array.of(0, 5), new Float32Array(3)), RangeError);
      assert.throws(() => maxPool2d(new Float32Array(16), 1, 4, 4, 3, 3, 2, 2, 2, 2, new Float32Array(9), new Float64Array(9)), RangeError);
      assert.throws(() => swapAxes01(new Float32Array(5), 2, 2, 2, new Float32Array(8)), RangeError);
    } finally { setGemmBackend('auto'); }
  });
});
