// The environment report ("Neural Lens: Show Environment Report", `cli doctor`): what this
// machine offers for running models and why the provider that will be used was chosen.
// Never throws: each part that fails says so in its own field.
import os from 'node:os';
import { probeGpu } from './gpuProbe';
import { firstLine, loadOrt, locateOrt } from './ortLoader';
import { cudaStatus, ortThreads } from './ortSession';
import { cudaStatus as cudaEngineStatus, cudaStatusLine, type CudaEngineStatus } from '../engine/cuda/status';
import type { BackendChoice } from '../engine/selectBackend';
import { asTrainBackend } from '../trainingUi/config';
import { asProviderChoice, type ProviderChoice } from './types';

export interface EnvironmentReport {
  node: string;
  /** VS Code version when running inside it (undefined from the CLI). */
  vscode?: string;
  platform: string;
  arch: string;
  osRelease: string;
  cpu: { model: string; cores: number };
  memoryGiB: number;
  ort: {
    loaded: boolean;
    version?: string;
    /** "dist/ort" (packaged), "node_modules" (source checkout) or "folder <path>" (the user's setting). */
    source?: string;
    /** Why the configured ONNX Runtime folder is not the one in use. */
    note?: string;
    /** Providers this onnxruntime-node build knows, with whether each is bundled. */
    providers: { name: string; bundled: boolean }[];
    error?: string;
  };
  /** The provider choice (neuralLens.inference.provider; the CLI's default is auto), what a run gets with it, and why ('none': 'cuda' chosen where it cannot run). */
  inference: { choice: ProviderChoice; provider: 'cuda' | 'cpu' | 'none'; reason: string };
  engine: { backends: { name: string; available: boolean; note?: string }[]; gemm?: string; error?: string };
  /** The training backend choice (neuralLens.training.backend, or the CLI's default) and what it gets here. */
  training: TrainingBackendReport;
  gpu: { found: boolean; reason: string; devices: string[]; driverVersion?: string; probes: Record<string, string> };
  threads: { ort: number; ortSetting: string; engineGemm?: number; libuvPool: number };
}

export interface TrainingBackendReport {
  choice: BackendChoice;
  /** where the choice came from: the VS Code setting, or the CLI's default (`train --device`) */
  from: 'setting' | 'cli default';
  /** the backend a run with this choice gets here; 'none' when 'cuda' is chosen and cannot run */
  gets: 'cpu' | 'cuda' | 'none';
  reason: string;
}

/**
 * What a training run with `choice` gets on a machine whose engine CUDA status is `cuda`
 * (the same rule as selectBackend, without creating a backend). Unknown choices count as
 * 'cpu', as the setting reader does.
 */
export function trainingBackendReport(choice: string | undefined, from: TrainingBackendReport['from'], cuda: CudaEngineStatus): TrainingBackendReport {
  const c = asTrainBackend(choice);
  if (c === 'cpu') return { choice: c, from, gets: 'cpu', reason: 'cpu chosen' };
  if (cuda.available) return { choice: c, from, gets: 'cuda', reason: `CUDA engine kernels on ${cudaStatusLine(cuda)}` };
  if (c === 'auto') return { choice: c, from, gets: 'cpu', reason: `CUDA not available: ${cuda.reason}` };
  return { choice: c, from, gets: 'none', reason: `training stops with an error: CUDA cannot be used (${cuda.reason}); choose auto or cpu` };
}

/** The engine's own CUDA backend (native/cuda addon + NVRTC kernels), apart from ORT's CUDA provider. */
function cudaEngineBackend(): EnvironmentReport['engine']['backends'][number] {
  const s = cudaEngineStatus();
  return { name: 'cuda (engine kernels)', available: s.available, note: cudaStatusLine(s) };
}

async function engineInfo(): Promise<EnvironmentReport['engine']> {
  try {
    const gemm = await import('../engine/cpu/gemm');
    const info = gemm.gemmBackendInfo();
    const native = gemm.nativeGemmAvailable();
    return {
      backends: [
        { name: 'cpu (JS)', available: true },
        { name: 'cpu (native addon)', available: native, note: native ? `GEMM ${info.name}` : info.reason },
        cudaEngineBackend(),
      ],
      gemm: info.name,
    };
  } catch (e) {
    return { backends: [{ name: 'cpu', available: false }], error: firstLine(e) };
  }
}

