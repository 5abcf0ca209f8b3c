// The host side of Run Model in the viewer: asks for the input, runs ONNX Runtime (with every
// intermediate tensor) off the UI thread's way, keeps the activations per document, and answers
// the webview's requests for one activation, a Compare with the engine, or a saliency map.
// Activation tensors stay here; the webview gets one at a time as typed arrays.
import * as vscode from 'vscode';
import fs from 'node:fs';
import path from 'node:path';
import type { ToWebview } from '../../shared/protocol';
import type { CompareView, FromWebviewInference, NodeOverlay, OutputView, RunSummary } from '../../shared/protocolInference';
import type { OnnxDocument } from '../editor/onnxDocument';
import { log } from '../log';
import { InputPicker, type PickedInputs } from './inputPicker';
import { tensorToImage } from './imageInput';
import { activationData, outputView, parseLabels, shapeLabel } from './outputViews';
import { asProviderChoice, InferenceError, type HostTensor } from './types';

type Post = (m: ToWebview) => void;

interface RunState {
  runId: number;
  modelPath: string;
  picked: PickedInputs;
  /** node id ("n3") → its outputs (name, tensor). */
  activations: Map<string, { outputName: string; tensor: HostTensor }[]>;
  /** output name → node id / node name / op type. */
  producers: Map<string, { nodeId: string; nodeName: string; opType: string }>;
  ortValues: Record<string, HostTensor>;
  classOutput?: { name: string; labels: string[] };
}

let context: vscode.ExtensionContext | undefined;
let nextRunId = 1;
const runs = new Map<string, RunState>();
const MAX_RUNS = 3;
let busy = false;

export function initRunController(ctx: vscode.ExtensionContext): void {
  context = ctx;
}

export async function handleViewerMessage(doc: OnnxDocument, post: Post, m: FromWebviewInference): Promise<void> {
  switch (m.type) {
    case 'runModel': return runModel(doc, post);
    case 'requestActivation': return sendActivation(doc, post, m.requestId, m.runId, m.nodeId);
    case 'compareBackends': return compare(doc, post, m.runId);
    case 'requestSaliency': return sendSaliency(doc, post, m.runId, m.classIndex);
  }
}

function report(post: Post, e: unknown, what: string): void {
  const err = e as { message?: string; hint?: string };
  const message = err?.message ?? String(e);
  const hint = e instanceof InferenceError ? e.hint : undefined;
  log.error(`${what}: ${message}${hint ? ` ${hint}` : ''}`);
  if (!(e instanceof InferenceError) && e instanceof Error && e.stack) log.error(e.stack);
  post({ type: 'runError', message, hint });
  void vscode.window.showErrorMessage(`Neural Lens: ${message}${hint ? ` ${hint}` : ''}`);
}

/** Labels for a class output: model metadata "labels", else labels.txt / <model>.labels.txt beside the model. */
function labelsFor(doc: OnnxDocument, modelPath: string): { labels: string[]; source: string } {
  const meta = doc.view?.summary.metadata?.labels;
  if (meta) return { labels: parseLabels(meta), source: 'model metadata' };
  const base = modelPath.replace(/\.onnx$/i, '');
  for (const f of [`${base}.labels.txt`, `${base}.txt`, path.join(path.dirname(modelPath), 'labels.txt')]) {
    try {
      if (fs.existsSync(f)) return { labels: parseLabels(fs.readFileSync(f, 'utf8')), source: path.basename(f) };
    } catch { /* unreadable: no labels */ }
  }
  return { labels: [], source: '' };
}

