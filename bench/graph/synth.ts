/**
 * Synthetic ONNX models for the graph bench and the viewer's visual checks, encoded
 * with the project's protobuf codec: MNIST-like MLP and CNN, a ResNet-like CNN and a
 * transformer-like encoder of a requested size, and a small model exercising If,
 * Loop, a model-local function and an unknown op.
 */
import { onnx } from '../../extension/onnx/proto/onnx.pb.js';
import { mulberry32 } from '../../extension/engine/rng';

type Dim = number | string;
const FLOAT = 1;
const INT64 = 7;
const A = { FLOAT: 1, INT: 2, STRING: 3, GRAPH: 5, FLOATS: 6, INTS: 7 } as const;

type Attr = onnx.AttributeProto.$Properties;
export const attr = {
  int: (name: string, i: number): Attr => ({ name, type: A.INT, i }),
  float: (name: string, f: number): Attr => ({ name, type: A.FLOAT, f }),
  ints: (name: string, ints: number[]): Attr => ({ name, type: A.INTS, ints }),
  str: (name: string, s: string): Attr => ({ name, type: A.STRING, s: new TextEncoder().encode(s) }),
  graph: (name: string, g: onnx.GraphProto.$Properties): Attr => ({ name, type: A.GRAPH, g }),
};

function valueInfo(name: string, shape: Dim[], elemType = FLOAT): onnx.ValueInfoProto.$Properties {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/** Collects nodes and initializers of one graph. */
export class GraphBuilder {
  nodes: onnx.NodeProto.$Properties[] = [];
  inits: onnx.TensorProto.$Properties[] = [];
  inputs: onnx.ValueInfoProto.$Properties[] = [];
  outputs: onnx.ValueInfoProto.$Properties[] = [];
  private n = 0;
  private rand: () => number;

  constructor(seed = 1) {
    this.rand = mulberry32(seed);
  }

  input(name: string, shape: Dim[]): string {
    this.inputs.push(valueInfo(name, shape));
    return name;
  }

  output(name: string, shape: Dim[]): void {
    this.outputs.push(valueInfo(name, shape));
  }

  /** A float initializer with values ~ N(0, scale) (roughly), plus a bias-like pattern. */
  weight(name: string, dims: number[], scale = 0.1): string {
    const count = dims.reduce((a, b) => a * b, 1);
    const v = new Float32Array(count);
    for (let i = 0; i < count; i++) v[i] = (this.rand() + this.rand() + this.rand() - 1.5) * 2 * scale + (i % 7 === 0 ? scale * 0.5 : 0);
    this.inits.push({ name, dims, dataType: FLOAT, rawData: new Uint8Array(v.buffer) });
    return name;
  }

  int64s(name: string, values: number[]): string {
    const b = new BigInt64Array(values.map((x) => BigInt(x)));
    this.inits.push({ name, dims: [values.length], dataType: INT64, rawData: new Uint8Array(b.buffer) });
    return name;
  }

  node(opType: string, inputs: string[], name: string, attrs: Attr[] = [], outputs = 1, domain = ''): string[] {
    const outs = Array.from({ length: outputs }, (_, i) => `${name}_out${i ? i : ''}_${this.n++}`);
    this.nodes.push({ opType, input: inputs, output: outs, name, attribute: attrs, domain });
    return outs;
  }

  one(opType: string, inputs: string[], name: string, attrs: Attr[] = [], domain = ''): string {
    return this.node(opType, inputs, name, attrs, 1, domain)[0];
  }

  graph(name: string): onnx.GraphProto.$Properties {
    return { name, node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs };
  }
}

export function encodeModel(graph: onnx.GraphProto.$Properties, extra: Partial<onnx.ModelProto.$Properties> = {}): Uint8Array {
  const model: onnx.ModelProto.$Properties = {
    irVersion: 9,
    producerName: 'neural-lens-bench',
    producerVersion: '0.1',
    opsetImport: [{ domain: '', version: 17 }],
    graph,
    ...extra,
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model as onnx.ModelProto.$Properties)).finish();
}

// ---- models ----

