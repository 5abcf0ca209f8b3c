// Reads an ONNX model: sniff the bytes, decode the protobuf (tensor bytes stay views into the
// input buffer), then wrap it in the hand-written model classes of model.ts.
import fs from 'node:fs';
import path from 'node:path';
import { Reader } from 'protobufjs/minimal';
import { onnx } from './proto/onnx.pb.js';
import { elemTypeName } from './dataTypes';
import { ModelLoadError } from './errors';
import { ExternalDataSource } from './externalData';
import { toNumber, type Int64 } from './int64';
import {
  normalizeDomain, type AttributeType, type AttributeValue, type OnnxAttribute, type OnnxFunction, type OnnxGraph,
  type OnnxModel, type OnnxNode, type OpsetImport, type ValueInfo, type Dim,
} from './model';
import { sniffModel } from './sniff';
import { OnnxTensor, makeSparseTensor } from './tensor';

export interface ReadOptions {
  /** File path, for messages and for locating external data. */
  path?: string;
  /** Folder external data paths are relative to (default: the folder of `path`). */
  baseDir?: string;
  /** Name used in messages when there is no path (default: the base name of `path`). */
  name?: string;
}

/** A single protobuf message cannot exceed 2 GiB; bigger models keep weights as external data. */
export const MAX_MODEL_BYTES = 2 ** 31;

/** Reads a model from bytes. Throws ModelLoadError with a precise kind, message and hint. */
export function readModel(bytes: Uint8Array, opts: ReadOptions = {}): OnnxModel {
  const fileName = opts.name ?? (opts.path ? path.basename(opts.path) : 'The model');
  sniffModel(bytes, fileName);
  let proto: onnx.ModelProto;
  try {
    // Keep unknown fields (newer ONNX versions) so the writer re-emits them.
    const reader = Reader.create(bytes);
    reader.discardUnknown = false;
    proto = onnx.ModelProto.decode(reader);
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    if (e instanceof RangeError || /index out of range/i.test(msg)) {
      throw new ModelLoadError('truncated', `${fileName} is truncated or damaged: a field runs past the end of its message (${msg}).`,
        'The file was cut short or damaged; download or export the model again.');
    }
    throw new ModelLoadError('corrupt', `${fileName} is corrupt: the protobuf cannot be decoded (${msg}).`,
      'The file is damaged; download or export the model again.');
  }
  if (!proto.graph) {
    throw new ModelLoadError('notOnnx', `${fileName} is not an ONNX model (it has no graph).`,
      'Check that this is an .onnx model file and not another protobuf file.');
  }
  const baseDir = opts.baseDir ?? (opts.path ? path.dirname(path.resolve(opts.path)) : undefined);
  const ctx = new ReadContext(new ExternalDataSource(baseDir, fileName));
  const model: OnnxModel = {
    irVersion: toNumber(proto.irVersion as Int64),
    producerName: proto.producerName ?? '',
    producerVersion: proto.producerVersion ?? '',
    domain: proto.domain ?? '',
    modelVersion: toNumber(proto.modelVersion as Int64),
    docString: proto.docString ?? '',
    opsetImports: readOpsets(proto.opsetImport),
    metadata: Object.fromEntries((proto.metadataProps ?? []).map((e) => [e.key ?? '', e.value ?? ''])),
    graph: ctx.graph(proto.graph),
    functions: (proto.functions ?? []).map((f) => ctx.function(f)),
    warnings: ctx.warnings,
    proto,
    path: opts.path,
  };
  if (model.opsetImports.length === 0) ctx.warnings.push(`${fileName} declares no opset_import; assuming the newest ONNX operator set.`);
  ctx.finish();
  return model;
}

function statError(e: unknown, file: string, fileName: string): ModelLoadError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new ModelLoadError('io', `${fileName} was not found (${file}).`, 'Check the path.');
  if (code === 'EISDIR') return new ModelLoadError('io', `${fileName} is a folder, not a model file.`, 'Open the .onnx file inside it.');
  if (code === 'EACCES' || code === 'EPERM') return new ModelLoadError('io', `${fileName} cannot be read: permission denied.`, 'Check the file\'s permissions.');
  return new ModelLoadError('io', `${fileName} cannot be read: ${(e as Error).message}.`, 'Check that the file exists and is readable.');
}

function checkSize(size: number, fileName: string): void {
  if (size > MAX_MODEL_BYTES) {
    throw new ModelLoadError('tooLarge', `${fileName} is ${(size / 2 ** 30).toFixed(1)} GiB; a single ONNX protobuf cannot exceed 2 GiB.`,
      'Save the model with its weights as external data (onnx.save_model(model, path, save_as_external_data=True)).');
  }
}