export async function runModel(doc: OnnxDocument, post: Post): Promise<void> {
  if (!doc.view || !doc.model) {
    return report(post, new InferenceError(doc.error?.message ?? 'The model could not be read, so it cannot be run.'), 'Run Model');
  }
  if (doc.uri.scheme !== 'file') return report(post, new InferenceError('Only models on disk can be run (this one is not a file: URI).'), 'Run Model');
  if (busy) return void vscode.window.showInformationMessage('Neural Lens: a run is already in progress.');
  const modelPath = doc.uri.fsPath;
  const picker = new InputPicker(context!.workspaceState, context!.extensionUri);
  let picked: PickedInputs | undefined;
  try {
    picked = await picker.pick(modelPath, doc.view.summary.inputs);
  } catch (e) {
    return report(post, e, 'Run Model input');
  }
  if (!picked) return;
  busy = true;
  post({ type: 'runStarted', label: path.basename(modelPath) });
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Running ${path.basename(modelPath)}…` }, async () => {
      const state = await execute(doc, modelPath, picked!, post);
      const key = doc.uri.toString();
      runs.delete(key);
      runs.set(key, state);
      // activations stay on the host: keep the last runs of a few documents only
      while (runs.size > MAX_RUNS) runs.delete(runs.keys().next().value as string);
    });
  } catch (e) {
    report(post, e, 'Run Model');
  } finally {
    busy = false;
  }
}

async function execute(doc: OnnxDocument, modelPath: string, picked: PickedInputs, post: Post): Promise<RunState> {
  const { runOrt } = await import('./runOrt');
  const provider = asProviderChoice(vscode.workspace.getConfiguration('neuralLens').get('inference.provider', 'auto'));
  const first = await runOrt(modelPath, picked.inputs, { activations: true, provider });
  // the first run of a new session pays one-off allocations; a small model runs once more so the
  // latency shown is the steady one (the first is reported beside it)
  const small = fs.statSync(modelPath).size < 32 * 2 ** 20 && first.latencyMs < 2000;
  const res = small ? await runOrt(modelPath, picked.inputs, { activations: true, provider }) : first;
  const runId = nextRunId++;
  const model = doc.model!;
  const producers = new Map<string, { nodeId: string; nodeName: string; opType: string }>();
  model.graph.nodes.forEach((n, i) => {
    for (const o of n.outputs) if (o) producers.set(o, { nodeId: `n${i}`, nodeName: n.name || `${n.opType}_${i}`, opType: n.opType });
  });
  const activations = new Map<string, { outputName: string; tensor: HostTensor }[]>();
  const overlays: Record<string, NodeOverlay> = {};
  const ortValues: Record<string, HostTensor> = {};
  for (const a of res.activations ?? []) {
    const p = producers.get(a.outputName);
    if (!p) continue;
    ortValues[a.outputName] = a.tensor;
    const list = activations.get(p.nodeId) ?? [];
    list.push({ outputName: a.outputName, tensor: a.tensor });
    activations.set(p.nodeId, list);
    if (list.length === 1) overlays[p.nodeId] = { shape: shapeLabel(a.tensor.dims) };
  }
  for (const [name, t] of Object.entries(res.outputs)) {
    ortValues[name] = t;
    const p = producers.get(name);
    if (p && !activations.has(p.nodeId)) {
      activations.set(p.nodeId, [{ outputName: name, tensor: t }]);
      overlays[p.nodeId] = { shape: shapeLabel(t.dims) };
    }
  }
  // graph inputs and outputs too: clicking them shows what went in and what came out
  for (const [name, t] of Object.entries(picked.inputs)) activations.set(`in:${name}`, [{ outputName: name, tensor: t }]);
  for (const [name, t] of Object.entries(res.outputs)) activations.set(`out:${name}`, [{ outputName: name, tensor: t }]);
  const { labels, source } = labelsFor(doc, modelPath);
  const outputs: OutputView[] = Object.entries(res.outputs).map(([name, t]) => outputView(name, t, labels, source));
  const cls = outputs.find((o) => o.kind === 'classes');
  const providerLine = res.provider === 'cuda' ? `CUDA — ${res.providerReason}` : `CPU — ${res.providerReason}`;
  const inputImage = picked.image ? tensorToImage(picked.inputs[picked.image.inputName], picked.image.target) : undefined;
  const notes: string[] = [];
  if (cls?.probsFrom === 'softmax') notes.push(`"${cls.name}" looked like logits: probabilities are its softmax.`);
  const k = cls ? cls.dims[cls.dims.length - 1] : 0;
  if (cls?.topK?.length && cls.topK[0].prob < 1.5 / k) {
    notes.push(`The classes are almost equally likely (top ${(cls.topK[0].prob * 100).toFixed(1)}% of ${k}): the model looks untrained. The bundled samples start untrained — train one with Neural Lens: Train Model…, then run it again.`);
  }
  if (cls && !cls.labelSource) notes.push('No labels in the model metadata ("labels") or a labels.txt beside the model: classes are shown by index.');
  const summary: RunSummary = {
    runId, modelFile: path.basename(modelPath), inputDescription: picked.description,
    provider: res.provider, providerLine, latencyMs: res.latencyMs, firstLatencyMs: small ? first.latencyMs : undefined, ortVersion: res.ortVersion,
    outputs, overlays, activationNodes: [...activations.keys()],
    skipped: (res.skippedActivations ?? []).map((s) => `${s.outputName}: ${s.reason}`),
    notes,
    inputImage: inputImage && { width: inputImage.width, height: inputImage.height, rgba: inputImage.data },
    saliencyAvailable: !!(picked.image && cls),
  };
  log.info(`Ran ${summary.modelFile} on ${picked.description.split('\n')[0]}: ${res.latencyMs.toFixed(2)} ms on ${providerLine}; ${activations.size} node activations captured`);
  post({ type: 'runResult', result: summary });
  const state: RunState = { runId, modelPath, picked, activations, producers, ortValues, classOutput: cls ? { name: cls.name, labels } : undefined };
  // saliency of the top class right away, so the overlay is there without another click
  if (summary.saliencyAvailable && cls?.topK?.length) setTimeout(() => void sendSaliencyFor(state, post, cls.topK![0].index), 0);
  setTimeout(() => void sendNodeTimes(state, post), 0);
  return state;
}

/** Per-node times from a profiled CPU session (optimizations off, so nodes keep their names). */
async function sendNodeTimes(s: RunState, post: Post): Promise<void> {
  try {
    const { profileNodeTimes } = await import('./nodeTimes');
    const byName = await profileNodeTimes(s.modelPath, s.picked.inputs);
    const ms: Record<string, number> = {};
    for (const p of s.producers.values()) { const t = byName.get(p.nodeName); if (t !== undefined) ms[p.nodeId] = t; }
    post({ type: 'nodeTimes', runId: s.runId, ms, note: 'ORT profiler, CPU, graph optimizations off, mean of 4 runs' });
  } catch (e) {
    log.warn(`Per-node times unavailable: ${(e as Error).message}`);
  }
}

function stateFor(doc: OnnxDocument, runId: number): RunState | undefined {
  const s = runs.get(doc.uri.toString());
  return s && s.runId === runId ? s : undefined;
}

async function sendActivation(doc: OnnxDocument, post: Post, requestId: number, runId: number, nodeId: string): Promise<void> {
  const s = stateFor(doc, runId);
  if (!s) return post({ type: 'activation', requestId, error: 'This run is no longer available; run the model again.' });
  const outs = s.activations.get(nodeId);
  if (!outs?.length) return post({ type: 'activation', requestId, error: 'ONNX Runtime returned no tensor for this node.' });
  try {
    const { outputName, tensor } = outs[0];
    post({ type: 'activation', requestId, data: activationData(runId, nodeId, outputName, tensor) });
  } catch (e) {
    post({ type: 'activation', requestId, error: `Cannot show this activation: ${(e as Error).message}` });
  }
}

async function compare(doc: OnnxDocument, post: Post, runId: number): Promise<void> {
  const s = stateFor(doc, runId);
  if (!s) return post({ type: 'compareResult', runId, error: 'This run is no longer available; run the model again.' });
  try {
    const { runEngine } = await import('./engineRun');
    const { compareActivationMaps } = await import('./compare');
    const eng = runEngine(s.modelPath, s.picked.inputs);
    const nodeOf: Record<string, string> = {};
    for (const [o, p] of s.producers) nodeOf[o] = p.nodeName;
    const atol = 1e-4;
    const rep = compareActivationMaps(s.ortValues, eng.values, { nodeOf, atol });
    const view: CompareView = {
      runId, atol, engineMs: eng.ms,
      rows: rep.layers.map((l) => {
        const p = s.producers.get(l.name);
        return { nodeId: p?.nodeId ?? '', nodeName: p?.nodeName ?? l.name, opType: p?.opType ?? '', output: l.name, maxAbs: l.maxAbsDiff, maxRel: l.maxRelDiff, mismatch: l.mismatch };
      }),
      firstDivergent: rep.firstDivergent ? (s.producers.get(rep.firstDivergent.name)?.nodeName ?? rep.firstDivergent.name) : undefined,
      onlyOne: [...rep.onlyInA, ...rep.onlyInB],
    };
    log.info(`Compare ORT vs engine on ${path.basename(s.modelPath)}: ${view.rows.length} tensors, first over ${atol}: ${view.firstDivergent ?? 'none'}`);
    post({ type: 'compareResult', runId, compare: view });
  } catch (e) {
    const message = (e as Error).message;
    log.error(`Compare failed: ${message}`);
    post({ type: 'compareResult', runId, error: message + (e instanceof InferenceError && e.hint ? ` ${e.hint}` : '') });
  }
}

async function sendSaliency(doc: OnnxDocument, post: Post, runId: number, classIndex: number): Promise<void> {
  const s = stateFor(doc, runId);
  if (!s) return post({ type: 'saliencyResult', runId, error: 'This run is no longer available; run the model again.' });
  return sendSaliencyFor(s, post, classIndex);
}

async function sendSaliencyFor(s: RunState, post: Post, classIndex: number): Promise<void> {
  if (!s.picked.image || !s.classOutput) return post({ type: 'saliencyResult', runId: s.runId, error: 'Saliency needs an image input and a class output.' });
  try {
    const { saliency } = await import('./engineRun');
    const { inputName, target } = s.picked.image;
    const m = saliency(s.modelPath, s.picked.inputs, inputName, s.classOutput.name, classIndex, target);
    const label = s.classOutput.labels[classIndex] ?? String(classIndex);
    post({
      type: 'saliencyResult', runId: s.runId,
      saliency: { classIndex, label, width: m.width, height: m.height, values: m.values, method: `|∂ ${s.classOutput.name}[${classIndex}] / ∂ ${inputName}| (engine backward), max over channels; largest ${m.maxGrad.toPrecision(3)}` },
    });
  } catch (e) {
    post({ type: 'saliencyResult', runId: s.runId, error: (e as Error).message });
  }
}
