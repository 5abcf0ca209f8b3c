// The hand-written model over the decoded protobuf. Every object keeps its proto so the writer
// can round-trip fields we do not model (doc strings, metadata, unknown fields). The model is a
// read-only view: change weights through writeModel's replaceInitializers, not by mutation.
import type { onnx } from './proto/onnx.pb.js';
import type { Dim } from '../../shared/protocol';

export type { Dim };

/** Decoded tensor values. Small float formats (float16, bfloat16, float8, float4) and 4/2-bit
 *  integers are decoded to Float32Array; complex types interleave real and imaginary parts. */
export type TensorData =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | string[];

export interface ExternalLocation {
  /** Path relative to the model's folder, as written in the model. */
  location: string;
  offset: number;
  /** Byte length; undefined means "to the end of the file". */
  length?: number;
}

export interface TensorRef {
  readonly name: string;
  /** numpy-style element type name (float32, int64, float8e4m3fn, …). */
  readonly elemType: string;
  /** ONNX TensorProto.DataType code. */
  readonly dataType: number;
  readonly dims: number[];
  readonly elementCount: number;
  /** Set when the bytes live in a separate file (data_location = EXTERNAL). */
  readonly external?: ExternalLocation;
  readonly docString: string;
  readonly proto: onnx.TensorProto.$Properties;
  /** Values, decoded on first call and cached. A view over raw_data when it is aligned;
   *  throws ModelLoadError('externalData') when external bytes cannot be read. */
  data(): TensorData;
  /** Values as float32 (int64 via Number, bool as 0/1); throws for string tensors. */
  toFloat32(): Float32Array;
  /** The little-endian storage bytes (raw_data, or read from the external file, or packed from
   *  typed fields). Not a copy when raw_data is present. */
  bytes(): Uint8Array;
}

export interface SparseTensorRef {
  readonly name: string;
  readonly dims: number[];
  readonly values: TensorRef;
  readonly indices: TensorRef;
  readonly proto: onnx.SparseTensorProto.$Properties;
}

/** A declared type: tensors carry elemType + shape; other kinds describe themselves in elemType. */
export interface ValueInfo {
  name: string;
  /** numpy-style name, "unknown", or for non-tensor types e.g. "sequence<float32>". */
  elemType: string;
  /** Undefined when the rank is unknown. */
  shape?: Dim[];
  kind?: 'tensor' | 'sparse_tensor' | 'sequence' | 'map' | 'optional' | 'opaque' | 'unknown';
  docString?: string;
}

export type AttributeType =
  | 'undefined' | 'float' | 'int' | 'string' | 'tensor' | 'graph' | 'sparse_tensor' | 'type_proto'
  | 'floats' | 'ints' | 'strings' | 'tensors' | 'graphs' | 'sparse_tensors' | 'type_protos';

export type AttributeValue =
  | number | string | number[] | string[] | TensorRef | TensorRef[] | OnnxGraph | OnnxGraph[]
  | SparseTensorRef | SparseTensorRef[] | ValueInfo | ValueInfo[] | undefined;

export interface OnnxAttribute {
  name: string;
  type: AttributeType;
  /** float/int → number (int64 beyond 2^53 loses precision), string → string (UTF-8 decoded),
   *  tensor → TensorRef, graph → OnnxGraph, type_proto → ValueInfo (name ""), lists likewise. */
  value: AttributeValue;
  /** Inside a function body: the attribute takes the caller's attribute of this name. */
  refAttrName?: string;
  docString?: string;
  proto: onnx.AttributeProto.$Properties;
}

export interface OnnxNode {
  name: string;
  opType: string;
  /** "" for the default ONNX domain ("ai.onnx" is normalised to ""). */
  domain: string;
  overload: string;
  /** Tensor names; "" marks an omitted optional input/output. */
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
  /** Graph-valued attributes (If/Loop/Scan bodies), in attribute order. */
  subgraphs: { attribute: string; graph: OnnxGraph }[];
  docString: string;
  proto: onnx.NodeProto.$Properties;
}

export interface OnnxGraph {
  name: string;
  docString: string;
  nodes: OnnxNode[];
  /** Graph inputs that are not initializers (what a caller must feed). */
  inputs: ValueInfo[];
  /** All declared inputs, including initializers listed as inputs (IR < 4 models do that). */
  allInputs: ValueInfo[];
  outputs: ValueInfo[];
  valueInfo: Map<string, ValueInfo>;
  initializers: Map<string, TensorRef>;
  sparseInitializers: Map<string, SparseTensorRef>;
  proto: onnx.GraphProto.$Properties;
}

export interface OpsetImport {
  domain: string;
  version: number;
}

/** A model-local function (FunctionProto): an op defined by a graph of other ops. */
export interface OnnxFunction {
  name: string;
  domain: string;
  overload: string;
  inputs: string[];
  outputs: string[];
  /** Attribute names the function accepts. */
  attributeNames: string[];
  /** Attributes with default values. */
  attributeDefaults: OnnxAttribute[];
  nodes: OnnxNode[];
  opsetImports: OpsetImport[];
  valueInfo: Map<string, ValueInfo>;
  docString: string;
  proto: onnx.FunctionProto.$Properties;
}

export interface OnnxModel {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  opsetImports: OpsetImport[];
  metadata: Record<string, string>;
  graph: OnnxGraph;
  functions: OnnxFunction[];
  /** Problems that did not stop the model from opening (missing external data, …). */
  warnings: string[];
  proto: onnx.ModelProto;
  /** File the model was read from, when known. */
  path?: string;
}

// ---- small helpers used across the ONNX core ----

/** Opset version the model imports for a domain ("" and "ai.onnx" are the same). */
export function opsetVersion(model: Pick<OnnxModel, 'opsetImports'>, domain = ''): number | undefined {
  const d = normalizeDomain(domain);
  return model.opsetImports.find((o) => normalizeDomain(o.domain) === d)?.version;
}

export function normalizeDomain(domain: string | null | undefined): string {
  return !domain || domain === 'ai.onnx' ? '' : domain;
}

export function getAttribute(node: OnnxNode, name: string): OnnxAttribute | undefined {
  for (const a of node.attributes) if (a.name === name) return a;
  return undefined;
}

export function attrInt(node: OnnxNode, name: string, fallback: number): number;
export function attrInt(node: OnnxNode, name: string): number | undefined;
export function attrInt(node: OnnxNode, name: string, fallback?: number): number | undefined {
  const v = getAttribute(node, name)?.value;
  return typeof v === 'number' ? v : fallback;
}

export function attrFloat(node: OnnxNode, name: string, fallback: number): number {
  const v = getAttribute(node, name)?.value;
  return typeof v === 'number' ? v : fallback;
}

export function attrString(node: OnnxNode, name: string, fallback: string): string {
  const v = getAttribute(node, name)?.value;
  return typeof v === 'string' ? v : fallback;
}

export function attrInts(node: OnnxNode, name: string): number[] | undefined {
  const a = getAttribute(node, name);
  if (!a) return undefined;
  if (a.type === 'ints' || a.type === 'floats') return a.value as number[];
  if (typeof a.value === 'number') return [a.value];
  return undefined;
}

/** Key identifying a model-local function: "<domain>:<name>". */
export function functionKey(domain: string, name: string): string {
  return `${normalizeDomain(domain)}:${name}`;
}

/** Walks every graph in the model (top level, nested subgraphs, not functions), depth first. */
export function* walkGraphs(graph: OnnxGraph): Generator<OnnxGraph> {
  yield graph;
  for (const node of graph.nodes) for (const sg of node.subgraphs) yield* walkGraphs(sg.graph);
}
