/**
 * The whole contract between the extension host and the model-viewer webview.
 * Both sides import this file and nothing else from each other. Plain data only:
 * no classes, no functions; typed arrays travel as transferable buffers.
 */

/** A dimension: a number when fixed, a name when symbolic ("batch"), null when unknown. */
export type Dim = number | string | null;

export interface TensorInfo {
  name: string;
  /** numpy-style element type name: float32, float16, int64, bool, … ("unknown" if not stated). */
  elemType: string;
  /** undefined when the rank is unknown. */
  shape?: Dim[];
}

export interface ModelSummary {
  fileName: string;
  fileSize: number;
  irVersion: number;
  producer: string; // "pytorch 2.3.0" or "" when absent
  domain: string;
  modelVersion: number;
  docString: string;
  opsetImports: { domain: string; version: number }[];
  metadata: Record<string, string>;
  inputs: TensorInfo[]; // graph inputs that are not initializers
  outputs: TensorInfo[];
  nodeCount: number; // top-level graph
  nodeCountWithSubgraphs: number;
  parameterCount: number; // elements of the top-level initializers
  opCounts: Record<string, number>; // top-level graph, op type -> count
}

export interface AttributeView {
  name: string;
  /** ONNX attribute type in lower case: float, int, string, tensor, graph, floats, ints, … */
  type: string;
  /** Pretty-printed value, short enough for a details panel (long lists elided with "…"). */
  value: string;
}

export interface WeightView {
  /** Initializer name; with graphId it identifies the tensor in requests. */
  name: string;
  elemType: string;
  shape: number[];
  elementCount: number;
  external: boolean;
}

export interface PortView {
  /** Formal name of the input/output slot when known (e.g. "X", "W", "B"), else "input 0". */
  slot: string;
  /** Tensor name ("" for an omitted optional input). */
  tensor: string;
  elemType?: string;
  shape?: Dim[];
  /** True when the tensor is an initializer (a weight folded into this node). */
  isWeight: boolean;
}

export interface SubgraphRef {
  attribute: string; // e.g. "then_branch", "body"
  graph: GraphView;
}

export interface NodeView {
  /** Unique across the whole model, including subgraphs ("n12", "n12/body/n3"). */
  id: string;
  name: string;
  opType: string;
  domain: string; // "" for the default ONNX domain
  inputs: PortView[];
  outputs: PortView[];
  attributes: AttributeView[];
  weights: WeightView[];
  parameterCount: number;
  subgraphs: SubgraphRef[];
  /** Set when the op is a model-local function; the function body is in GraphViewModel.functions. */
  functionId?: string;
  docString?: string;
  /** True when neither the ONNX standard nor a known domain defines this op (shown, flagged). */
  unknownOp?: boolean;
}

export interface TerminalView {
  id: string; // "in:<name>" / "out:<name>" prefixed by the graph's id for subgraphs
  kind: 'input' | 'output';
  tensor: TensorInfo;
}

export interface EdgeView {
  id: string;
  source: string; // node or terminal id
  target: string;
  tensor: string;
  /** Shape label such as "1×784" or "batch×10"; "" when unknown. */
  label: string;
}

export interface GraphView {
  /** "main" for the top-level graph, "<nodeId>/<attribute>" for subgraphs, "fn:<domain>:<name>" for functions. */
  id: string;
  name: string;
  nodes: NodeView[];
  inputs: TerminalView[];
  outputs: TerminalView[];
  edges: EdgeView[];
}

export interface GraphViewModel {
  summary: ModelSummary;
  graph: GraphView;
  functions: GraphView[];
  /** Problems that did not stop the model from opening (unknown ops, missing external data, …). */
  warnings: string[];
}

export type ModelErrorKind = 'empty' | 'notOnnx' | 'truncated' | 'corrupt' | 'externalData' | 'io' | 'tooLarge';

export interface ModelError {
  kind: ModelErrorKind;
  /** One sentence naming the problem, e.g. "model.onnx is not an ONNX model (it starts like a ZIP archive)." */
  message: string;
  /** What the user can do about it. */
  hint: string;
}

export interface TensorStats {
  min: number;
  max: number;
  mean: number;
  std: number;
  zeros: number; // count of exact zeros
  nanCount: number;
  infCount: number;
}

export interface Histogram {
  min: number;
  max: number;
  counts: number[]; // equal-width bins over [min, max]
}

/**
 * What a heatmap draws, prepared by the host.
 * - matrix: rows×cols values (2-D weights; others flattened to [dim0, rest]).
 * - kernels: 4-D conv weight [outC, inC, kh, kw] sent whole; the webview tiles one kh×kw kernel per cell.
 * - bars: 1-D (or scalar) values.
 * When the tensor has more cells than asked, the host averages blocks of blockRows×blockCols
 * source cells into one ("mean of 4×4 blocks") and says so in `aggregation`.
 */
export interface HeatmapData {
  graphId: string;
  tensor: string;
  dims: number[]; // the tensor's real shape
  layout: 'matrix' | 'kernels' | 'bars';
  rows: number;
  cols: number;
  blockRows: number; // 1 when not downsampled
  blockCols: number;
  aggregation: string; // "none" or e.g. "mean of 4×4 blocks"
  /** rows*cols values (matrix/bars), or the whole tensor in ONNX order (kernels). */
  values: Float32Array;
  kernel?: { outC: number; inC: number; kh: number; kw: number };
  stats: TensorStats;
  histogram: Histogram;
}

export interface ViewerSettings {
  collapseThreshold: number;
  showEdgeShapes: boolean;
  heatmapMaxCells: number;
}

// ---- host -> webview ----

export type ToWebview =
  | { type: 'init'; model: GraphViewModel | null; error?: ModelError; settings: ViewerSettings }
  | { type: 'weightStats'; requestId: number; graphId: string; stats: Record<string, TensorStats>; error?: string }
  | { type: 'heatmap'; requestId: number; data?: HeatmapData; error?: string }
  | { type: 'command'; command: 'fit' | 'exportPng' | 'exportSvg' | 'focusSearch' }
  | { type: 'exported'; path?: string; error?: string }
  | import('./protocolInference').ToWebviewInference
  | import('./protocolTraining').TrainingToViewer;

// ---- webview -> host ----

export type FromWebview =
  | { type: 'ready' }
  | { type: 'requestWeightStats'; requestId: number; graphId: string; tensors: string[] }
  | { type: 'requestHeatmap'; requestId: number; graphId: string; tensor: string; maxCells: number }
  /** Exported image: PNG as base64 (no data: prefix) or SVG text. The host asks where to save it. */
  | { type: 'saveExport'; format: 'png' | 'svg'; data: string; suggestedName: string }
  /** The first frame is on screen; lets the host log timings and tests wait for it. */
  | { type: 'rendered'; nodeCount: number; layoutMs: number; firstFrameMs: number }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | import('./protocolInference').FromWebviewInference
  | import('./protocolTraining').ViewerToTraining;
