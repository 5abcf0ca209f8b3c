/**
 * Writes the bundled sample models in media/samples/ (run: `npm run samples`).
 * Untrained, deterministically initialised like PyTorch's defaults (uniform ±1/√fan_in),
 * so a new user can open them at once and train them on the bundled MNIST digits.
 * Encoded straight from the protobuf schema so the samples do not depend on our writer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { onnx } from '../extension/onnx/proto/onnx.pb.js';
import { mulberry32 } from '../extension/engine/rng';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const outDir = path.resolve(__dirname, '../media/samples');

function uniformTensor(name: string, dims: number[], fanIn: number, rand: () => number): onnx.ITensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  const bound = 1 / Math.sqrt(fanIn);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = (rand() * 2 - 1) * bound;
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(values.buffer) };
}

function attrInt(name: string, i: number): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i };
}
function attrInts(name: string, ints: number[]): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints };
}

function valueInfo(name: string, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function model(graph: onnx.IGraphProto, doc: string): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'neural-lens-samples',
    producerVersion: '0.1.0',
    docString: doc,
    opsetImport: [{ domain: '', version: 17 }],
    metadataProps: [{ key: 'labels', value: '0,1,2,3,4,5,6,7,8,9' }],
    graph,
  }).finish();
}

function gemm(name: string, x: string, w: string, b: string, y: string): onnx.INodeProto {
  return { name, opType: 'Gemm', input: [x, w, b], output: [y], attribute: [attrInt('transB', 1)] };
}
function relu(name: string, x: string, y: string): onnx.INodeProto {
  return { name, opType: 'Relu', input: [x], output: [y] };
}

function mnistMlp(): Uint8Array {
  const rand = mulberry32(1);
  const sizes = [784, 256, 128, 10];
  const initializer: onnx.ITensorProto[] = [];
  const node: onnx.INodeProto[] = [];
  let x = 'input';
  for (let l = 0; l < 3; l++) {
    const [fin, fout] = [sizes[l], sizes[l + 1]];
    initializer.push(uniformTensor(`fc${l + 1}.weight`, [fout, fin], fin, rand));
    initializer.push(uniformTensor(`fc${l + 1}.bias`, [fout], fin, rand));
    const y = l === 2 ? 'logits' : `fc${l + 1}_out`;
    node.push(gemm(`fc${l + 1}`, x, `fc${l + 1}.weight`, `fc${l + 1}.bias`, y));
    if (l < 2) {
      node.push(relu(`relu${l + 1}`, y, `relu${l + 1}_out`));
      x = `relu${l + 1}_out`;
    }
  }
  return model(
    {
      name: 'mnist_mlp',
      node,
      initializer,
      input: [valueInfo('input', ['batch', 784])],
      output: [valueInfo('logits', ['batch', 10])],
    },
    'MNIST multilayer perceptron 784-256-128-10: flattened 28×28 digits (scaled to 0..1) in, 10 logits out.',
  );
}

function mnistCnn(): Uint8Array {
  const rand = mulberry32(2);
  const initializer = [
    uniformTensor('conv1.weight', [8, 1, 3, 3], 9, rand),
    uniformTensor('conv1.bias', [8], 9, rand),
    uniformTensor('conv2.weight', [16, 8, 3, 3], 72, rand),
    uniformTensor('conv2.bias', [16], 72, rand),
    uniformTensor('fc1.weight', [64, 784], 784, rand),
    uniformTensor('fc1.bias', [64], 784, rand),
    uniformTensor('fc2.weight', [10, 64], 64, rand),
    uniformTensor('fc2.bias', [10], 64, rand),
  ];
  const conv = (name: string, x: string, y: string): onnx.INodeProto => ({
    name, opType: 'Conv', input: [x, `${name}.weight`, `${name}.bias`], output: [y],
    attribute: [attrInts('kernel_shape', [3, 3]), attrInts('pads', [1, 1, 1, 1]), attrInts('strides', [1, 1])],
  });
  const pool = (name: string, x: string, y: string): onnx.INodeProto => ({
    name, opType: 'MaxPool', input: [x], output: [y],
    attribute: [attrInts('kernel_shape', [2, 2]), attrInts('strides', [2, 2])],
  });
  const node: onnx.INodeProto[] = [
    conv('conv1', 'input', 'conv1_out'),
    relu('relu1', 'conv1_out', 'relu1_out'),
    pool('pool1', 'relu1_out', 'pool1_out'),
    conv('conv2', 'pool1_out', 'conv2_out'),
    relu('relu2', 'conv2_out', 'relu2_out'),
    pool('pool2', 'relu2_out', 'pool2_out'),
    { name: 'flatten', opType: 'Flatten', input: ['pool2_out'], output: ['flat'], attribute: [attrInt('axis', 1)] },
    gemm('fc1', 'flat', 'fc1.weight', 'fc1.bias', 'fc1_out'),
    relu('relu3', 'fc1_out', 'relu3_out'),
    gemm('fc2', 'relu3_out', 'fc2.weight', 'fc2.bias', 'logits'),
  ];
  return model(
    {
      name: 'mnist_cnn',
      node,
      initializer,
      input: [valueInfo('input', ['batch', 1, 28, 28])],
      output: [valueInfo('logits', ['batch', 10])],
    },
    'Small MNIST convolutional network: 1×28×28 digits (scaled to 0..1) in, 10 logits out.',
  );
}

fs.mkdirSync(outDir, { recursive: true });
for (const [file, bytes] of [['mnist-mlp.onnx', mnistMlp()], ['mnist-cnn.onnx', mnistCnn()]] as const) {
  fs.writeFileSync(path.join(outDir, file), bytes);
  console.log(`wrote media/samples/${file} (${bytes.length} bytes)`);
}
