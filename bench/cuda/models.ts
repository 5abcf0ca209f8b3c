// The benchmark models as engine graphs, built directly (no ONNX export needed on the GPU
// machine): the same layers as bench/cuda/torch_cuda.py builds in PyTorch.
//   mlp      784-256-128-10, ReLU
//   lenet    LeNet-5 on 1×28×28 (as bench/torch_train.py)
//   resnet18 ResNet-18 for 3×32×32 (CIFAR stem: 3×3 conv, no max-pool), BatchNorm, 10 classes

import type { EngineGraph, EngineNode } from '../../extension/engine/graph';
import type { Attrs } from '../../extension/engine/ops/op';
import { Rng } from '../../extension/engine/rng';
import { Tensor } from '../../extension/engine/tensor';

export type BenchModel = 'mlp' | 'lenet' | 'resnet18';

export function inputShape(m: BenchModel): number[] {
  return m === 'mlp' ? [784] : m === 'lenet' ? [1, 28, 28] : [3, 32, 32];
}

class Builder {
  nodes: EngineNode[] = [];
  init = new Map<string, Tensor>();
  params = new Set<string>();
  private k = 0;
  private rng = new Rng(1);

  param(shape: number[], fanIn: number, fill?: number): string {
    const name = `p${this.k++}`, t = Tensor.zeros('float32', shape), a = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < t.size; i++) t.data[i] = fill ?? (this.rng.next() * 2 - 1) * a;
    this.init.set(name, t);
    this.params.add(name);
    return name;
  }
  buffer(shape: number[], fill: number): string {
    const name = `b${this.k++}`, t = Tensor.zeros('float32', shape);
    t.data.fill(fill);
    this.init.set(name, t);
    return name;
  }
  node(opType: string, inputs: string[], attrs: Attrs = {}): string {
    const out = `t${this.k++}`;
    this.nodes.push({ name: `${opType}_${this.k}`, opType, domain: '', inputs, outputs: [out], attrs });
    return out;
  }
  linear(x: string, i: number, o: number): string {
    return this.node('Gemm', [x, this.param([o, i], i), this.param([o], i)], { transB: 1 });
  }
  conv(x: string, ci: number, co: number, k: number, stride = 1, pad = 0, bias = true): string {
    const w = this.param([co, ci, k, k], ci * k * k);
    const ins = bias ? [x, w, this.param([co], ci * k * k)] : [x, w];
    return this.node('Conv', ins, { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad] });
  }
  bn(x: string, c: number): string {
    return this.node('BatchNormalization', [x, this.param([c], 1, 1), this.param([c], 1, 0), this.buffer([c], 0), this.buffer([c], 1)], { epsilon: 1e-5, momentum: 0.9 });
  }
  relu(x: string): string { return this.node('Relu', [x]); }

  graph(input: string, output: string): EngineGraph {
    return { nodes: this.nodes, inputs: [{ name: input }], outputs: [output], initializers: this.init, params: this.params, opset: 15 };
  }
}

export function buildModel(m: BenchModel): EngineGraph {
  const b = new Builder();
  let x = 'x';
  if (m === 'mlp') {
    x = b.relu(b.linear(x, 784, 256));
    x = b.relu(b.linear(x, 256, 128));
    return b.graph('x', b.linear(x, 128, 10));
  }
  if (m === 'lenet') {
    x = b.node('MaxPool', [b.relu(b.conv(x, 1, 6, 5))], { kernel_shape: [2, 2], strides: [2, 2] });
    x = b.node('MaxPool', [b.relu(b.conv(x, 6, 16, 5))], { kernel_shape: [2, 2], strides: [2, 2] });
    x = b.node('Flatten', [x], { axis: 1 });
    x = b.relu(b.linear(x, 256, 120));
    x = b.relu(b.linear(x, 120, 84));
    return b.graph('x', b.linear(x, 84, 10));
  }
  x = b.relu(b.bn(b.conv(x, 3, 64, 3, 1, 1, false), 64));
  let c = 64;
  for (const [co, stride] of [[64, 1], [128, 2], [256, 2], [512, 2]]) {
    for (let blk = 0; blk < 2; blk++) {
      const s = blk === 0 ? stride : 1;
      let y = b.relu(b.bn(b.conv(x, c, co, 3, s, 1, false), co));
      y = b.bn(b.conv(y, co, co, 3, 1, 1, false), co);
      const short = s !== 1 || c !== co ? b.bn(b.conv(x, c, co, 1, s, 0, false), co) : x;
      x = b.relu(b.node('Add', [y, short]));
      c = co;
    }
  }
  x = b.node('Flatten', [b.node('GlobalAveragePool', [x])], { axis: 1 });
  return b.graph('x', b.linear(x, 512, 10));
}
