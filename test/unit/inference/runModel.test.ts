// Run Model's pure parts: image decode/resize/normalize/layout, input building, top-k and
// labels, activation views, ORT-vs-engine compare and saliency on the bundled CNN.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { decodeImage, encodePng, imageTargetFor, imageToTensor, resizeBilinear, tensorToImage, withLayout, type RgbaImage } from '../../../extension/inference/imageInput';
import { csvRowTensor, digitTensor, fitTensorToInput, parseNorm, randomTensor, resolveDims } from '../../../extension/inference/inputBuilder';
import { activationData, isClassOutput, looksLikeProbabilities, outputView, parseLabels, softmax, topK } from '../../../extension/inference/outputViews';
import { runEngine, saliency } from '../../../extension/inference/engineRun';
import { compareActivationMaps } from '../../../extension/inference/compare';
import { releaseOrtSessions, runOrt } from '../../../extension/inference/runOrt';
import { InferenceError, type HostTensor } from '../../../extension/inference/types';
import { mapsRaster, saliencyOverlay } from '../../../webview/inference/draw';

const samples = path.resolve(__dirname, '../../../media/samples');
const CNN = path.join(samples, 'mnist-cnn.onnx');
after(() => releaseOrtSessions());

function solid(w: number, h: number, rgba: [number, number, number, number]): RgbaImage {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set(rgba, i * 4);
  return { width: w, height: h, data };
}

test('decodeImage reads PNG and JPEG by content and rejects other bytes clearly', () => {
  const img = solid(3, 2, [10, 200, 30, 255]);
  img.data.set([255, 0, 0, 255], 0);
  const png = decodeImage(encodePng(img), 'a.png');
  assert.deepEqual([png.width, png.height], [3, 2]);
  assert.deepEqual(Array.from(png.data.subarray(0, 8)), [255, 0, 0, 255, 10, 200, 30, 255]);
  const jpg = jpeg.encode({ width: 8, height: 8, data: Buffer.from(solid(8, 8, [100, 150, 200, 255]).data) }, 95).data;
  const dj = decodeImage(new Uint8Array(jpg), 'b.jpg');
  assert.deepEqual([dj.width, dj.height], [8, 8]);
  assert.ok(Math.abs(dj.data[0] - 100) <= 3 && Math.abs(dj.data[1] - 150) <= 3 && Math.abs(dj.data[2] - 200) <= 3, `jpeg colour ${dj.data.subarray(0, 3)}`);
  assert.throws(() => decodeImage(new TextEncoder().encode('hello, not an image at all'), 'c.png'), (e: unknown) => e instanceof InferenceError && /c\.png is not a PNG or JPEG/.test(e.message));
  assert.throws(() => decodeImage(new Uint8Array(encodePng(img).subarray(0, 40)), 'd.png'), /d\.png could not be decoded as PNG/);
  assert.throws(() => decodeImage(new Uint8Array(3), 'e.png'), /too short/);
  // bundled digits decode
  const d3 = decodeImage(fs.readFileSync(path.join(samples, 'digits/digit-3.png')));
  assert.deepEqual([d3.width, d3.height], [28, 28]);
  assert.equal(PNG.sync.read(fs.readFileSync(path.join(samples, 'digits/digit-3.png'))).width, 28);
});

test('resizeBilinear: identity, constant images stay constant, a 2×1 ramp interpolates', () => {
  const img = solid(4, 4, [50, 60, 70, 255]);
  assert.equal(resizeBilinear(img, 4, 4), img);
  const r = resizeBilinear(img, 7, 3);
  assert.deepEqual([r.width, r.height], [7, 3]);
  for (let i = 0; i < 21; i++) assert.deepEqual(Array.from(r.data.subarray(i * 4, i * 4 + 4)), [50, 60, 70, 255]);
  const ramp: RgbaImage = { width: 2, height: 1, data: new Uint8Array([0, 0, 0, 255, 200, 200, 200, 255]) };
  const up = resizeBilinear(ramp, 4, 1);
  assert.deepEqual([0, 1, 2, 3].map((i) => up.data[i * 4]), [0, 50, 150, 200]);
});