function ortInfo(choice: ProviderChoice): { ort: EnvironmentReport['ort']; inference: EnvironmentReport['inference'] } {
  const cpuOnly = (reason: string): EnvironmentReport['inference'] =>
    (choice === 'cuda' ? { choice, provider: 'none', reason: `runs stop with an error: ${reason}` } : { choice, provider: 'cpu', reason });
  if (!locateOrt()) {
    const reason = 'ONNX Runtime is not installed';
    return { ort: { loaded: false, providers: [], error: reason }, inference: { choice, provider: 'none', reason } };
  }
  try {
    const loaded = loadOrt();
    // a user's older onnxruntime-node (see the ONNX Runtime folder setting) may not list them
    const list = typeof loaded.ort.listSupportedBackends === 'function' ? loaded.ort.listSupportedBackends() : [];
    const providers = list.map((b) => ({ name: b.name, bundled: b.bundled }));
    const ort = { loaded: true, version: loaded.version, source: loaded.source, providers, ...(loaded.note ? { note: loaded.note } : {}) };
    if (choice === 'cpu') return { ort, inference: { choice, provider: 'cpu', reason: 'CPU chosen (neuralLens.inference.provider)' } };
    const cuda = cudaStatus(loaded);
    // A usable-looking CUDA setup is only proven by creating a session; say so.
    return { ort, inference: cuda.usable ? { choice, provider: 'cuda', reason: `CUDA will be tried first: ${cuda.reason}` } : cpuOnly(cuda.reason) };
  } catch (e) {
    const reason = firstLine(e);
    return { ort: { loaded: false, providers: [], error: reason }, inference: { choice, provider: 'none', reason: `ONNX Runtime unavailable: ${reason}` } };
  }
}

/**
 * `trainingBackend`: the neuralLens.training.backend setting (VS Code); left out, the CLI's
 * default 'cpu'. `inferenceProvider`: the neuralLens.inference.provider setting; left out, 'auto'.
 */
export async function environmentReport(opts: { vscodeVersion?: string; trainingBackend?: string; inferenceProvider?: string } = {}): Promise<EnvironmentReport> {
  const cpus = os.cpus();
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length;
  const gpu = probeGpu();
  const { ort, inference } = ortInfo(asProviderChoice(opts.inferenceProvider));
  const engine = await engineInfo();
  let engineGemm: number | undefined;
  try {
    engineGemm = (await import('../engine/cpu/gemm')).gemmBackendInfo().threads;
  } catch {
    engineGemm = undefined;
  }
  const threads = ortThreads();
  return {
    node: process.versions.node,
    vscode: opts.vscodeVersion,
    platform: process.platform,
    arch: process.arch,
    osRelease: os.release(),
    cpu: { model: cpus[0]?.model?.trim() ?? 'unknown', cores },
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    ort, inference, engine,
    training: trainingBackendReport(opts.trainingBackend ?? 'cpu', opts.trainingBackend === undefined ? 'cli default' : 'setting', cudaEngineStatus()),
    gpu: { found: gpu.found, reason: gpu.reason, devices: gpu.devices, driverVersion: gpu.driverVersion, probes: gpu.probes },
    threads: { ort: threads.threads, ortSetting: threads.setting, engineGemm, libuvPool: Number(process.env.UV_THREADPOOL_SIZE) || 4 },
  };
}

/** The report as text, one fact per line. */
export function formatEnvironmentReport(r: EnvironmentReport): string {
  const lines = [
    `Node.js          ${r.node}`,
    ...(r.vscode ? [`VS Code          ${r.vscode}`] : []),
    `Platform         ${r.platform}/${r.arch} (${r.osRelease})`,
    `CPU              ${r.cpu.model}, ${r.cpu.cores} cores; ${r.memoryGiB} GiB memory`,
    r.ort.loaded
      ? `ONNX Runtime     ${r.ort.version} (from ${r.ort.source}); providers: ${r.ort.providers.map((p) => `${p.name}${p.bundled ? '' : ' (not bundled)'}`).join(', ') || 'not listed by this version'}`
      : `ONNX Runtime     unavailable: ${r.ort.error}`,
    ...(r.ort.note ? [`                 ${r.ort.note}`] : []),
    `Inference        ${r.inference.provider.toUpperCase()}: ${r.inference.reason}${r.inference.choice === 'auto' ? '' : ` [provider "${r.inference.choice}"]`}`,
    `Engine           ${r.engine.error ? `unavailable: ${r.engine.error}` : r.engine.backends.map((b) => `${b.name} ${b.available ? 'yes' : 'no'}${b.note ? ` (${b.note})` : ''}`).join('; ')}`,
    `Training         ${formatTraining(r.training)}`,
    `GPU              ${r.gpu.found ? '' : 'none: '}${r.gpu.reason}`,
    `                 driver: ${r.gpu.probes.procDriver}; nvidia-smi: ${r.gpu.probes.nvidiaSmi}; ${r.gpu.probes.libcuda}`,
    `Threads          ORT intra-op ${r.threads.ortSetting}; engine GEMM ${r.threads.engineGemm ?? 'n/a'}; libuv pool ${r.threads.libuvPool}`,
  ];
  return lines.join('\n');
}

function formatTraining(t: TrainingBackendReport): string {
  const source = t.from === 'setting' ? 'setting neuralLens.training.backend; each model\'s Train form can change it' : 'CLI default; train --device auto|cpu|cuda';
  const gets = t.gets === 'none' ? 'no backend' : t.gets.toUpperCase();
  return `backend "${t.choice}" (${source}) -> ${gets}: ${t.reason}`;
}