export function mnistMlp(): Uint8Array {
  const g = new GraphBuilder(7);
  const x = g.input('input', ['batch', 1, 28, 28]);
  const f = g.one('Flatten', [x], '/flatten/Flatten', [attr.int('axis', 1)]);
  const h1 = g.one('Gemm', [f, g.weight('fc1.weight', [128, 784], 0.05), g.weight('fc1.bias', [128], 0.02)], '/fc1/Gemm', [attr.int('transB', 1)]);
  const r1 = g.one('Relu', [h1], '/relu1/Relu');
  const h2 = g.one('Gemm', [r1, g.weight('fc2.weight', [64, 128], 0.1), g.weight('fc2.bias', [64], 0.02)], '/fc2/Gemm', [attr.int('transB', 1)]);
  const r2 = g.one('Relu', [h2], '/relu2/Relu');
  const h3 = g.one('Gemm', [r2, g.weight('fc3.weight', [10, 64], 0.2), g.weight('fc3.bias', [10], 0.05)], '/fc3/Gemm', [attr.int('transB', 1)]);
  g.nodes.push({ opType: 'LogSoftmax', input: [h3], output: ['logits'], name: '/LogSoftmax', attribute: [attr.int('axis', 1)] });
  g.output('logits', ['batch', 10]);
  return encodeModel(g.graph('mnist_mlp'), { producerName: 'pytorch', producerVersion: '2.3.0' });
}

export function mnistCnn(): Uint8Array {
  const g = new GraphBuilder(11);
  const x = g.input('image', [1, 1, 28, 28]);
  const c1 = g.one('Conv', [x, g.weight('conv1.weight', [8, 1, 5, 5], 0.3), g.weight('conv1.bias', [8])], '/conv1/Conv', [attr.ints('kernel_shape', [5, 5]), attr.ints('pads', [2, 2, 2, 2])]);
  const r1 = g.one('Relu', [c1], '/relu1/Relu');
  const p1 = g.one('MaxPool', [r1], '/pool1/MaxPool', [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])]);
  const c2 = g.one('Conv', [p1, g.weight('conv2.weight', [16, 8, 3, 3], 0.2), g.weight('conv2.bias', [16])], '/conv2/Conv', [attr.ints('kernel_shape', [3, 3]), attr.ints('pads', [1, 1, 1, 1])]);
  const bn = g.one('BatchNormalization', [c2, g.weight('bn2.scale', [16], 0.5), g.weight('bn2.bias', [16]), g.weight('bn2.mean', [16]), g.weight('bn2.var', [16], 0.5)], '/bn2/BatchNormalization', [attr.float('epsilon', 1e-5)]);
  const r2 = g.one('Relu', [bn], '/relu2/Relu');
  const p2 = g.one('MaxPool', [r2], '/pool2/MaxPool', [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])]);
  const fl = g.one('Reshape', [p2, g.int64s('flat_shape', [1, 784])], '/Reshape');
  const d = g.one('Dropout', [fl], '/dropout/Dropout');
  const fc = g.one('Gemm', [d, g.weight('fc.weight', [10, 784], 0.05), g.weight('fc.bias', [10])], '/fc/Gemm', [attr.int('transB', 1)]);
  g.nodes.push({ opType: 'Softmax', input: [fc], output: ['probabilities'], name: '/Softmax', attribute: [attr.int('axis', 1)] });
  g.output('probabilities', [1, 10]);
  return encodeModel(g.graph('mnist_cnn'), { producerName: 'pytorch', producerVersion: '2.3.0' });
}