/** Reads a model file (weights stay views into one buffer; external data is read on demand). */
export async function readModelFile(file: string, opts: Omit<ReadOptions, 'path'> = {}): Promise<OnnxModel> {
  const fileName = path.basename(file);
  let bytes: Buffer;
  try {
    const st = await fs.promises.stat(file);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    checkSize(st.size, fileName);
    bytes = await fs.promises.readFile(file);
  } catch (e) {
    if (e instanceof ModelLoadError) throw e;
    throw statError(e, file, fileName);
  }
  return readModel(bytes, { ...opts, path: file });
}

/** Synchronous readModelFile, for tools and tests. */
export function readModelFileSync(file: string, opts: Omit<ReadOptions, 'path'> = {}): OnnxModel {
  const fileName = path.basename(file);
  let bytes: Buffer;
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    checkSize(st.size, fileName);
    bytes = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof ModelLoadError) throw e;
    throw statError(e, file, fileName);
  }
  return readModel(bytes, { ...opts, path: file });
}

// ---- proto → model ----

function readOpsets(list: onnx.OperatorSetIdProto.$Properties[] | null | undefined): OpsetImport[] {
  return (list ?? []).map((o) => ({ domain: o.domain ?? '', version: toNumber(o.version as Int64) }));
}

function readDim(d: onnx.TensorShapeProto.Dimension.$Properties): Dim {
  if (d.dimValue !== null && d.dimValue !== undefined) return toNumber(d.dimValue as Int64);
  if (d.dimParam) return d.dimParam;
  return null;
}

function readShape(s: onnx.TensorShapeProto.$Properties | null | undefined): Dim[] | undefined {
  return s ? (s.dim ?? []).map(readDim) : undefined;
}

/** Describes a TypeProto as elemType/shape/kind. */
export function readType(tp: onnx.TypeProto.$Properties | null | undefined): Omit<ValueInfo, 'name'> {
  if (!tp) return { elemType: 'unknown', kind: 'unknown' };
  if (tp.tensorType) return { elemType: elemTypeName(tp.tensorType.elemType ?? 0), shape: readShape(tp.tensorType.shape), kind: 'tensor' };
  if (tp.sparseTensorType) {
    return { elemType: elemTypeName(tp.sparseTensorType.elemType ?? 0), shape: readShape(tp.sparseTensorType.shape), kind: 'sparse_tensor' };
  }
  if (tp.sequenceType) return { elemType: `sequence<${readType(tp.sequenceType.elemType).elemType}>`, kind: 'sequence' };
  if (tp.optionalType) return { elemType: `optional<${readType(tp.optionalType.elemType).elemType}>`, kind: 'optional' };
  if (tp.mapType) {
    return { elemType: `map<${elemTypeName(tp.mapType.keyType ?? 0)}, ${readType(tp.mapType.valueType).elemType}>`, kind: 'map' };
  }
  if (tp.opaqueType) return { elemType: `opaque<${[tp.opaqueType.domain, tp.opaqueType.name].filter(Boolean).join('.')}>`, kind: 'opaque' };
  return { elemType: 'unknown', kind: 'unknown' };
}

export function readValueInfo(v: onnx.ValueInfoProto.$Properties): ValueInfo {
  const info: ValueInfo = { name: v.name ?? '', ...readType(v.type) };
  if (v.docString) info.docString = v.docString;
  return info;
}

const ATTR_TYPES: Record<number, AttributeType> = {
  0: 'undefined', 1: 'float', 2: 'int', 3: 'string', 4: 'tensor', 5: 'graph', 6: 'floats', 7: 'ints', 8: 'strings',
  9: 'tensors', 10: 'graphs', 11: 'sparse_tensor', 12: 'sparse_tensors', 13: 'type_proto', 14: 'type_protos',
};

const utf8 = new TextDecoder('utf-8');
const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Old models may omit AttributeProto.type; infer it from the field that is set. */
function attributeType(a: onnx.AttributeProto.$Properties): AttributeType {
  if (a.type) return ATTR_TYPES[a.type] ?? 'undefined';
  if (a.floats?.length) return 'floats';
  if (a.ints?.length) return 'ints';
  if (a.strings?.length) return 'strings';
  if (a.tensors?.length) return 'tensors';
  if (a.graphs?.length) return 'graphs';
  if (a.sparseTensors?.length) return 'sparse_tensors';
  if (a.typeProtos?.length) return 'type_protos';
  if (a.t) return 'tensor';
  if (a.g) return 'graph';
  if (a.sparseTensor) return 'sparse_tensor';
  if (a.tp) return 'type_proto';
  if (own(a, 's')) return 'string';
  if (own(a, 'i')) return 'int';
  if (own(a, 'f')) return 'float';
  return 'undefined';
}

/** Collects warnings while building; external-data problems are grouped per file. */
class ReadContext {
  readonly warnings: string[] = [];
  private readonly externalProblems = new Map<string, { message: string; count: number }>();

  constructor(readonly source: ExternalDataSource) {}

