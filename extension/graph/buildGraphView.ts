// OnnxModel → the protocol's GraphViewModel: the layer graph the webview draws. Weights fold
// into the node that uses them (ports marked isWeight), edges carry shape labels from declared
// value_info and shape inference, subgraphs and model-local functions become nested GraphViews.
import type {
  EdgeView, GraphView, GraphViewModel, ModelSummary, NodeView, PortView, TensorInfo, TerminalView, WeightView,
} from '../../shared/protocol';
import {
  functionKey, opsetVersion, walkGraphs, type OnnxFunction, type OnnxGraph, type OnnxModel, type SparseTensorRef, type TensorRef, type ValueInfo,
} from '../onnx/model';
import { inferShapes, LATEST_OPSET, type TypeLookup } from '../onnx/shapeInference';
import { formatAttribute, formatShape } from './format';
import { inputSlot, outputSlot } from './opSlots';
import { isKnownOp } from './standardOps';

export interface BuildOptions {
  fileName: string;
  fileSize: number;
  /** Run shape inference for edge labels (default true). */
  inferShapes?: boolean;
}

/** Graph id of a model-local function. */
export function functionGraphId(domain: string, name: string): string {
  return `fn:${domain}:${name}`;
}

function tensorInfo(v: ValueInfo | undefined, name: string): TensorInfo {
  const info: TensorInfo = { name, elemType: v?.elemType ?? 'unknown' };
  if (v?.shape) info.shape = v.shape;
  return info;
}

/** The model summary (also used by the CLI without building the whole view). */
export function buildSummary(model: OnnxModel, opts: BuildOptions, shapes?: Map<string, ValueInfo>): ModelSummary {
  const g = model.graph;
  const types = shapes ?? (opts.inferShapes === false ? undefined : inferShapes(g, { opset: opsetVersion(model) ?? LATEST_OPSET }));
  const opCounts: Record<string, number> = {};
  for (const n of g.nodes) opCounts[n.opType] = (opCounts[n.opType] ?? 0) + 1;
  let nodeCountWithSubgraphs = 0;
  for (const sg of walkGraphs(g)) nodeCountWithSubgraphs += sg.nodes.length;
  let parameterCount = 0;
  for (const t of g.initializers.values()) parameterCount += t.elementCount;
  for (const s of g.sparseInitializers.values()) parameterCount += s.values.elementCount;
  return {
    fileName: opts.fileName,
    fileSize: opts.fileSize,
    irVersion: model.irVersion,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    domain: model.domain,
    modelVersion: model.modelVersion,
    docString: model.docString,
    opsetImports: model.opsetImports.map((o) => ({ domain: o.domain, version: o.version })),
    metadata: { ...model.metadata },
    inputs: g.inputs.map((v) => tensorInfo(types?.get(v.name) ?? v, v.name)),
    outputs: g.outputs.map((v) => tensorInfo(types?.get(v.name) ?? v, v.name)),
    nodeCount: g.nodes.length,
    nodeCountWithSubgraphs,
    parameterCount,
    opCounts,
  };
}

interface BuildContext {
  functionIds: Map<string, string>;
  /** "domain:op" → node count, for the unknown-op warning. */
  unknownOps: Map<string, number>;
  inferShapes: boolean;
}

/** Builds everything the webview needs to draw the model. */
export function buildGraphView(model: OnnxModel, opts: BuildOptions): GraphViewModel {
  const ctx: BuildContext = { functionIds: new Map(), unknownOps: new Map(), inferShapes: opts.inferShapes !== false };
  for (const f of model.functions) ctx.functionIds.set(functionKey(f.domain, f.name), functionGraphId(f.domain, f.name));
  const opset = opsetVersion(model) ?? LATEST_OPSET;
  const shapes = ctx.inferShapes ? inferShapes(model.graph, { opset }) : declaredTypes(model.graph);
  const graph = buildGraph(model.graph, 'main', shapes, opset, ctx);
  const functions = model.functions.map((f) => buildFunction(f, ctx));
  const warnings = [...model.warnings, ...formatUnknownOps(ctx.unknownOps)];
  return { summary: buildSummary(model, opts, shapes), graph, functions, warnings };
}

