// ONNX Runtime sessions: picks the execution provider (CUDA when it is usable, else CPU with a
// one-line reason), converts tensors both ways and checks feeds against the model's inputs so a
// wrong name, dtype or shape gets a clear message instead of an ORT stack trace.
import os from 'node:os';
import path from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { float16ToFloat32, float32ToFloat16, unpackSubByte, elemTypeCode } from '../onnx/dataTypes';
import { cudaProviderLibrary, probeGpu } from './gpuProbe';
import { firstLine, loadOrt, type LoadedOrt } from './ortLoader';
import { providerDependencies, type ProviderDependencies } from './providerDeps';
import { InferenceError, elementCount, type HostTensor, type ProviderChoice, type TypedArray } from './types';

export interface SessionOptions {
  provider?: ProviderChoice;
  /** Intra-op threads; 0 or undefined = the process-wide setting (setOrtThreads). */
  threads?: number;
}

export interface OrtSession {
  session: InferenceSession;
  provider: 'cuda' | 'cpu';
  /** One line: why this provider ("CUDA not available: no NVIDIA driver (libcuda.so.1 not found)"). */
  providerReason: string;
  threads: number;
  ortVersion: string;
}

let threadSetting = 0;

/** Process-wide intra-op thread count for new sessions; 0 = ORT's default (one per core). */
export function setOrtThreads(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`setOrtThreads: n must be a non-negative integer, got ${n}`);
  threadSetting = n;
}

/** Intra-op threads a new session uses: the setting, or ORT's default of one per core. */
export function ortThreads(threads?: number): { threads: number; setting: string } {
  const n = threads || threadSetting;
  if (n > 0) return { threads: n, setting: `${n} (set)` };
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return { threads: cores, setting: `ORT default (one per core: ${cores})` };
}

export interface CudaStatus {
  usable: boolean;
  /** Why CUDA cannot be used (or what it found). */
  reason: string;
}

/** Whether ORT's CUDA provider can be tried here, without creating a session. */
export function cudaStatus(loaded: LoadedOrt): CudaStatus {
  if (process.platform !== 'linux' && process.platform !== 'win32') return { usable: false, reason: `CUDA not available: not offered by ONNX Runtime on ${process.platform}` };
  if (process.arch !== 'x64') return { usable: false, reason: `CUDA not available: ONNX Runtime ships CUDA only for x64 (this is ${process.arch})` };
  const gpu = probeGpu();
  if (!gpu.found) return { usable: false, reason: `CUDA not available: ${gpu.reason}` };
  const lib = cudaProviderLibrary(loaded.binDir);
  if (!lib.present) {
    return {
      usable: false,
      reason: `CUDA not available: ONNX Runtime's CUDA provider is not installed (${path.basename(lib.path)} missing in ${loaded.binDir}; `
        + 'point the neuralLens.inference.onnxRuntimeFolder setting at an onnxruntime-node installation that has it)',
    };
  }
  const deps = providerDepsOf(lib.path);
  if (!deps.ok) return { usable: false, reason: `CUDA not available: ONNX Runtime's CUDA provider cannot load: ${deps.detail}` };
  return { usable: true, reason: gpu.reason };
}

const depsCache = new Map<string, ProviderDependencies>();
function providerDepsOf(file: string): ProviderDependencies {
  let d = depsCache.get(file);
  if (!d) { d = providerDependencies(file); depsCache.set(file, d); }
  return d;
}

/** Creates a session, trying CUDA first when `provider` is 'auto' or 'cuda'. ORT does not fall back
 *  by itself when the CUDA provider fails to start, so a failure is recorded and CPU tried next. */
