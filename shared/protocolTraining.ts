/**
 * The training contract: the job a training worker runs, the messages between the training
 * controller (extension host) and its worker thread, the messages of the training dashboard
 * webview, and the two messages the model viewer takes while a job runs (gradient flow,
 * weights changed). Plain data only; per-layer numbers travel as typed arrays (transferred or
 * structured-cloned as binary), never as JSON lists of floats.
 */

export type TrainLoss = 'cross-entropy' | 'mse' | 'bce';
export type TrainOptimizer = 'sgd' | 'adam' | 'adamw';
export type TrainSchedule = 'constant' | 'step' | 'cosine';
/** auto: CUDA when it works here, else the CPU (the reason is logged); cuda: fail with the reason when it does not. */
export type TrainBackend = 'auto' | 'cpu' | 'cuda';

/** Everything a run needs, resolved to absolute paths. The `.nltrain.json` file is its user-facing form. */
export interface TrainJob {
  modelPath: string;
  /** "mnist-sample", a .npz / .npy / .csv / IDX file, or a folder */
  data: string;
  labels?: string;
  /** graph input fed with the data (default: the first) */
  input?: string;
  loss: TrainLoss;
  optimizer: TrainOptimizer;
  lr: number;
  momentum?: number;
  weightDecay?: number;
  schedule: TrainSchedule;
  /** step decay: every stepSize steps multiply by gamma; cosine anneals over the run */
  stepSize?: number;
  gamma?: number;
  warmupSteps?: number;
  batchSize: number;
  epochs: number;
  /** stop after this many steps instead of whole epochs */
  steps?: number;
  valSplit: number;
  seed: number;
  clipNorm?: number;
  /** initializer names, or node names whose initializers are all frozen */
  freeze: string[];
  backend: TrainBackend;
  /** let GEMMs and convolutions on the CUDA backend use TF32 tensor cores (sm_80+; ignored on the CPU) */
  tf32?: boolean;
  /** written atomically, periodically and at stop */
  checkpointPath: string;
  checkpointEverySec: number;
  /** continue from this checkpoint */
  resumeFrom?: string;
  /** metrics files: `${metricsBase}.csv` and `${metricsBase}.jsonl` */
  metricsBase: string;
  /** seconds between weight/gradient histograms (default 1) */
  histogramEverySec?: number;
  /** slow each step down (tests and demos; 0 by default) */
  stepDelayMs?: number;
}

/** A layer as the viewer draws it: the top-level ONNX node `n<index>` holding trainable initializers. */
export interface TrainLayer {
  nodeId: string;
  name: string;
  opType: string;
  /** indices into TrainReady.params */
  params: number[];
}

export type TrainErrorCode =
  | 'labelsOutOfRange' | 'inputShape' | 'lossOutput' | 'nanLoss' | 'noImages' | 'outOfMemory'
  | 'dataset' | 'model' | 'checkpoint' | 'save' | 'backend' | 'internal';

export interface TrainError {
  code: TrainErrorCode;
  /** One sentence naming the problem. */
  message: string;
  /** What to do about it. */
  hint: string;
  step?: number;
  layer?: string;
}

export interface TrainReady {
  modelPath: string;
  params: string[];
  layers: TrainLayer[];
  totalSteps: number;
  stepsPerEpoch: number;
  trainSize: number;
  valSize: number;
  numClasses?: number;
  /** step the run starts at (> 0 after a resume) */
  startStep: number;
  resumedFrom?: string;
  /** the backend training runs on, for people: "CPU" or "CUDA (NVIDIA H100 …)" */
  backend: string;
  /** why that backend: the choice, or the reason 'auto' fell back to the CPU */
  backendReason: string;
  /** 'auto' asked for CUDA and got the CPU (backendReason says why) */
  backendFallback?: boolean;
}

