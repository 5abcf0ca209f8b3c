// The engine's graph: ONNX nodes mapped to engine ops, float initializers as trainable
// parameters, everything else constant. Built from the ONNX reader's OnnxModel.

import type { OnnxAttribute, OnnxModel, TensorRef } from '../onnx/model';
import { opsetVersion } from '../onnx/model';
import { tensorFromRef } from './bridge';
import { getOp } from './ops';
import type { Attrs, AttrValue } from './ops/op';
import { isFloat, Tensor, type DType } from './tensor';
import type { Backend } from './backend';
import { cpuBackend } from './cpu/backend';
import { Rng } from './rng';

export interface EngineNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Attrs;
}

export interface GraphInput { name: string; dtype?: DType; shape?: (number | string | null)[] }

export interface EngineGraph {
  nodes: EngineNode[];
  inputs: GraphInput[];
  outputs: string[];
  /** every initializer (parameters and constants) by name */
  initializers: Map<string, Tensor>;
  /** float initializers that training updates (minus frozen ones) */
  params: Set<string>;
  opset: number;
}

function convertAttr(a: OnnxAttribute, where: string): AttrValue {
  switch (a.type) {
    case 'float': case 'int': case 'string': case 'floats': case 'ints': case 'strings':
      return a.value as AttrValue;
    case 'tensor': return tensorFromRef(a.value as TensorRef);
    case 'undefined': return undefined;
    default: throw new Error(`${where}: attribute "${a.name}" of type ${a.type} is not supported by the engine`);
  }
}

export function graphFromModel(model: OnnxModel): EngineGraph {
  const g = model.graph;
  const nodes = g.nodes.map((n, i): EngineNode => {
    const name = n.name || `${n.opType}_${i}`;
    const attrs: Attrs = {};
    for (const a of n.attributes) attrs[a.name] = convertAttr(a, `${n.opType} node "${name}"`);
    return { name, opType: n.opType, domain: n.domain, inputs: n.inputs.slice(), outputs: n.outputs.slice(), attrs };
  });
  const initializers = new Map<string, Tensor>();
  for (const [name, ref] of g.initializers) initializers.set(name, tensorFromRef(ref));
  const params = new Set<string>();
  for (const [name, t] of initializers) if (isFloat(t.dtype)) params.add(name);
  const inputs = g.inputs.filter((v) => !initializers.has(v.name)).map((v): GraphInput => ({
    name: v.name,
    dtype: SAFE_DTYPES.has(v.elemType) ? (v.elemType as DType) : undefined,
    shape: v.shape?.map((d) => (typeof d === 'number' ? d : typeof d === 'string' ? d : null)),
  }));
  const graph: EngineGraph = {
    nodes, inputs, outputs: g.outputs.map((o) => o.name), initializers, params,
    opset: opsetVersion(model, '') ?? 1,
  };
  // BatchNorm running statistics are state, not parameters
  for (const n of nodes) if (n.opType === 'BatchNormalization') { params.delete(n.inputs[3]); params.delete(n.inputs[4]); }
  // fold what is constant regardless of input shapes once, at import
  const f = foldConstants(graph);
  graph.nodes = f.nodes;
  for (const [k, v] of f.constants) graph.initializers.set(k, v);
  return graph;
}

const SAFE_DTYPES = new Set(['float32', 'float64', 'float16', 'bfloat16', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool']);

/** Ops the engine lacks, as messages naming op and node (empty when all are supported). */
export function unsupportedOps(graph: EngineGraph): string[] {
  return graph.nodes.filter((n) => !getOp(n.opType, n.domain))
    .map((n) => `op ${n.domain ? n.domain + '.' : ''}${n.opType} (node "${n.name}") is not supported by the engine`);
}

const FOLDABLE = new Set(['Gather', 'Concat', 'Unsqueeze', 'Squeeze', 'Slice', 'Cast', 'Mul', 'Add', 'Sub', 'Div', 'Equal',
  'Where', 'ConstantOfShape', 'Reshape', 'Identity', 'Shape', 'Size', 'Neg', 'ReduceProd', 'Max', 'Min', 'Expand']);

export interface FoldResult { nodes: EngineNode[]; constants: Map<string, Tensor>; folded: number }

/**
 * Constant folding: Constant nodes, and subgraphs whose inputs are all known — including
 * Shape→Gather→Unsqueeze→Concat→Reshape chains as PyTorch exports them, once the shapes of
 * the graph inputs are given (the executor folds per input-shape signature, so a batch of
 * another size gets its own plan). Parameters are never folded.
 */
export function foldConstants(graph: EngineGraph, inputShapes?: ReadonlyMap<string, readonly number[]>): FoldResult {
  const known = new Map<string, Tensor>();
  for (const [name, t] of graph.initializers) if (!graph.params.has(name)) known.set(name, t);
  const constants = new Map<string, Tensor>();
  const nodes: EngineNode[] = [];
  let folded = 0;
  for (const n of graph.nodes) {
    let value: Tensor[] | undefined;
    if (n.opType === 'Constant') value = runSingle(n, [], graph.opset);
    else if ((n.opType === 'Shape' || n.opType === 'Size') && inputShapes?.has(n.inputs[0])) {
      value = runSingle(n, [Tensor.zeros('bool', inputShapes.get(n.inputs[0])!)], graph.opset);
    } else if (FOLDABLE.has(n.opType) && n.inputs.some((i) => i !== '') && n.inputs.every((i) => i === '' || known.has(i))) {
      value = runSingle(n, n.inputs.map((i) => (i === '' ? undefined : known.get(i))), graph.opset);
    }
    if (value) {
      n.outputs.forEach((o, k) => { if (o && value![k]) { known.set(o, value![k]); constants.set(o, value![k]); } });
      folded++;
    } else nodes.push(n);
  }
  return { nodes, constants, folded };
}

let foldBackend: Backend | undefined;

function runSingle(n: EngineNode, inputs: (Tensor | undefined)[], opset: number): Tensor[] | undefined {
  const op = getOp(n.opType, n.domain);
  if (!op) return undefined;
  foldBackend ??= cpuBackend();
  const r = op.forward({ backend: foldBackend, training: false, rng: new Rng(0), opset, nodeName: n.name, numOutputs: n.outputs.length }, inputs, n.attrs);
  const outs = Array.isArray(r) ? r : r.outputs;
  return outs.length >= n.outputs.filter((o) => o).length && outs.every((t) => t !== undefined) ? (outs as Tensor[]) : undefined;
}