export async function createOrtSession(model: string | Uint8Array, opts: SessionOptions = {}): Promise<OrtSession> {
  const loaded = loadOrt();
  const { ort } = loaded;
  const choice = opts.provider ?? 'auto';
  const { threads } = ortThreads(opts.threads);
  const base: InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    logSeverityLevel: 3, // errors only: warnings about unused initializers are noise here
  };
  const label = typeof model === 'string' ? path.basename(model) : 'the model';
  const create = async (eps: string[]) => {
    try {
      return await ort.InferenceSession.create(model as string, { ...base, executionProviders: eps });
    } catch (e) {
      throw new InferenceError(`ONNX Runtime cannot load ${label}: ${firstLine(e)}`,
        'The model may use an operator, type or opset this ONNX Runtime does not support, or be invalid.');
    }
  };
  // a configured ONNX Runtime folder that is not in use is said with every run, GPU or not
  const done = (session: InferenceSession, provider: 'cuda' | 'cpu', providerReason: string): OrtSession =>
    ({ session, provider, providerReason: loaded.note ? `${providerReason}; ${loaded.note}` : providerReason, threads, ortVersion: loaded.version });

  if (choice === 'cpu') return done(await create(['cpu']), 'cpu', 'CPU requested');
  const cuda = cudaStatus(loaded);
  if (!cuda.usable) {
    if (choice === 'cuda') throw new InferenceError(cuda.reason, 'Choose the CPU provider, or install the NVIDIA driver and ORT CUDA provider.');
    return done(await create(['cpu']), 'cpu', cuda.reason);
  }
  let cudaError: unknown;
  try {
    return done(await ort.InferenceSession.create(model as string, { ...base, executionProviders: ['cuda', 'cpu'] }), 'cuda', `CUDA: ${cuda.reason}`);
  } catch (e) {
    cudaError = e;
  }
  const reason = `CUDA provider failed to start: ${firstLine(cudaError)}`;
  if (choice === 'cuda') throw new InferenceError(reason, 'Check the CUDA, cuDNN and driver versions ORT needs, or choose the CPU provider.');
  return done(await create(['cpu']), 'cpu', reason);
}

// ---- tensors ----

/** Element types the Node binding takes as input (its Tensor also names int4/uint4, but
 *  session.run rejects them: "Tensor.type is not supported"). */
const ORT_TYPES = new Set(['float32', 'float64', 'float16', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32',
  'int64', 'uint64', 'bool', 'string']);

export function ortSupportsType(elemType: string): boolean {
  return ORT_TYPES.has(elemType);
}

/** Host tensor → ORT tensor. Float16 values are encoded to bits; numbers are converted to the
 *  typed array ORT wants when they come in another array type. */
export function toOrtTensor(t: HostTensor, name = 'tensor'): Tensor {
  const { ort } = loadOrt();
  const n = elementCount(t.dims);
  if (!ortSupportsType(t.elemType)) {
    throw new InferenceError(`Input "${name}" is ${t.elemType}, which onnxruntime-node cannot take as input.`);
  }
  if (t.data.length !== n) {
    throw new InferenceError(`Input "${name}" has ${t.data.length} values but shape [${t.dims.join(', ')}] needs ${n}.`);
  }
  if (t.elemType === 'string') return new ort.Tensor('string', t.data as string[], t.dims);
  const d = t.data as TypedArray;
  let data: TypedArray;
  switch (t.elemType) {
    case 'float16': {
      if (d instanceof Uint16Array) { data = d; break; }
      const bits = new Uint16Array(n);
      for (let i = 0; i < n; i++) bits[i] = float32ToFloat16(Number(d[i]));
      data = bits;
      break;
    }
    case 'bool': data = d instanceof Uint8Array ? d : Uint8Array.from(d as ArrayLike<number>, (v) => (v ? 1 : 0)); break;
    case 'int64': data = d instanceof BigInt64Array ? d : BigInt64Array.from(d as ArrayLike<number>, (v) => BigInt(Math.trunc(Number(v)))); break;
    case 'uint64': data = d instanceof BigUint64Array ? d : BigUint64Array.from(d as ArrayLike<number>, (v) => BigInt(Math.trunc(Number(v)))); break;
    default: {
      const Ctor = ({
        float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array,
        uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array,
      } as Record<string, { new(n: number): TypedArray; from(a: ArrayLike<number>): TypedArray }>)[t.elemType];
      data = d instanceof (Ctor as unknown as typeof Float32Array) ? d : Ctor.from(Array.from(d as ArrayLike<number | bigint>, Number));
    }
  }
  return new ort.Tensor(t.elemType as 'float32', data as Float32Array, t.dims);
}