/** Steps since the previous batch; parallel arrays. accuracy is NaN where not defined. */
export interface MetricsBatch {
  step: Float64Array;
  epoch: Float64Array;
  loss: Float32Array;
  accuracy: Float32Array;
  lr: Float32Array;
  samplesPerSec: Float32Array;
  gradNorm: Float32Array;
  /** of the last step in the batch, one per layer (TrainReady.layers order): L2 over its parameters */
  layerGradNorms: Float32Array;
  layerWeightNorms: Float32Array;
  elapsedMs: number;
  /** estimated time left; NaN until known */
  etaMs: number;
}

/** Distributions at one step: bins per layer, over [min, max] of each. */
export interface HistogramSnapshot {
  step: number;
  bins: number;
  /** layers × bins counts, and layers × 2 (min, max) */
  weightCounts: Float32Array;
  weightRange: Float32Array;
  gradCounts: Float32Array;
  gradRange: Float32Array;
  /** ‖Δw‖ / ‖w‖ of the step, per layer */
  updateRatio: Float32Array;
}

export interface EpochSummary {
  epoch: number;
  trainLoss: number;
  trainAccuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  elapsedMs: number;
}

export interface TrainSummary {
  steps: number;
  epochs: number;
  seconds: number;
  finalLoss?: number;
  finalAccuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  bestEpoch?: number;
  bestValLoss?: number;
  /** classes × classes, row = true label, column = prediction (validation set) */
  confusion?: { classes: number; counts: Uint32Array };
  stopped: boolean;
  checkpointPath?: string;
  /** as TrainReady.backend */
  backend?: string;
}

export type TrainState = 'starting' | 'running' | 'paused' | 'stopping' | 'stopped' | 'finished' | 'failed';

// ---- controller -> worker ----

export type ToTrainWorker =
  | { type: 'start'; job: TrainJob }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'checkpoint'; requestId: number }
  | { type: 'save'; requestId: number; path: string }
  | { type: 'getWeights'; requestId: number; names: string[] };

// ---- worker -> controller ----

export type FromTrainWorker =
  | { type: 'ready'; ready: TrainReady }
  | { type: 'metrics'; batch: MetricsBatch }
  | { type: 'histograms'; snapshot: HistogramSnapshot }
  | { type: 'epoch'; summary: EpochSummary }
  | { type: 'weightsChanged'; step: number }
  | { type: 'state'; state: TrainState }
  | { type: 'checkpointed'; requestId?: number; path: string; step: number; error?: string }
  | { type: 'saved'; requestId: number; path?: string; error?: string }
  | { type: 'weights'; requestId: number; values: Record<string, Float32Array> }
  | { type: 'done'; summary: TrainSummary }
  | { type: 'error'; error: TrainError };

// ---- host -> dashboard webview ----

export type ToDashboard =
  | { type: 'reset'; title: string; job: TrainJob }
  | FromTrainWorker
  | { type: 'exported'; path?: string; error?: string };

// ---- dashboard webview -> host ----

export type FromDashboard =
  | { type: 'ready' }
  | { type: 'control'; action: 'pause' | 'resume' | 'stop' | 'saveAs' | 'resumeCheckpoint' }
  /** PNG as base64 without the data: prefix */
  | { type: 'savePng'; data: string; suggestedName: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

// ---- host -> model viewer (added to ToWebview) ----

export type TrainingToViewer =
  /** gradient L2 norm per layer node id; empty to clear the overlay */
  | { type: 'gradientFlow'; step: number; nodeIds: string[]; gradNorms: Float32Array }
  /** trained weights moved: re-request open heatmaps (throttled by the host) */
  | { type: 'weightsChanged'; step: number };

// ---- model viewer -> host (added to FromWebview) ----

export type ViewerToTraining =
  /** the viewer's Train button */
  | { type: 'train' }
  /** the viewer drew the gradient overlay (tests wait for it) */
  | { type: 'gradientFlowShown'; layers: number; vanishing: number; exploding: number };
