// Inference on the host: ONNX Runtime runs, activation capture, backend comparison and the
// environment report. Nothing here imports vscode; ORT itself loads on first use.
export { runOrt, releaseOrtSessions, type RunOrtOptions, type RunOrtResult, type Activation } from './runOrt';
export { createOrtSession, setOrtThreads, ortThreads, cudaStatus, toOrtTensor, fromOrtTensor, checkFeeds, ortSupportsType, type OrtSession, type SessionOptions } from './ortSession';
export { exposeIntermediates, nodeDisplayName, type CapturePoint, type ExposedModel } from './activations';
export { compareTensors, compareActivationMaps, allCloseFailure, type TensorDiff, type CompareReport } from './compare';
export { environmentReport, formatEnvironmentReport, type EnvironmentReport } from './environment';
export { probeGpu, type GpuProbe } from './gpuProbe';
export { loadOrt, locateOrt, type LoadedOrt } from './ortLoader';
export { InferenceError, type HostTensor, type ProviderChoice, type TypedArray } from './types';