/** Output types onnxruntime-node 1.30 cannot return: fetching one aborts the whole process
 *  (out of memory in the binding's OrtValueToNapiValue), so they must never be fetched. */
const UNFETCHABLE = new Set(['int4', 'uint4']);

/** Splits the session's outputs into those safe to fetch and those that would crash the binding. */
export function fetchableOutputs(session: InferenceSession): { fetch: string[]; unfetchable: { name: string; type: string }[] } {
  const meta = session.outputMetadata as readonly InferenceSession.ValueMetadata[];
  const fetch: string[] = [];
  const unfetchable: { name: string; type: string }[] = [];
  session.outputNames.forEach((name, i) => {
    const m = meta[i];
    if (m?.isTensor && UNFETCHABLE.has(m.type)) unfetchable.push({ name, type: m.type });
    else fetch.push(name);
  });
  return { fetch, unfetchable };
}

/** ORT tensor → host tensor (float16 decoded to float32 values, int4/uint4 unpacked). */
export function fromOrtTensor(t: Tensor): HostTensor {
  const dims = [...t.dims];
  const type = t.type as string;
  if (type === 'float16') {
    const bits = t.data as unknown as Uint16Array;
    const out = new Float32Array(bits.length);
    for (let i = 0; i < bits.length; i++) out[i] = float16ToFloat32(bits[i]);
    return { dims, elemType: 'float16', data: out };
  }
  if (type === 'int4' || type === 'uint4') {
    return { dims, elemType: type, data: unpackSubByte(t.data as Uint8Array, elementCount(dims), elemTypeCode(type)) };
  }
  return { dims, elemType: type, data: t.data as HostTensor['data'] };
}

/** Checks feeds against the session's inputs: every input given, no unknown names, dtypes and
 *  fixed dimensions matching. Throws InferenceError naming the input and what is wrong. */
export function checkFeeds(session: InferenceSession, inputs: Record<string, HostTensor>, label = 'The model'): void {
  const names = session.inputNames;
  const unknown = Object.keys(inputs).filter((k) => !names.includes(k));
  if (unknown.length) {
    throw new InferenceError(`${label} has no input named ${unknown.map((u) => `"${u}"`).join(', ')}; its inputs are ${names.map((n) => `"${n}"`).join(', ')}.`);
  }
  const meta = session.inputMetadata as readonly InferenceSession.ValueMetadata[];
  names.forEach((name, i) => {
    const t = inputs[name];
    if (!t) throw new InferenceError(`Input "${name}" is missing; ${label} needs ${names.map((n) => `"${n}"`).join(', ')}.`);
    const m = meta[i];
    if (!m || !m.isTensor) return;
    if (m.type !== t.elemType) {
      throw new InferenceError(`Input "${name}" is ${t.elemType}; ${label} wants ${m.type}.`, `Convert it to ${m.type} (e.g. numpy .astype).`);
    }
    const want = m.shape;
    const fmt = (s: readonly (number | string)[]) => `[${s.join(', ')}]`;
    if (want.length !== t.dims.length) {
      throw new InferenceError(`Input "${name}" has shape ${fmt(t.dims)} (rank ${t.dims.length}); ${label} wants ${fmt(want)} (rank ${want.length}).`);
    }
    want.forEach((w, k) => {
      if (typeof w === 'number' && w >= 0 && w !== t.dims[k]) {
        throw new InferenceError(`Input "${name}" has shape ${fmt(t.dims)}; ${label} wants ${fmt(want)} (dimension ${k} must be ${w}).`);
      }
    });
  });
}
