// Activation capture on the bundled samples: one tensor per node output, shapes as shape
// inference predicts them, final outputs identical to a plain run.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onnx } from '../../../extension/onnx/proto/onnx.pb.js';
import { readModelFileSync } from '../../../extension/onnx/reader';
import { inferModelShapes } from '../../../extension/onnx/shapeInference';
import { releaseOrtSessions, runOrt } from '../../../extension/inference/runOrt';
import { compareTensors } from '../../../extension/inference/compare';
import type { HostTensor } from '../../../extension/inference/types';

const samples = path.resolve(__dirname, '../../../media/samples');
after(() => releaseOrtSessions());

function digitLike(batch: number): HostTensor {
  const data = new Float32Array(batch * 784);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37) * 0.5 + 0.5;
  return { dims: [batch, 784], elemType: 'float32', data };
}

const cases: { file: string; input: (b: number) => HostTensor; expected: Record<string, number[]> }[] = [
  {
    file: 'mnist-mlp.onnx',
    input: digitLike,
    expected: { fc1_out: [256], relu1_out: [256], fc2_out: [128], relu2_out: [128], logits: [10] },
  },
  {
    file: 'mnist-cnn.onnx',
    input: (b) => ({ ...digitLike(b), dims: [b, 1, 28, 28] }),
    expected: {
      conv1_out: [8, 28, 28], relu1_out: [8, 28, 28], pool1_out: [8, 14, 14], conv2_out: [16, 14, 14],
      relu2_out: [16, 14, 14], pool2_out: [16, 7, 7], flat: [784], fc1_out: [64], relu3_out: [64], logits: [10],
    },
  },
];

for (const c of cases) {
  test(`activations of ${c.file}: one per node output, shapes match shape inference`, async () => {
    const file = path.join(samples, c.file);
    const model = readModelFileSync(file);
    const inferred = inferModelShapes(model);
    const batch = 2;
    const inputName = model.graph.inputs[0].name;
    const r = await runOrt(file, { [inputName]: c.input(batch) }, { activations: true, provider: 'cpu' });
    assert.equal(r.provider, 'cpu');
    const acts = r.activations!;
    const nodeOutputs = model.graph.nodes.flatMap((n) => n.outputs.filter(Boolean).map((o) => ({ node: n.name, o })));
    assert.deepEqual(acts.map((a) => [a.nodeName, a.outputName]), nodeOutputs.map((x) => [x.node, x.o]));
    assert.deepEqual(r.skippedActivations, []);
    for (const a of acts) {
      assert.deepEqual(a.tensor.dims, [batch, ...c.expected[a.outputName]], a.outputName);
      const info = inferred.get(a.outputName);
      assert.ok(info?.shape, `shape inference knows ${a.outputName}`);
      assert.equal(info.elemType, a.tensor.elemType);
      assert.equal(info.shape.length, a.tensor.dims.length, a.outputName);
      info.shape.forEach((d, i) => {
        if (typeof d === 'number') assert.equal(a.tensor.dims[i], d, `${a.outputName} dim ${i}`);
      });
    }
    // ReLU outputs really are ReLU of their inputs.
    const byName = new Map(acts.map((a) => [a.outputName, a.tensor]));
    const relu = byName.get('relu1_out')!.data as Float32Array;
    const pre = byName.get(c.file.includes('cnn') ? 'conv1_out' : 'fc1_out')!.data as Float32Array;
    assert.ok(relu.every((v, i) => v === Math.max(0, pre[i])));

    const plain = await runOrt(file, { [inputName]: c.input(batch) }, { provider: 'cpu' });
    assert.equal(plain.activations, undefined);
    const d = compareTensors(plain.outputs.logits, r.outputs.logits, 'logits');
    assert.ok(d.maxAbsDiff < 1e-5, `logits agree with and without capture (${d.maxAbsDiff})`);
  });
}

test('activation capture names unnamed nodes and inlines external weights', async () => {
  const src = onnx.ModelProto.decode(fs.readFileSync(path.join(samples, 'mnist-mlp.onnx')));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-ext-'));
  try {
    // Move every initializer into weights.bin and strip the node names.
    const chunks: Buffer[] = [];
    let offset = 0;
    for (const init of src.graph!.initializer ?? []) {
      const raw = Buffer.from(init.rawData ?? []);
      chunks.push(raw);
      init.rawData = new Uint8Array(0);
      init.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      init.externalData = [
        { key: 'location', value: 'weights.bin' }, { key: 'offset', value: String(offset) }, { key: 'length', value: String(raw.length) },
      ];
      offset += raw.length;
    }
    for (const n of src.graph!.node ?? []) n.name = '';
    fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.concat(chunks));
    const file = path.join(dir, 'ext.onnx');
    fs.writeFileSync(file, onnx.ModelProto.encode(src).finish());

    const input = digitLike(1);
    const r = await runOrt(file, { input }, { activations: true, provider: 'cpu' });
    assert.deepEqual(r.activations!.map((a) => a.nodeName), ['Gemm_0', 'Relu_1', 'Gemm_2', 'Relu_3', 'Gemm_4']);
    const ref = await runOrt(path.join(samples, 'mnist-mlp.onnx'), { input }, { provider: 'cpu' });
    assert.ok(compareTensors(ref.outputs.logits, r.outputs.logits).maxAbsDiff < 1e-5);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