test('imageTargetFor finds NCHW, NHWC, 3-D and flattened MNIST inputs', () => {
  assert.deepEqual(imageTargetFor(['batch', 1, 28, 28]), { layout: 'NCHW', channels: 1, height: 28, width: 28, dims: [1, 1, 28, 28] });
  assert.deepEqual(imageTargetFor([null, 224, 224, 3]), { layout: 'NHWC', channels: 3, height: 224, width: 224, dims: [1, 224, 224, 3] });
  assert.deepEqual(imageTargetFor([3, 32, 32])?.layout, 'NCHW');
  assert.deepEqual(imageTargetFor(['N', 784], 2), { layout: 'flat', channels: 1, height: 28, width: 28, dims: [2, 784] });
  assert.equal(imageTargetFor(['batch', 10]), undefined);
  assert.equal(imageTargetFor(['batch', 5, 28, 28]), undefined);
  assert.equal(imageTargetFor(['batch', 3, 'h', 'w']), undefined);
  assert.deepEqual(withLayout(imageTargetFor([1, 3, 8, 8])!, 'NHWC').dims, [1, 8, 8, 3]);
});

test('imageToTensor: grayscale luma, RGB, mean/std per channel, NCHW vs NHWC, alpha over black', () => {
  const img = solid(2, 2, [255, 0, 0, 255]);
  img.data.set([0, 0, 255, 255], 4); // pixel (1,0) blue
  const g = imageToTensor(img, imageTargetFor([1, 1, 2, 2])!);
  assert.ok(Math.abs((g.data as Float32Array)[0] - 0.299) < 1e-6 && Math.abs((g.data as Float32Array)[1] - 0.114) < 1e-6);
  const nchw = imageToTensor(img, imageTargetFor([1, 3, 2, 2])!, { mean: [0.5, 0, 0], std: [0.5, 1, 2] });
  assert.deepEqual(nchw.dims, [1, 3, 2, 2]);
  assert.deepEqual(Array.from(nchw.data as Float32Array), [1, -1, 1, 1, 0, 0, 0, 0, 0, 0.5, 0, 0]);
  const nhwc = imageToTensor(img, imageTargetFor([1, 2, 2, 3])!);
  assert.deepEqual(nhwc.dims, [1, 2, 2, 3]);
  assert.deepEqual(Array.from((nhwc.data as Float32Array).subarray(0, 6)), [1, 0, 0, 0, 0, 1]);
  const half = imageToTensor(solid(1, 1, [255, 255, 255, 0]), imageTargetFor([1, 1, 1, 1])!);
  assert.equal((half.data as Float32Array)[0], 0);
  const batch = imageToTensor(solid(2, 2, [255, 255, 255, 255]), { ...imageTargetFor([3, 1, 2, 2])!, dims: [3, 1, 2, 2] });
  assert.equal(batch.data.length, 12);
  assert.ok((batch.data as Float32Array).every((v) => Math.abs(v - 1) < 1e-6));
  assert.throws(() => imageToTensor(img, imageTargetFor([1, 1, 2, 2])!, { mean: [0], std: [0] }), /std must be non-zero/);
  // back to an image (what saliency is drawn over)
  const back = tensorToImage(g, imageTargetFor([1, 1, 2, 2])!);
  assert.equal(back.data[0], 255);
  assert.equal(back.data[4], 0);
});

