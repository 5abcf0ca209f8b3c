// Builders for small hand-made models in tests, and the path to ONNX's node test data.
import fs from 'node:fs';
import path from 'node:path';
import { onnx } from '../../../extension/onnx/proto/onnx.pb.js';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
/** ONNX backend node tests, beside the repository (CI clones shared/ next to it). */
export const nodeTestsDir = path.resolve(repoRoot, '../shared/testdata/onnx-node-tests/onnx/backend/test/data/node');
export const haveNodeTests = fs.existsSync(nodeTestsDir);
export const skipNoData = haveNodeTests ? false : `ONNX node test data not found at ${nodeTestsDir}`;

export const FLOAT = 1;
export const INT64 = 7;

export type DimSpec = number | string | null;

export function valueInfo(name: string, elemType: number, shape?: DimSpec[]): onnx.ValueInfoProto.$Properties {
  const tensorType: onnx.TypeProto.Tensor.$Properties = { elemType };
  if (shape) tensorType.shape = { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) };
  return { name, type: { tensorType } };
}

export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): onnx.TensorProto.$Properties {
  const f = Float32Array.from(values);
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(f.buffer) };
}

export function int64Tensor(name: string, dims: number[], values: number[]): onnx.TensorProto.$Properties {
  return { name, dims, dataType: INT64, int64Data: values };
}

export function node(opType: string, inputs: string[], outputs: string[], attrs: onnx.AttributeProto.$Properties[] = [], extra: Partial<onnx.NodeProto.$Properties> = {}): onnx.NodeProto.$Properties {
  return { opType, input: inputs, output: outputs, attribute: attrs, ...extra };
}

export const attr = {
  int: (name: string, i: number): onnx.AttributeProto.$Properties => ({ name, type: 2, i }),
  ints: (name: string, ints: number[]): onnx.AttributeProto.$Properties => ({ name, type: 7, ints }),
  float: (name: string, f: number): onnx.AttributeProto.$Properties => ({ name, type: 1, f }),
  string: (name: string, s: string): onnx.AttributeProto.$Properties => ({ name, type: 3, s: new TextEncoder().encode(s) }),
  tensor: (name: string, t: onnx.TensorProto.$Properties): onnx.AttributeProto.$Properties => ({ name, type: 4, t }),
  graph: (name: string, g: onnx.GraphProto.$Properties): onnx.AttributeProto.$Properties => ({ name, type: 5, g }),
};

export interface ModelSpec {
  nodes: onnx.NodeProto.$Properties[];
  inputs: onnx.ValueInfoProto.$Properties[];
  outputs: onnx.ValueInfoProto.$Properties[];
  initializers?: onnx.TensorProto.$Properties[];
  valueInfo?: onnx.ValueInfoProto.$Properties[];
  opset?: number;
  functions?: onnx.FunctionProto.$Properties[];
  extraOpsets?: { domain: string; version: number }[];
}

export function modelProto(spec: ModelSpec): onnx.ModelProto {
  return onnx.ModelProto.create({
    irVersion: 9,
    producerName: 'neural-lens-test',
    producerVersion: '1.0',
    opsetImport: [{ domain: '', version: spec.opset ?? 21 }, ...(spec.extraOpsets ?? [])],
    graph: {
      name: 'test',
      node: spec.nodes,
      input: spec.inputs,
      output: spec.outputs,
      initializer: spec.initializers ?? [],
      valueInfo: spec.valueInfo ?? [],
    },
    functions: spec.functions ?? [],
  });
}

export function modelBytes(spec: ModelSpec): Uint8Array {
  return onnx.ModelProto.encode(modelProto(spec)).finish();
}

/** A small MLP: x[batch,784] → Gemm(W1,B1) → Relu → Gemm(W2,B2) → y[batch,10]. */
export function mlpSpec(hidden = 8): ModelSpec {
  const w1 = Array.from({ length: 784 * hidden }, (_, i) => Math.sin(i) * 0.1);
  const w2 = Array.from({ length: hidden * 10 }, (_, i) => Math.cos(i) * 0.1);
  return {
    inputs: [valueInfo('x', FLOAT, ['batch', 784])],
    outputs: [valueInfo('y', FLOAT, ['batch', 10])],
    initializers: [
      floatTensor('W1', [784, hidden], w1), floatTensor('B1', [hidden], new Array(hidden).fill(0.5)),
      floatTensor('W2', [hidden, 10], w2), floatTensor('B2', [10], new Array(10).fill(0)),
    ],
    nodes: [
      node('Gemm', ['x', 'W1', 'B1'], ['h1'], [attr.int('transB', 0)], { name: 'fc1' }),
      node('Relu', ['h1'], ['a1'], [], { name: 'relu1' }),
      node('Gemm', ['a1', 'W2', 'B2'], ['y'], [], { name: 'fc2' }),
    ],
  };
}

// ---- canonical form for round-trip comparisons ----

import type { OnnxAttribute, OnnxGraph, OnnxModel, SparseTensorRef, TensorRef } from '../../../extension/onnx/model';

function canonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  return v;
}

export function canonTensor(t: TensorRef): unknown {
  let data: unknown;
  try {
    data = Array.from(t.data() as ArrayLike<unknown>, canonValue);
  } catch (e) {
    data = `error: ${(e as Error).message}`;
  }
  return { name: t.name, elemType: t.elemType, dims: t.dims, external: t.external ?? null, data };
}

function isTensor(v: unknown): v is TensorRef {
  return typeof v === 'object' && v !== null && 'elemType' in v && 'dims' in v && typeof (v as TensorRef).data === 'function';
}
function isGraph(v: unknown): v is OnnxGraph {
  return typeof v === 'object' && v !== null && 'nodes' in v && 'initializers' in v;
}
function isSparse(v: unknown): v is SparseTensorRef {
  return typeof v === 'object' && v !== null && 'indices' in v && 'values' in v;
}

function canonAttrValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonAttrValue);
  if (isTensor(v)) return canonTensor(v);
  if (isGraph(v)) return canonGraph(v);
  if (isSparse(v)) return { dims: v.dims, values: canonTensor(v.values), indices: canonTensor(v.indices) };
  return v;
}

function canonAttr(a: OnnxAttribute): unknown {
  return { name: a.name, type: a.type, ref: a.refAttrName ?? null, value: canonAttrValue(a.value) };
}

export function canonGraph(g: OnnxGraph): unknown {
  return {
    name: g.name,
    nodes: g.nodes.map((n) => ({
      name: n.name, opType: n.opType, domain: n.domain, inputs: n.inputs, outputs: n.outputs, attributes: n.attributes.map(canonAttr),
    })),
    inputs: g.allInputs,
    outputs: g.outputs,
    valueInfo: [...g.valueInfo.values()],
    initializers: [...g.initializers.values()].map(canonTensor),
    sparse: [...g.sparseInitializers.values()].map((s) => canonAttrValue(s)),
  };
}

export function canonModel(m: OnnxModel): unknown {
  return {
    irVersion: m.irVersion, producer: [m.producerName, m.producerVersion], opsets: m.opsetImports, metadata: m.metadata,
    graph: canonGraph(m.graph),
    functions: m.functions.map((f) => ({ name: f.name, domain: f.domain, inputs: f.inputs, outputs: f.outputs, nodes: f.nodes.map((n) => n.opType) })),
  };
}