function formatUnknownOps(unknownOps: Map<string, number>): string[] {
  return [...unknownOps].map(([key, count]) => {
    const [domain, op] = splitKey(key);
    return `Unknown operator "${op}"${domain ? ` (domain ${domain})` : ''} in ${count} node${count === 1 ? '' : 's'}: neither ONNX nor a known domain defines it.`;
  });
}

/** The unknown-operator warnings of buildGraphView, without building the view. */
export function unknownOpWarnings(model: OnnxModel): string[] {
  const fns = new Set(model.functions.map((f) => functionKey(f.domain, f.name)));
  const counts = new Map<string, number>();
  const visit = (nodes: OnnxGraph['nodes']) => {
    for (const n of nodes) {
      if (!fns.has(functionKey(n.domain, n.opType)) && !isKnownOp(n.domain, n.opType)) {
        const key = `${n.domain}:${n.opType}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const sg of n.subgraphs) visit(sg.graph.nodes);
    }
  };
  visit(model.graph.nodes);
  for (const f of model.functions) visit(f.nodes);
  return formatUnknownOps(counts);
}

function splitKey(key: string): [string, string] {
  const i = key.lastIndexOf(':');
  return [key.slice(0, i), key.slice(i + 1)];
}

function declaredTypes(g: OnnxGraph): Map<string, ValueInfo> {
  const m = new Map<string, ValueInfo>();
  for (const v of g.allInputs) m.set(v.name, v);
  for (const [k, v] of g.valueInfo) m.set(k, v);
  for (const v of g.outputs) m.set(v.name, v);
  for (const [k, t] of g.initializers) m.set(k, { name: k, elemType: t.elemType, shape: t.dims });
  return m;
}

function buildFunction(f: OnnxFunction, ctx: BuildContext): GraphView {
  const graph: OnnxGraph = {
    name: f.name,
    docString: f.docString,
    nodes: f.nodes,
    inputs: f.inputs.map((name) => f.valueInfo.get(name) ?? { name, elemType: 'unknown' }),
    allInputs: f.inputs.map((name) => f.valueInfo.get(name) ?? { name, elemType: 'unknown' }),
    outputs: f.outputs.map((name) => f.valueInfo.get(name) ?? { name, elemType: 'unknown' }),
    valueInfo: f.valueInfo,
    initializers: new Map(),
    sparseInitializers: new Map(),
    proto: {},
  };
  const opset = f.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? LATEST_OPSET;
  const shapes = ctx.inferShapes ? inferShapes(graph, { opset }) : declaredTypes(graph);
  return buildGraph(graph, functionGraphId(f.domain, f.name), shapes, opset, ctx);
}

/** Types of a graph's own values, falling back to the enclosing graphs' (outer-scope references). */
class ScopedTypes implements TypeLookup {
  constructor(private readonly own: Map<string, ValueInfo>, private readonly parent?: ScopedTypes) {}
  get(name: string): ValueInfo | undefined {
    return this.own.get(name) ?? this.parent?.get(name);
  }
}

type WeightLookup = (name: string) => { tensor?: TensorRef; sparse?: SparseTensorRef } | undefined;

function buildGraph(
  g: OnnxGraph, graphId: string, ownShapes: Map<string, ValueInfo>, opset: number, ctx: BuildContext,
  parent?: ScopedTypes, outerWeight?: WeightLookup,
): GraphView {
  const shapes = new ScopedTypes(ownShapes, parent);
  // Weights of this graph, then of the enclosing graphs (a subgraph may use an outer initializer;
  // findTensor resolves it the same way).
  const weightOf: WeightLookup = (name) => {
    const tensor = g.initializers.get(name);
    if (tensor) return { tensor };
    const sparse = g.sparseInitializers.get(name);
    if (sparse) return { sparse };
    return outerWeight?.(name);
  };
  const prefix = graphId === 'main' ? '' : `${graphId}/`;
  const inputId = (name: string) => `${prefix}in:${name}`;
  const outputId = (name: string) => `${prefix}out:${name}`;
  const isWeight = (name: string) => weightOf(name) !== undefined;

  const producers = new Map<string, string>();
  g.nodes.forEach((n, i) => {
    for (const o of n.outputs) if (o) producers.set(o, `${prefix}n${i}`);
  });
  const graphInputs = new Set(g.inputs.map((v) => v.name));
  const sourceOf = (name: string) => producers.get(name) ?? (graphInputs.has(name) ? inputId(name) : undefined);

  const edges: EdgeView[] = [];
  const addEdge = (source: string, target: string, tensor: string) => {
    edges.push({ id: `${prefix}e${edges.length}`, source, target, tensor, label: formatShape(shapes.get(tensor)?.shape) });
  };

  const port = (tensor: string, slot: string): PortView => {
    const info = tensor ? shapes.get(tensor) : undefined;
    const p: PortView = { slot, tensor, isWeight: tensor !== '' && isWeight(tensor) };
    if (info && info.elemType !== 'unknown') p.elemType = info.elemType;
    if (info?.shape) p.shape = info.shape;
    return p;
  };

  const nodes: NodeView[] = g.nodes.map((n, i) => {
    const id = `${prefix}n${i}`;
    const weights: WeightView[] = [];
    const seen = new Set<string>();
    let parameterCount = 0;
    for (const name of n.inputs) {
      if (!name || seen.has(name)) continue;
      const w = weightOf(name);
      if (!w) continue;
      const t = w.tensor;
      const s = w.sparse;
      seen.add(name);
      const count = t ? t.elementCount : s!.values.elementCount;
      parameterCount += count;
      weights.push({
        name, elemType: t ? t.elemType : s!.values.elemType, shape: t ? t.dims : s!.dims, elementCount: count, external: !!t?.external,
      });
    }
    const view: NodeView = {
      id,
      name: n.name,
      opType: n.opType,
      domain: n.domain,
      inputs: n.inputs.map((t, k) => port(t, inputSlot(n.domain, n.opType, k))),
      outputs: n.outputs.map((t, k) => port(t, outputSlot(n.domain, n.opType, k))),
      attributes: n.attributes.map(formatAttribute),
      weights,
      parameterCount,
      subgraphs: n.subgraphs.map((sg) => {
        const sgId = `${id}/${sg.attribute}`;
        const sgShapes = ctx.inferShapes ? inferShapes(sg.graph, { opset, outer: shapes }) : declaredTypes(sg.graph);
        return { attribute: sg.attribute, graph: buildGraph(sg.graph, sgId, sgShapes, opset, ctx, shapes, weightOf) };
      }),
    };
    const fnId = ctx.functionIds.get(functionKey(n.domain, n.opType));
    if (fnId) view.functionId = fnId;
    else if (!isKnownOp(n.domain, n.opType)) {
      view.unknownOp = true;
      const key = `${n.domain}:${n.opType}`;
      ctx.unknownOps.set(key, (ctx.unknownOps.get(key) ?? 0) + 1);
    }
    if (n.docString) view.docString = n.docString;
    // One edge per distinct input tensor (Mul(x, x) draws one edge).
    for (let k = 0; k < n.inputs.length; k++) {
      const name = n.inputs[k];
      if (!name || isWeight(name) || n.inputs.indexOf(name) !== k) continue;
      const source = sourceOf(name);
      if (source) addEdge(source, id, name);
    }
    return view;
  });

  const outputs: TerminalView[] = g.outputs.map((v, k) => {
    const id = outputId(v.name);
    const source = sourceOf(v.name);
    if (source && g.outputs.findIndex((o) => o.name === v.name) === k) addEdge(source, id, v.name);
    return { id, kind: 'output', tensor: tensorInfo(shapes.get(v.name) ?? v, v.name) };
  });
  const inputs: TerminalView[] = g.inputs.map((v) => ({ id: inputId(v.name), kind: 'input', tensor: tensorInfo(shapes.get(v.name) ?? v, v.name) }));
  return { id: graphId, name: g.name, nodes, inputs, outputs, edges };
}
