// Short human-readable strings for shapes, counts, sizes and attribute values.
import type { AttributeView, Dim } from '../../shared/protocol';
import type { OnnxAttribute, OnnxGraph, SparseTensorRef, TensorRef, ValueInfo } from '../onnx/model';

/** "1×784", "batch×10", "?×3" for unknown dims, "scalar" for rank 0, "" when the rank is unknown. */
export function formatShape(shape: Dim[] | undefined): string {
  if (!shape) return '';
  if (shape.length === 0) return 'scalar';
  return shape.map((d) => (d === null ? '?' : String(d))).join('×');
}

/** 101770 → "101,770". */
export function formatCount(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 402123 → "393 KB" (binary units, short). */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${n} bytes` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** Float printed at float32 precision: 0.10000000149 → "0.1". */
export function formatFloat(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return v.toFixed(1);
  return String(Number(v.toPrecision(7)));
}

const MAX_LIST = 16;
const MAX_TENSOR_PREVIEW = 8;

function formatList<T>(items: T[], f: (x: T) => string): string {
  if (items.length <= MAX_LIST) return `[${items.map(f).join(', ')}]`;
  return `[${items.slice(0, MAX_LIST).map(f).join(', ')}, …] (${items.length} values)`;
}

function formatInt(v: number): string {
  return String(v);
}

/** "float32[3×3]" plus the values when the tensor is tiny: "int64[2] [1, -1]". */
export function formatTensor(t: TensorRef): string {
  const head = `${t.elemType}[${t.dims.join('×')}]`;
  if (t.elementCount > MAX_TENSOR_PREVIEW || t.external) return t.external ? `${head} (external: ${t.external.location})` : `${head} …`;
  try {
    const d = t.data();
    const vals = Array.from(d as ArrayLike<number | bigint | string>, (v) =>
      typeof v === 'number' ? (t.elemType.startsWith('float') || t.elemType === 'bfloat16' ? formatFloat(v) : String(v)) : typeof v === 'string' ? JSON.stringify(v) : String(v));
    return t.dims.length === 0 ? `${t.elemType} ${vals[0] ?? ''}`.trim() : `${head} [${vals.join(', ')}]`;
  } catch {
    return `${head} (data unreadable)`;
  }
}

function formatSparse(s: SparseTensorRef): string {
  return `sparse ${s.values.elemType}[${s.dims.join('×')}] (${s.values.elementCount} values)`;
}

function formatGraph(g: OnnxGraph): string {
  return `graph (${g.nodes.length} node${g.nodes.length === 1 ? '' : 's'})`;
}

function formatType(v: ValueInfo): string {
  return v.kind === 'tensor' || v.kind === 'sparse_tensor'
    ? `${v.kind === 'sparse_tensor' ? 'sparse ' : ''}${v.elemType}${v.shape ? `[${formatShape(v.shape)}]` : ''}`
    : v.elemType;
}

/** Attribute in the protocol's display form. */
export function formatAttribute(a: OnnxAttribute): AttributeView {
  const view = (value: string): AttributeView => ({ name: a.name, type: a.type, value });
  if (a.refAttrName) return view(`@${a.refAttrName} (caller's attribute)`);
  const v = a.value;
  switch (a.type) {
    case 'float': return view(formatFloat(v as number));
    case 'int': return view(formatInt(v as number));
    case 'string': return view(v as string);
    case 'floats': return view(formatList(v as number[], formatFloat));
    case 'ints': return view(formatList(v as number[], formatInt));
    case 'strings': return view(formatList(v as string[], (s) => JSON.stringify(s)));
    case 'tensor': return view(v ? formatTensor(v as TensorRef) : '');
    case 'tensors': return view(formatList(v as TensorRef[], formatTensor));
    case 'graph': return view(v ? formatGraph(v as OnnxGraph) : '');
    case 'graphs': return view(formatList(v as OnnxGraph[], formatGraph));
    case 'sparse_tensor': return view(v ? formatSparse(v as SparseTensorRef) : '');
    case 'sparse_tensors': return view(formatList(v as SparseTensorRef[], formatSparse));
    case 'type_proto': return view(v ? formatType(v as ValueInfo) : '');
    case 'type_protos': return view(formatList(v as ValueInfo[], formatType));
    default: return view('');
  }
}
