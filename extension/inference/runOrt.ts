// One call to run a model file through ONNX Runtime: used by `cli run --backend ort`, the Run
// Model command and Compare. Sessions are cached per model file (path + mtime + options) so
// repeated runs from the UI pay the load once.
import fs from 'node:fs';
import path from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { readModel } from '../onnx/reader';
import { inferModelShapes } from '../onnx/shapeInference';
import { exposeIntermediates, type CapturePoint } from './activations';
import { checkFeeds, createOrtSession, fetchableOutputs, fromOrtTensor, toOrtTensor, type OrtSession } from './ortSession';
import { firstLine } from './ortLoader';
import { InferenceError, type HostTensor, type ProviderChoice } from './types';

export interface RunOrtOptions {
  /** Also return every intermediate node output. */
  activations?: boolean;
  provider?: ProviderChoice;
  /** Intra-op threads (0/undefined: the process-wide setting). */
  threads?: number;
}

export interface Activation {
  nodeName: string;
  opType: string;
  outputName: string;
  tensor: HostTensor;
}

export interface RunOrtResult {
  outputs: Record<string, HostTensor>;
  /** One entry per top-level node output (when opts.activations). */
  activations?: Activation[];
  /** Node outputs ORT could not return (non-tensor values, or refused as outputs). */
  skippedActivations?: { outputName: string; reason: string }[];
  provider: 'cuda' | 'cpu';
  providerReason: string;
  /** Wall time of session.run only (not loading). */
  latencyMs: number;
  ortVersion: string;
}

interface CachedSession {
  key: string;
  file: string;
  /** mtime and size when loaded. */
  stamp: string;
  ort: OrtSession;
  /** Declared model outputs (the activation model has more). */
  modelOutputs: string[];
  points?: CapturePoint[];
  refused?: { outputName: string; reason: string }[];
}

const cache = new Map<string, CachedSession>();
const MAX_CACHED = 4;

async function openSession(modelPath: string, opts: RunOrtOptions): Promise<CachedSession> {
  let st: fs.Stats;
  try {
    st = fs.statSync(modelPath);
  } catch {
    throw new InferenceError(`Model not found: ${modelPath}.`);
  }
  const file = path.resolve(modelPath);
  const stamp = `${st.mtimeMs}:${st.size}`;
  const key = JSON.stringify([file, stamp, !!opts.activations, opts.provider ?? 'auto', opts.threads ?? 0]);
  const hit = cache.get(key);
  if (hit) return hit;

  let entry: CachedSession;
  if (!opts.activations) {
    const ort = await createOrtSession(modelPath, opts);
    entry = { key, file, stamp, ort, modelOutputs: [...ort.session.outputNames] };
  } else {
    const bytes = fs.readFileSync(modelPath);
    const model = readModel(bytes, { path: modelPath });
    let hints;
    try {
      hints = inferModelShapes(model);
    } catch {
      hints = undefined; // ORT infers what we cannot
    }
    const modelOutputs = model.graph.outputs.map((o) => o.name);
    let exposed = exposeIntermediates(model, bytes, { typeHints: hints });
    let ort: OrtSession;
    let refused: CachedSession['refused'];
    try {
      ort = await createOrtSession(exposed.bytes, opts);
    } catch (e) {
      // Second try: only outputs whose type is known. Those left out are reported, not fatal.
      const untyped = exposed.added.filter((a) => a.typed === 'untyped').map((a) => a.name);
      if (untyped.length === 0) throw e;
      exposed = exposeIntermediates(model, bytes, { typeHints: hints, typedOnly: true });
      ort = await createOrtSession(exposed.bytes, opts);
      refused = untyped.map((outputName) => ({ outputName, reason: `type unknown and ORT refused it as an output (${firstLine(e)})` }));
    }
    entry = { key, file, stamp, ort, modelOutputs, points: exposed.points, refused };
  }
  for (const [k, v] of cache) {
    if (v.file === entry.file && v.stamp !== entry.stamp) {
      cache.delete(k); // the file changed on disk: its older sessions are stale
      void v.ort.session.release();
    }
  }
  cache.set(key, entry);
  while (cache.size > MAX_CACHED) {
    const [k, v] = cache.entries().next().value as [string, CachedSession];
    cache.delete(k);
    void v.ort.session.release();
  }
  return entry;
}

/** Runs `modelPath` on `inputs` through ONNX Runtime. Throws InferenceError with a clear message
 *  for a missing/unknown input, a wrong dtype or shape, or a model ORT refuses. */
export async function runOrt(modelPath: string, inputs: Record<string, HostTensor>, opts: RunOrtOptions = {}): Promise<RunOrtResult> {
  const entry = await openSession(modelPath, opts);
  const { session } = entry.ort;
  const label = path.basename(modelPath);
  checkFeeds(session, inputs, label);
  const feeds: Record<string, Tensor> = {};
  for (const name of session.inputNames) feeds[name] = toOrtTensor(inputs[name], name);

  const { fetch, unfetchable } = fetchableOutputs(session);
  const lost = unfetchable.filter((u) => entry.modelOutputs.includes(u.name));
  if (lost.length) {
    throw new InferenceError(`${label} outputs ${lost.map((u) => `"${u.name}" (${u.type})`).join(', ')}; onnxruntime-node cannot return ${lost[0].type} tensors.`,
      'Run it with the engine backend, or add a Cast to int8 after that output.');
  }
  const t0 = performance.now();
  let results: InferenceSession.ReturnType;
  try {
    results = await session.run(feeds, fetch);
  } catch (e) {
    throw new InferenceError(`ONNX Runtime failed running ${label}: ${firstLine(e)}`, 'Check the input values and shapes against what the model expects.');
  }
  const latencyMs = performance.now() - t0;

  const host = new Map<string, HostTensor>();
  const skipped: { outputName: string; reason: string }[] = [...(entry.refused ?? [])];
  for (const u of unfetchable) skipped.push({ outputName: u.name, reason: `${u.type} tensors cannot be returned by onnxruntime-node` });
  for (const [name, value] of Object.entries(results)) {
    if (value && typeof value === 'object' && 'dims' in value && 'type' in value) host.set(name, fromOrtTensor(value));
    else skipped.push({ outputName: name, reason: 'not a tensor (sequence or map)' });
  }
  const outputs: Record<string, HostTensor> = {};
  for (const name of entry.modelOutputs) {
    const t = host.get(name);
    if (t) outputs[name] = t;
  }
  const res: RunOrtResult = { outputs, provider: entry.ort.provider, providerReason: entry.ort.providerReason, latencyMs, ortVersion: entry.ort.ortVersion };
  if (opts.activations && entry.points) {
    res.activations = [];
    for (const p of entry.points) {
      const tensor = host.get(p.outputName);
      if (tensor) res.activations.push({ nodeName: p.nodeName, opType: p.opType, outputName: p.outputName, tensor });
    }
    res.skippedActivations = skipped.filter((s) => entry.points!.some((p) => p.outputName === s.outputName));
  }
  return res;
}

/** Releases cached sessions (on extension deactivate, or in tests). */
export async function releaseOrtSessions(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  await Promise.all(all.map((e) => e.ort.session.release()));
}