/** ResNet-like: stem, stages of basic blocks (7 nodes, 9 with a projection), head. */
export function resnetLike(targetNodes: number, channels = 8): Uint8Array {
  const g = new GraphBuilder(3);
  const C = channels;
  let x = g.input('input', ['N', 3, 224, 224]);
  const conv = (inp: string, name: string, cin: number, cout: number, k: number, stride = 1) =>
    g.one('Conv', [inp, g.weight(`${name}.weight`, [cout, cin, k, k], 0.2)], `${name}/Conv`, [attr.ints('kernel_shape', [k, k]), attr.ints('pads', [k >> 1, k >> 1, k >> 1, k >> 1]), attr.ints('strides', [stride, stride])]);
  const bn = (inp: string, name: string, c: number) =>
    g.one('BatchNormalization', [inp, g.weight(`${name}.weight`, [c], 0.5), g.weight(`${name}.bias`, [c]), g.weight(`${name}.running_mean`, [c]), g.weight(`${name}.running_var`, [c], 0.5)], `${name}/BatchNormalization`);
  x = conv(x, '/conv1', 3, C, 7, 2);
  x = bn(x, '/bn1', C);
  x = g.one('Relu', [x], '/relu/Relu');
  x = g.one('MaxPool', [x], '/maxpool/MaxPool', [attr.ints('kernel_shape', [3, 3]), attr.ints('strides', [2, 2]), attr.ints('pads', [1, 1, 1, 1])]);
  let stage = 1, block = 0;
  const blocksPerStage = Math.max(2, Math.round(targetNodes / 7 / 4));
  while (g.nodes.length < targetNodes - 10) {
    const p = `/layer${stage}/layer${stage}.${block}`;
    const proj = block === 0 && stage > 1;
    let y = conv(x, `${p}/conv1`, C, C, 3, proj ? 2 : 1);
    y = bn(y, `${p}/bn1`, C);
    y = g.one('Relu', [y], `${p}/relu/Relu`);
    y = conv(y, `${p}/conv2`, C, C, 3);
    y = bn(y, `${p}/bn2`, C);
    let skip = x;
    if (proj) skip = bn(conv(x, `${p}/downsample/downsample.0`, C, C, 1, 2), `${p}/downsample/downsample.1`, C);
    y = g.one('Add', [y, skip], `${p}/Add`);
    x = g.one('Relu', [y], `${p}/relu_1/Relu`);
    if (++block >= blocksPerStage) { stage++; block = 0; }
  }
  x = g.one('GlobalAveragePool', [x], '/avgpool/GlobalAveragePool');
  x = g.one('Flatten', [x], '/Flatten', [attr.int('axis', 1)]);
  g.nodes.push({ opType: 'Gemm', input: [x, g.weight('fc.weight', [1000, C], 0.1), g.weight('fc.bias', [1000])], output: ['logits'], name: '/fc/Gemm', attribute: [attr.int('transB', 1)] });
  g.output('logits', ['N', 1000]);
  return encodeModel(g.graph('resnet_like'), { producerName: 'pytorch', producerVersion: '2.3.0' });
}

/** Transformer-encoder-like: ~29 nodes per layer (pre-LN attention + MLP, residual adds). */
export function transformerLike(targetNodes: number, dim = 16): Uint8Array {
  const g = new GraphBuilder(5);
  const D = dim, H = 2;
  const ids = g.input('input_ids', ['batch', 'seq']);
  let x = g.one('Gather', [g.weight('embeddings.word', [1000, D], 0.5), ids], '/embeddings/word_embeddings/Gather');
  x = g.one('Add', [x, g.weight('embeddings.position', [1, 128, D], 0.1)], '/embeddings/Add');
  const headsShape = g.int64s('heads_shape', [0, -1, H, D / H]);
  const mergeShape = g.int64s('merge_shape', [0, -1, D]);
  let layer = 0;
  while (g.nodes.length < targetNodes - 4) {
    const p = `/encoder/layer.${layer}`;
    const ln = (inp: string, name: string) =>
      g.one('LayerNormalization', [inp, g.weight(`${name}.weight`, [D], 0.5), g.weight(`${name}.bias`, [D])], `${name}/LayerNormalization`, [attr.int('axis', -1), attr.float('epsilon', 1e-5)]);
    const lin = (inp: string, name: string, din: number, dout: number) => {
      const m = g.one('MatMul', [inp, g.weight(`${name}.weight`, [din, dout], 0.2)], `${name}/MatMul`);
      return g.one('Add', [m, g.weight(`${name}.bias`, [dout])], `${name}/Add`);
    };
    const h = ln(x, `${p}/attention/ln`);
    const heads = (name: string) => {
      const t = lin(h, `${p}/attention/self/${name}`, D, D);
      const r = g.one('Reshape', [t, headsShape], `${p}/attention/self/${name}/Reshape`);
      return g.one('Transpose', [r], `${p}/attention/self/${name}/Transpose`, [attr.ints('perm', name === 'key' ? [0, 2, 3, 1] : [0, 2, 1, 3])]);
    };
    const q = heads('query'), k = heads('key'), v = heads('value');
    let s = g.one('MatMul', [q, k], `${p}/attention/self/MatMul`);
    s = g.one('Div', [s, g.weight(`${p}.scale`, [], 1)], `${p}/attention/self/Div`);
    s = g.one('Softmax', [s], `${p}/attention/self/Softmax`, [attr.int('axis', -1)]);
    let c = g.one('MatMul', [s, v], `${p}/attention/self/MatMul_1`);
    c = g.one('Transpose', [c], `${p}/attention/self/Transpose`, [attr.ints('perm', [0, 2, 1, 3])]);
    c = g.one('Reshape', [c, mergeShape], `${p}/attention/self/Reshape`);
    c = lin(c, `${p}/attention/output/dense`, D, D);
    x = g.one('Add', [x, c], `${p}/attention/Add`);
    const h2 = ln(x, `${p}/mlp/ln`);
    let m = lin(h2, `${p}/mlp/fc1`, D, 4 * D);
    m = g.one('Gelu', [m], `${p}/mlp/act/Gelu`, [], 'com.microsoft');
    m = lin(m, `${p}/mlp/fc2`, 4 * D, D);
    x = g.one('Add', [x, m], `${p}/mlp/Add`);
    layer++;
  }
  g.nodes.push({ opType: 'LayerNormalization', input: [x, g.weight('final_ln.weight', [D], 0.5), g.weight('final_ln.bias', [D])], output: ['last_hidden_state'], name: '/final_ln/LayerNormalization', attribute: [attr.int('axis', -1)] });
  g.output('last_hidden_state', ['batch', 'seq', D]);
  return encodeModel(g.graph('transformer_like'), {
    producerName: 'pytorch', producerVersion: '2.3.0',
    opsetImport: [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }],
  });
}