  tensor(t: onnx.TensorProto.$Properties, name?: string): OnnxTensor {
    const ref = new OnnxTensor(t, this.source, name);
    if (ref.external) {
      const problem = this.source.problem(ref.external, ref.name);
      if (problem) {
        const p = this.externalProblems.get(ref.external.location);
        if (p) p.count++;
        else this.externalProblems.set(ref.external.location, { message: problem, count: 1 });
      }
    }
    return ref;
  }

  graph(g: onnx.GraphProto.$Properties): OnnxGraph {
    const initializers = new Map<string, OnnxTensor>();
    for (const t of g.initializer ?? []) initializers.set(t.name ?? '', this.tensor(t));
    const sparseInitializers = new Map(
      (g.sparseInitializer ?? []).map((s) => {
        const ref = makeSparseTensor(s, this.source);
        return [ref.name, ref] as const;
      }),
    );
    const allInputs = (g.input ?? []).map(readValueInfo);
    const valueInfo = new Map<string, ValueInfo>();
    for (const v of g.valueInfo ?? []) valueInfo.set(v.name ?? '', readValueInfo(v));
    return {
      name: g.name ?? '',
      docString: g.docString ?? '',
      nodes: (g.node ?? []).map((n) => this.node(n)),
      inputs: allInputs.filter((v) => !initializers.has(v.name) && !sparseInitializers.has(v.name)),
      allInputs,
      outputs: (g.output ?? []).map(readValueInfo),
      valueInfo,
      initializers,
      sparseInitializers,
      proto: g,
    };
  }

  node(n: onnx.NodeProto.$Properties): OnnxNode {
    const attributes = (n.attribute ?? []).map((a) => this.attribute(a));
    const subgraphs: OnnxNode['subgraphs'] = [];
    for (const a of attributes) {
      if (a.type === 'graph' && a.value) subgraphs.push({ attribute: a.name, graph: a.value as OnnxGraph });
      if (a.type === 'graphs') (a.value as OnnxGraph[]).forEach((g, i) => subgraphs.push({ attribute: `${a.name}[${i}]`, graph: g }));
    }
    return {
      name: n.name ?? '',
      opType: n.opType ?? '',
      domain: normalizeDomain(n.domain),
      overload: n.overload ?? '',
      inputs: n.input ?? [],
      outputs: n.output ?? [],
      attributes,
      subgraphs,
      docString: n.docString ?? '',
      proto: n,
    };
  }

  attribute(a: onnx.AttributeProto.$Properties): OnnxAttribute {
    const type = attributeType(a);
    let value: AttributeValue;
    switch (type) {
      case 'float': value = a.f ?? 0; break;
      case 'int': value = toNumber(a.i as Int64); break;
      case 'string': value = a.s ? utf8.decode(a.s) : ''; break;
      case 'tensor': value = a.t ? this.tensor(a.t) : undefined; break;
      case 'graph': value = a.g ? this.graph(a.g) : undefined; break;
      case 'sparse_tensor': value = a.sparseTensor ? makeSparseTensor(a.sparseTensor, this.source) : undefined; break;
      case 'type_proto': value = a.tp ? { name: '', ...readType(a.tp) } : undefined; break;
      case 'floats': value = [...(a.floats ?? [])]; break;
      case 'ints': value = (a.ints ?? []).map((i) => toNumber(i as Int64)); break;
      case 'strings': value = (a.strings ?? []).map((s) => utf8.decode(s)); break;
      case 'tensors': value = (a.tensors ?? []).map((t) => this.tensor(t)); break;
      case 'graphs': value = (a.graphs ?? []).map((g) => this.graph(g)); break;
      case 'sparse_tensors': value = (a.sparseTensors ?? []).map((s) => makeSparseTensor(s, this.source)); break;
      case 'type_protos': value = (a.typeProtos ?? []).map((tp) => ({ name: '', ...readType(tp) })); break;
      default: value = undefined;
    }
    const attr: OnnxAttribute = { name: a.name ?? '', type, value, proto: a };
    if (a.refAttrName) attr.refAttrName = a.refAttrName;
    if (a.docString) attr.docString = a.docString;
    return attr;
  }

  function(f: onnx.FunctionProto.$Properties): OnnxFunction {
    const valueInfo = new Map<string, ValueInfo>();
    for (const v of f.valueInfo ?? []) valueInfo.set(v.name ?? '', readValueInfo(v));
    return {
      name: f.name ?? '',
      domain: f.domain ?? '',
      overload: f.overload ?? '',
      inputs: f.input ?? [],
      outputs: f.output ?? [],
      attributeNames: f.attribute ?? [],
      attributeDefaults: (f.attributeProto ?? []).map((a) => this.attribute(a)),
      nodes: (f.node ?? []).map((n) => this.node(n)),
      opsetImports: readOpsets(f.opsetImport),
      valueInfo,
      docString: f.docString ?? '',
      proto: f,
    };
  }

  finish(): void {
    for (const [location, p] of this.externalProblems) {
      this.warnings.push(p.count > 1 ? `${p.message} ${p.count - 1} more tensor(s) also use "${location}"; their values cannot be shown.` : p.message);
    }
  }
}
