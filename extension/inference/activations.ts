// Activation capture: rewrite a model so every intermediate node output is also a graph output,
// then one ORT run returns them all. Types come from the model's value_info or from type hints
// (shape inference); outputs with no known type are still added by name, because ORT infers
// their types itself — and if ORT refuses that, they are dropped and the rest captured.
import { onnx } from '../onnx/proto/onnx.pb.js';
import { elemTypeCode } from '../onnx/dataTypes';
import type { OnnxModel, ValueInfo } from '../onnx/model';

export interface CapturePoint {
  /** The node's name, or "<OpType>_<index>" when it has none. */
  nodeName: string;
  opType: string;
  nodeIndex: number;
  outputName: string;
}

export interface ExposedModel {
  /** The rewritten model, serialized. */
  bytes: Uint8Array;
  /** Every top-level node output, in node order. */
  points: CapturePoint[];
  /** Graph outputs added, with how their type was known. */
  added: { name: string; typed: 'value_info' | 'hint' | 'untyped' }[];
}

export interface ExposeOptions {
  /** Types for tensors the model does not declare (e.g. from shape inference). */
  typeHints?: Map<string, ValueInfo>;
  /** Leave out outputs whose type is unknown (second try when ORT refuses untyped outputs). */
  typedOnly?: boolean;
}

export function nodeDisplayName(name: string | null | undefined, opType: string, index: number): string {
  return name ? name : `${opType}_${index}`;
}

/** A ValueInfoProto stating only the element type: ORT checks a declared shape against its own
 *  inference and refuses the model when they differ, so shapes are left to ORT. */
function valueInfoFromHint(name: string, v: ValueInfo): onnx.ValueInfoProto | undefined {
  const code = elemTypeCode(v.elemType);
  if (!code || (v.kind && v.kind !== 'tensor')) return undefined;
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: code } } });
}

/**
 * Returns the model with every top-level node output added as a graph output. `model` is the
 * reader's OnnxModel; its proto is not modified (the bytes are decoded afresh). Initializers
 * kept in external files are inlined so the result loads from memory.
 */
export function exposeIntermediates(model: OnnxModel, bytes: Uint8Array, opts: ExposeOptions = {}): ExposedModel {
  const proto = onnx.ModelProto.decode(bytes);
  const g = proto.graph!;
  const points: CapturePoint[] = [];
  const added: ExposedModel['added'] = [];
  const declared = new Map<string, onnx.ValueInfoProto>();
  for (const vi of g.valueInfo ?? []) if (vi.name && vi.type) declared.set(vi.name, vi as onnx.ValueInfoProto);
  const present = new Set<string>([...(g.output ?? []).map((o) => o.name ?? ''), ...(g.input ?? []).map((i) => i.name ?? '')]);
  for (const init of g.initializer ?? []) present.add(init.name ?? '');

  (g.node ?? []).forEach((node, index) => {
    const nodeName = nodeDisplayName(node.name, node.opType ?? '', index);
    for (const out of node.output ?? []) {
      if (!out) continue; // omitted optional output
      points.push({ nodeName, opType: node.opType ?? '', nodeIndex: index, outputName: out });
      if (present.has(out)) continue;
      present.add(out);
      const vi = declared.get(out);
      const hinted = !vi && opts.typeHints?.get(out);
      const fromHint = hinted ? valueInfoFromHint(out, hinted) : undefined;
      if (vi) {
        g.output!.push(vi);
        added.push({ name: out, typed: 'value_info' });
      } else if (fromHint) {
        g.output!.push(fromHint);
        added.push({ name: out, typed: 'hint' });
      } else if (!opts.typedOnly) {
        g.output!.push(onnx.ValueInfoProto.create({ name: out }));
        added.push({ name: out, typed: 'untyped' });
      }
    }
  });

  for (const init of g.initializer ?? []) {
    if (init.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const ref = model.graph.initializers.get(init.name ?? '');
    if (!ref) continue;
    init.rawData = ref.bytes();
    init.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
    init.externalData = [];
  }
  return { bytes: onnx.ModelProto.encode(proto).finish(), points, added };
}
