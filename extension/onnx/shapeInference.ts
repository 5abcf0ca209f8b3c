// Shape and type inference over a graph: seeds from inputs, initializers and declared
// value_info, then walks nodes in order applying the per-op rules of shapeRules.ts. Symbolic
// dims (batch) stay names, unknown dims are null, unknown ranks leave `shape` undefined.
// It never throws on odd models: a rule that fails leaves that node's outputs unknown.
import type { Dim, OnnxGraph, OnnxModel, OnnxNode, TensorRef, ValueInfo } from './model';
import { opsetVersion } from './model';
import { MAX_TRACKED_ELEMENTS, RULES, tensorValue, type NodeContext, type SymValue, type TypeInfo } from './shapeRules';

export { broadcastShapes, dimProduct } from './shapeRules';
export type { TypeInfo } from './shapeRules';

/** Anything that can look a value's type up by name (a Map works). */
export interface TypeLookup {
  get(name: string): TypeInfo | undefined;
}

/** Newest ai.onnx opset we know; used when a model declares none. */
export const LATEST_OPSET = 25;

export interface ShapeInferenceOptions {
  /** ai.onnx opset version (affects e.g. whether Slice reads attributes or inputs). */
  opset?: number;
  /** Seed from and prefer declared value_info / graph outputs (default true). Set false to
   *  infer everything from the inputs (used by tests to check the rules). */
  useDeclared?: boolean;
  /** Tensors whose values are known although they are not initializers (e.g. test inputs). */
  knownValues?: Map<string, TensorRef>;
  /** Types visible from enclosing graphs (for subgraphs); a Map or any lookup. */
  outer?: TypeLookup;
}

/** Declared dims win when they are numbers; otherwise an inferred number or name fills in. */
export function mergeInfo(declared: TypeInfo | undefined, inferred: TypeInfo | undefined): TypeInfo | undefined {
  if (!declared) return inferred;
  if (!inferred) return declared;
  const elemType = declared.elemType !== 'unknown' ? declared.elemType : inferred.elemType;
  let shape = declared.shape;
  if (!shape) shape = inferred.shape;
  else if (inferred.shape && inferred.shape.length === shape.length) {
    shape = shape.map((d, i) => (typeof d === 'number' ? d : typeof inferred.shape![i] === 'number' ? inferred.shape![i] : d ?? inferred.shape![i]));
  }
  return { elemType, shape };
}

/**
 * Infers the type and shape of every value in `graph`. Returns name → ValueInfo for graph
 * inputs, initializers, declared value_info and every node output it could type.
 * The model is not modified.
 */
export function inferShapes(graph: OnnxGraph, opts: ShapeInferenceOptions = {}): Map<string, ValueInfo> {
  const opset = opts.opset ?? LATEST_OPSET;
  const useDeclared = opts.useDeclared ?? true;
  const types = new Map<string, TypeInfo>();
  const values = new Map<string, SymValue>();

  for (const v of graph.allInputs) types.set(v.name, v);
  for (const [name, t] of graph.initializers) {
    types.set(name, { elemType: t.elemType, shape: t.dims });
    if (t.elementCount <= MAX_TRACKED_ELEMENTS && !t.external) {
      const v = tensorValue(t);
      if (v) values.set(name, v);
    }
  }
  for (const [name, s] of graph.sparseInitializers) types.set(name, { elemType: s.values.elemType, shape: s.dims });
  if (opts.knownValues) {
    for (const [name, t] of opts.knownValues) {
      types.set(name, { elemType: t.elemType, shape: t.dims });
      const v = tensorValue(t);
      if (v) values.set(name, v);
    }
  }
  const declared = new Map<string, ValueInfo>();
  if (useDeclared) {
    for (const [k, v] of graph.valueInfo) declared.set(k, v);
    for (const v of graph.outputs) declared.set(v.name, v);
  }

  // One context object reused for every node (large graphs: avoid per-node closures).
  // Outer-scope values are looked up, not copied: many small subgraphs stay cheap.
  const ctx = new Context(opset, types, values, opts.outer);
  for (const node of graph.nodes) {
    const rule = node.domain === '' || node.domain === 'com.microsoft' ? RULES.get(node.opType) : undefined;
    let outs: (TypeInfo | undefined)[] | undefined;
    ctx.reset(node);
    if (rule) {
      try {
        outs = rule(ctx);
      } catch {
        outs = undefined;
        ctx.newValues.length = 0;
      }
    }
    for (let i = 0; i < node.outputs.length; i++) {
      const name = node.outputs[i];
      if (!name) continue;
      const inferred = outs?.[i];
      const final = mergeInfo(declared.get(name), inferred && sane(inferred) ? inferred : undefined);
      if (final) types.set(name, final);
    }
    for (const [i, v] of ctx.newValues) if (node.outputs[i]) values.set(node.outputs[i], v);
  }
  // Declared infos of values no node produced (e.g. outputs that are inputs) still count.
  for (const [k, v] of declared) if (!types.has(k)) types.set(k, v);

  const result = new Map<string, ValueInfo>();
  for (const [name, t] of types) {
    const info: ValueInfo = { name, elemType: t.elemType };
    if (t.shape) info.shape = t.shape;
    result.set(name, info);
  }
  return result;
}

class Context implements NodeContext {
  node!: OnnxNode;
  newValues: [number, SymValue][] = [];
  constructor(
    readonly opset: number,
    private readonly types: Map<string, TypeInfo>,
    private readonly values: Map<string, SymValue>,
    private readonly outer: TypeLookup | undefined,
  ) {}

  reset(node: OnnxNode): void {
    this.node = node;
    this.newValues = [];
  }
  type(i: number): TypeInfo | undefined {
    const n = this.node.inputs[i];
    return n ? this.types.get(n) ?? this.outer?.get(n) : undefined;
  }
  shape(i: number): Dim[] | undefined {
    return this.type(i)?.shape;
  }
  elem(i: number): string {
    return this.type(i)?.elemType ?? 'unknown';
  }
  value(i: number): SymValue | undefined {
    const n = this.node.inputs[i];
    return n ? this.values.get(n) : undefined;
  }
  ints(i: number): number[] | undefined {
    const v = this.value(i);
    return v && v.data.every((d) => typeof d === 'number') ? (v.data as number[]) : undefined;
  }
  has(i: number): boolean {
    return !!this.node.inputs[i];
  }
  setValue(out: number, v: SymValue): void {
    if (v.data.length <= MAX_TRACKED_ELEMENTS) this.newValues.push([out, v]);
  }
}

/** Rejects results a buggy rule could produce (negative or fractional dims). */
function sane(t: TypeInfo): boolean {
  return !t.shape || t.shape.every((d: Dim) => d === null || typeof d === 'string' || (Number.isInteger(d) && d >= 0));
}

/** inferShapes for the model's top-level graph, with the model's opset. */
export function inferModelShapes(model: OnnxModel, opts: Omit<ShapeInferenceOptions, 'opset'> = {}): Map<string, ValueInfo> {
  return inferShapes(model.graph, { ...opts, opset: opsetVersion(model) ?? LATEST_OPSET });
}