/** If with two branches, a Loop, a model-local function and an unknown op. */
export function controlFlow(): Uint8Array {
  const g = new GraphBuilder(9);
  const x = g.input('x', [1, 16]);
  const cond = g.input('use_relu', []);
  g.inputs[1].type!.tensorType!.elemType = 9; // bool
  const a = g.one('MatMul', [x, g.weight('w_in', [16, 16], 0.3)], 'proj_in');
  const then = new GraphBuilder(21);
  then.nodes.push({ opType: 'Relu', input: [a], output: ['then_out'], name: 'then_relu' });
  then.output('then_out', [1, 16]);
  const els = new GraphBuilder(22);
  const t = els.one('Tanh', [a], 'else_tanh');
  els.nodes.push({ opType: 'Mul', input: [t, els.weight('else_gain', [16], 1)], output: ['else_out'], name: 'else_scale' });
  els.output('else_out', [1, 16]);
  const [ifOut] = g.node('If', [cond], 'If_0', [attr.graph('then_branch', then.graph('then_branch')), attr.graph('else_branch', els.graph('else_branch'))]);
  // Loop: body(iter, cond, acc) -> (cond, acc)
  const body = new GraphBuilder(23);
  body.input('i', []);
  body.input('cond_in', []);
  const acc = body.input('acc', [1, 16]);
  body.nodes.push({ opType: 'Identity', input: ['cond_in'], output: ['cond_out'], name: 'keep_going' });
  const sc = body.one('Mul', [acc, body.weight('decay', [16], 0.5)], 'decay_mul');
  body.nodes.push({ opType: 'Add', input: [sc, a], output: ['acc_out'], name: 'accumulate' });
  body.output('cond_out', []);
  body.output('acc_out', [1, 16]);
  const [loopOut] = g.node('Loop', [g.int64s('trip', [3]), '', ifOut], 'Loop_0', [attr.graph('body', body.graph('loop_body'))]);
  const fnOut = g.one('ScaledTanh', [loopOut], 'custom_fn_call', [], 'local.fns');
  g.nodes.push({ opType: 'FancyNorm', input: [fnOut], output: ['y'], name: 'mystery', domain: 'com.example' });
  g.output('y', [1, 16]);
  const fn: onnx.FunctionProto.$Properties = {
    name: 'ScaledTanh', domain: 'local.fns', input: ['X'], output: ['Y'],
    opsetImport: [{ domain: '', version: 17 }],
    node: [
      { opType: 'Tanh', input: ['X'], output: ['t'], name: 'fn_tanh' },
      { opType: 'Constant', input: [], output: ['k'], name: 'fn_k', attribute: [{ name: 'value', type: 4, t: { dims: [], dataType: FLOAT, floatData: [2] } }] },
      { opType: 'Mul', input: ['t', 'k'], output: ['Y'], name: 'fn_mul' },
    ],
  };
  return encodeModel(g.graph('control_flow'), {
    opsetImport: [{ domain: '', version: 17 }, { domain: 'local.fns', version: 1 }, { domain: 'com.example', version: 1 }],
    functions: [fn],
  });
}