test('parseNorm reads "mean; std" lists', () => {
  assert.deepEqual(parseNorm('0.485, 0.456, 0.406; 0.229, 0.224, 0.225'), { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  assert.deepEqual(parseNorm('mean 0.1307; std 0.3081'), { mean: [0.1307], std: [0.3081] });
  assert.equal(parseNorm('0.5'), undefined);
  assert.equal(parseNorm('0.5; 0'), undefined);
});

test('resolveDims: batch → 1, named dims asked for, given values used', () => {
  assert.deepEqual(resolveDims(['batch', 1, 28, 28]), { dims: [1, 1, 28, 28], ask: [] });
  assert.deepEqual(resolveDims([null, 'seq', 8]), { dims: [1, 1, 8], ask: [{ index: 1, name: 'seq' }] });
  assert.deepEqual(resolveDims([null, 'seq', 8], { seq: 5 }).dims, [1, 5, 8]);
  assert.deepEqual(resolveDims(['N', 3], {}, 4).dims, [4, 3]);
});

test('randomTensor, digitTensor and fitTensorToInput build inputs of the right shape and type', () => {
  const r = randomTensor('float32', [2, 3]);
  assert.equal(r.data.length, 6);
  assert.deepEqual(Array.from(r.data as Float32Array), Array.from(randomTensor('float32', [2, 3]).data as Float32Array), 'seeded');
  assert.ok(randomTensor('int64', [4]).data instanceof BigInt64Array);
  assert.throws(() => randomTensor('string', [1]), /not supported/);
  const px = new Float32Array(784).fill(0.5);
  const d = digitTensor(px, { name: 'input', elemType: 'float32', shape: [1, 1, 28, 28] });
  assert.deepEqual(d.dims, [1, 1, 28, 28]);
  assert.ok(Math.abs((d.data as Float32Array)[100] - 128 / 255) < 1e-6);
  assert.deepEqual(digitTensor(px, { name: 'x', elemType: 'float32', shape: [1, 784] }).dims, [1, 784]);
  assert.throws(() => digitTensor(px, { name: 'ids', elemType: 'float32', shape: [1, 10] }), /does not look like an image/);
  assert.throws(() => digitTensor(px, { name: 'ids', elemType: 'int64', shape: [1, 784] }), /fed as float32/);
  const flat: HostTensor = { dims: [784], elemType: 'float32', data: px };
  const fitted = fitTensorToInput(flat, { name: 'input', elemType: 'float32', shape: ['batch', 1, 28, 28] }, [1, 1, 28, 28], 'x.npy');
  assert.deepEqual(fitted.tensor.dims, [1, 1, 28, 28]);
  assert.match(fitted.note!, /reshaped \[784\]/);
  assert.throws(() => fitTensorToInput({ ...flat, dims: [780], data: px.subarray(0, 780) }, { name: 'input', elemType: 'float32', shape: [1, 784] }, [1, 784], 'x.npy'), /x\.npy has shape \[780\]/);
  assert.throws(() => fitTensorToInput({ dims: [784], elemType: 'int64', data: new BigInt64Array(784) }, { name: 'input', elemType: 'float32', shape: [1, 784] }, [1, 784], 'x.npy'), /holds int64 values; input "input" wants float32/);
});

test('softmax, top-k, labels and class-output detection', () => {
  const p = softmax([1, 2, 3]);
  assert.ok(Math.abs(p[0] + p[1] + p[2] - 1) < 1e-12 && p[2] > p[1]);
  assert.ok(Number.isFinite(softmax([1000, 1001])[0]), 'stable for large logits');
  assert.deepEqual(topK([0.1, 0.6, 0.3], 2, ['a', 'b', 'c']), [{ index: 1, label: 'b', prob: 0.6 }, { index: 2, label: 'c', prob: 0.3 }]);
  assert.deepEqual(topK([0.5, 0.5], 5).map((e) => e.label), ['0', '1']);
  assert.deepEqual(parseLabels('0,1,2'), ['0', '1', '2']);
  assert.deepEqual(parseLabels('cat\ndog\n'), ['cat', 'dog']);
  assert.deepEqual(parseLabels('["a b", "c"]'), ['a b', 'c']);
  assert.ok(looksLikeProbabilities([0.2, 0.8]) && !looksLikeProbabilities([2, -1]));
  assert.ok(isClassOutput({ dims: [1, 10], elemType: 'float32', data: new Float32Array(10) }));
  assert.ok(!isClassOutput({ dims: [2, 10], elemType: 'float32', data: new Float32Array(20) }));
  assert.ok(!isClassOutput({ dims: [1, 10], elemType: 'int64', data: new BigInt64Array(10) }));
  const logits = outputView('logits', { dims: [1, 3], elemType: 'float32', data: new Float32Array([0, 5, 1]) }, ['x', 'y', 'z'], 'model metadata', 2);
  assert.equal(logits.kind, 'classes');
  assert.equal(logits.probsFrom, 'softmax');
  assert.equal(logits.topK![0].label, 'y');
  const probs = outputView('p', { dims: [3], elemType: 'float32', data: new Float32Array([0.2, 0.3, 0.5]) }, [], '');
  assert.equal(probs.probsFrom, 'as-is');
  assert.equal(probs.labelSource, '');
  const tensor = outputView('feat', { dims: [2, 4], elemType: 'float32', data: new Float32Array(8).fill(2) }, [], '');
  assert.equal(tensor.kind, 'tensor');
  assert.equal(tensor.heatmap!.layout, 'matrix');
  assert.equal(tensor.stats!.mean, 2);
});

test('activationData: 4-D as feature maps, 2-D as matrix, 1-D as bars, stats over the whole tensor', () => {
  const maps: HostTensor = { dims: [1, 3, 2, 2], elemType: 'float32', data: new Float32Array([0, 1, 2, 3, 0, 0, 0, 0, -1, NaN, Infinity, 4]) };
  const a = activationData(1, 'n0', 'y', maps);
  assert.equal(a.layout, 'maps');
  assert.deepEqual([a.channels, a.shown, a.rows, a.cols], [3, 3, 2, 2]);
  assert.equal(a.values.length, 12);
  assert.equal(a.stats.zeros, 5);
  assert.equal(a.stats.nanCount, 1);
  assert.equal(a.stats.infCount, 1);
  assert.equal(a.stats.max, 4);
  const many = activationData(1, 'n0', 'y', { dims: [2, 100, 4, 4], elemType: 'float32', data: new Float32Array(3200) });
  assert.equal(many.shown, 64);
  assert.match(many.note, /first 64 of 100 channels; batch item 0 of 2/);
  const m = activationData(1, 'n1', 'z', { dims: [3, 10], elemType: 'float32', data: new Float32Array(30) });
  assert.equal(m.layout, 'matrix');
  assert.deepEqual([m.rows, m.cols], [3, 10]);
  const row = activationData(1, 'n1', 'z', { dims: [1, 10], elemType: 'float32', data: new Float32Array(10) });
  assert.equal(row.layout, 'bars', 'a batch of one is drawn as bars');
  const b = activationData(1, 'n2', 'w', { dims: [5000], elemType: 'float32', data: new Float32Array(5000) });
  assert.equal(b.layout, 'bars');
  assert.ok(b.values.length <= 4096);
});

test('webview drawing: feature-map grid (shared vs per-map scale) and saliency overlay', () => {
  const lut = new Uint8ClampedArray(255 * 4);
  for (let i = 0; i < 255; i++) lut.set([i, i, i, 255], i * 4);
  const vals = new Float32Array([0, 1, 0, 1, 0, 0.1, 0, 0.1]); // two 2×2 maps, the second faint
  const shared = mapsRaster(vals, 2, 2, 2, lut, true, [9, 9, 9], [1, 2, 3]);
  const own = mapsRaster(vals, 2, 2, 2, lut, false, [9, 9, 9], [1, 2, 3]);
  assert.equal(shared.width * shared.height * 4, shared.pixels.length);
  const px = (r: typeof shared, x: number, y: number) => r.pixels[(y * r.width + x) * 4];
  const second = shared.geo.gridCols > 1 ? [shared.geo.stepX + 1, 0] : [1, shared.geo.stepY];
  assert.ok(px(own, second[0], second[1]) > px(shared, second[0], second[1]), 'per-map scale brightens the faint map');
  const img = { width: 2, height: 1, rgba: new Uint8Array([0, 0, 0, 255, 0, 0, 0, 255]) };
  const o = saliencyOverlay(img, { width: 2, height: 1, values: new Float32Array([0, 1]) }, 1);
  assert.deepEqual(Array.from(o.pixels.subarray(0, 3)), [0, 0, 0]);
  assert.ok(o.pixels[4] > 200, 'salient pixel is hot');
});

test('compare ORT vs engine on the CNN: every layer agrees; saliency highlights the digit', async () => {
  const px = decodeImage(fs.readFileSync(path.join(samples, 'digits/digit-3.png')));
  const target = imageTargetFor(['batch', 1, 28, 28])!;
  const x = imageToTensor(px, target);
  const ort = await runOrt(CNN, { input: x }, { activations: true, provider: 'cpu' });
  const eng = runEngine(CNN, { input: x });
  const ortMap: Record<string, HostTensor> = {};
  for (const a of ort.activations!) ortMap[a.outputName] = a.tensor;
  const rep = compareActivationMaps(ortMap, eng.values, { atol: 1e-4 });
  assert.equal(rep.layers.length, 10);
  assert.equal(rep.firstDivergent, undefined, JSON.stringify(rep.firstDivergent));
  assert.deepEqual(rep.onlyInA, []);

  const cls = topK(softmax(ort.outputs.logits.data as Float32Array), 1)[0].index;
  const s = saliency(CNN, { input: x }, 'input', 'logits', cls, target);
  assert.deepEqual([s.width, s.height, s.values.length], [28, 28, 784]);
  assert.ok(s.maxGrad > 0);
  assert.ok(s.values.every((v) => v >= 0 && v <= 1));
  assert.equal(Math.max(...s.values), 1);
  // finite differences on a smooth input (a digit's flat 0/1 pixels sit on max-pool ties, where
  // the gradient is one-sided)
  const smooth: HostTensor = { dims: [1, 1, 28, 28], elemType: 'float32', data: new Float32Array(784).map((_, i) => 0.5 + 0.4 * Math.sin(i * 0.731) * Math.cos(i * 0.117)) };
  const sm = saliency(CNN, { input: smooth }, 'input', 'logits', cls, target);
  const logit = async (d: Float32Array) => ((await runOrt(CNN, { input: { ...smooth, data: d } }, { provider: 'cpu' })).outputs.logits.data as Float32Array)[cls];
  for (const p of [sm.values.indexOf(1), 100, 400]) {
    const eps = 1e-3;
    const plus = new Float32Array(smooth.data as Float32Array), minus = new Float32Array(smooth.data as Float32Array);
    plus[p] += eps; minus[p] -= eps;
    const fd = Math.abs(((await logit(plus)) - (await logit(minus))) / (2 * eps));
    const g = sm.values[p] * sm.maxGrad;
    assert.ok(Math.abs(fd - g) < 0.05 * sm.maxGrad, `pixel ${p}: finite difference ${fd} vs gradient ${g}`);
  }
  assert.throws(() => saliency(CNN, { input: x }, 'input', 'logits', 99, target), /out of range/);
});

test('per-node times from the ORT profiler: one per named node of the CNN', async () => {
  const { nodeTimesFromProfile, profileNodeTimes } = await import('../../../extension/inference/nodeTimes');
  assert.deepEqual([...nodeTimesFromProfile([
    { cat: 'Session', name: 'model_run', dur: 999 },
    { cat: 'Node', name: 'conv1_kernel_time', dur: 40 }, { cat: 'Node', name: 'conv1_fence_before', dur: 1 },
    { cat: 'Node', name: 'conv1_kernel_time', dur: 60 },
  ], 2)], [['conv1', 0.05]]);
  const x: HostTensor = { dims: [1, 1, 28, 28], elemType: 'float32', data: new Float32Array(784).fill(0.3) };
  const times = await profileNodeTimes(CNN, { input: x }, 1);
  assert.deepEqual([...times.keys()].sort(), ['conv1', 'conv2', 'fc1', 'fc2', 'flatten', 'pool1', 'pool2', 'relu1', 'relu2', 'relu3']);
  assert.ok([...times.values()].every((v) => v >= 0 && v < 1000));
});

test('csvRowTensor: a row of numbers as the input, header skipped, trailing label left out', () => {
  const input = { name: 'x', elemType: 'float32', shape: ['batch', 3] };
  const csv = 'a,b,c,label\n1,2,3,0\n4,5,6,1\n';
  const r = csvRowTensor(csv, 1, input, [1, 3], 'd.csv');
  assert.deepEqual(Array.from(r.tensor.data as Float32Array), [4, 5, 6]);
  assert.match(r.note!, /last column \(1\) left out/);
  assert.deepEqual(Array.from(csvRowTensor('7,8,9', 0, input, [1, 3]).tensor.data as Float32Array), [7, 8, 9]);
  assert.deepEqual(Array.from(csvRowTensor('7,8', 0, { name: 'i', elemType: 'int64', shape: [2] }, [2]).tensor.data as BigInt64Array), [7n, 8n]);
  assert.throws(() => csvRowTensor(csv, 5, input, [1, 3], 'd.csv'), /d\.csv has 2 data rows; row 5/);
  assert.throws(() => csvRowTensor('1,2', 0, input, [1, 3], 'd.csv'), /Row 0 of d\.csv has 2 values; input "x" \[1, 3\] takes 3/);
  assert.throws(() => csvRowTensor('a,b\n', 0, input, [1, 3], 'd.csv'), /no rows of numbers/);
});
