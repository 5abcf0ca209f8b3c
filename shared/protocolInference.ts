/**
 * Messages of the Run Model feature (inference, activations, compare, saliency) between the host
 * and the viewer webview; joined into ToWebview/FromWebview in protocol.ts. Plain data only;
 * float data travels as typed arrays (transferred as binary), never as JSON number lists.
 */
import type { HeatmapData, Histogram, TensorStats } from './protocol';

export interface TopKEntry {
  index: number;
  label: string;
  prob: number;
}

export interface OutputView {
  name: string;
  dims: number[];
  elemType: string;
  /** classes: a [1, K] / [K] float output shown as top-k; tensor: shape, stats and heatmap. */
  kind: 'classes' | 'tensor';
  topK?: TopKEntry[];
  /** 'softmax' when the output looked like logits and was softmaxed here; 'as-is' when it already summed to 1. */
  probsFrom?: 'softmax' | 'as-is';
  /** Where the labels came from: "model metadata", "labels.txt", or "" (class indices). */
  labelSource?: string;
  stats?: TensorStats;
  heatmap?: HeatmapData;
}

/** An RGBA picture (the model's input as an image). */
export interface ImagePixels {
  width: number;
  height: number;
  rgba: Uint8Array;
}

export interface SaliencyView {
  classIndex: number;
  label: string;
  width: number;
  height: number;
  /** |∂score/∂input|, max over channels, scaled to 0..1; width*height values. */
  values: Float32Array;
  /** One line: how it was computed. */
  method: string;
}

export interface NodeOverlay {
  /** Output shape label, e.g. "1×16×28×28". */
  shape: string;
  /** Node time in ms, when measured. */
  ms?: number;
}

export interface RunSummary {
  runId: number;
  modelFile: string;
  /** "digit-3.png → float32 [1, 1, 28, 28] (NCHW, mean 0, std 1)". */
  inputDescription: string;
  provider: 'cuda' | 'cpu';
  /** "CPU — CUDA not available: no NVIDIA driver …". */
  providerLine: string;
  latencyMs: number;
  /** The first run's latency (warm-up included), when the model was run twice. */
  firstLatencyMs?: number;
  ortVersion: string;
  outputs: OutputView[];
  /** Graph node id (main graph, "n3") → overlay. */
  overlays: Record<string, NodeOverlay>;
  /** Node ids whose outputs can be requested with requestActivation. */
  activationNodes: string[];
  /** Node outputs that could not be captured, with why. */
  skipped: string[];
  notes: string[];
  /** The input drawn as a picture, when it is an image (saliency is drawn over it). */
  inputImage?: ImagePixels;
  /** Set when the model looks like an image classifier: saliency can be asked for. */
  saliencyAvailable: boolean;
}

export interface ActivationData {
  runId: number;
  nodeId: string;
  outputName: string;
  dims: number[];
  elemType: string;
  /** maps: 4-D [N, C, H, W] (first item; channels as a grid); matrix: 2-D heatmap; bars: 1-D; scalar. */
  layout: 'maps' | 'matrix' | 'bars';
  /** maps: shown×H×W values (first batch item); matrix: rows×cols (block means when large); bars: up to 4096. */
  values: Float32Array;
  rows: number;
  cols: number;
  /** maps: channels in the tensor and how many are sent. */
  channels?: number;
  shown?: number;
  /** "mean of 2×2 blocks" / "first 64 of 128 channels" / "none". */
  note: string;
  stats: TensorStats;
  histogram: Histogram;
}

export interface CompareRow {
  nodeId: string;
  nodeName: string;
  opType: string;
  output: string;
  maxAbs: number;
  maxRel: number;
  mismatch?: string;
}

export interface CompareView {
  runId: number;
  rows: CompareRow[];
  atol: number;
  /** First row over atol, if any. */
  firstDivergent?: string;
  /** Node outputs only one backend produced. */
  onlyOne: string[];
  engineMs: number;
}

// ---- host -> webview ----

export type ToWebviewInference =
  | { type: 'runStarted'; label: string }
  | { type: 'runResult'; result: RunSummary }
  | { type: 'runError'; message: string; hint?: string }
  | { type: 'activation'; requestId: number; data?: ActivationData; error?: string }
  | { type: 'compareResult'; runId: number; compare?: CompareView; error?: string }
  | { type: 'saliencyResult'; runId: number; saliency?: SaliencyView; error?: string }
  /** Per-node times (ms) from ORT's profiler, keyed by graph node id; sent after runResult. */
  | { type: 'nodeTimes'; runId: number; ms: Record<string, number>; note: string };

// ---- webview -> host ----

export type FromWebviewInference =
  /** The toolbar's Run button: the host asks for the input with quick picks. */
  | { type: 'runModel' }
  | { type: 'requestActivation'; requestId: number; runId: number; nodeId: string }
  | { type: 'compareBackends'; runId: number }
  | { type: 'requestSaliency'; runId: number; classIndex: number };
