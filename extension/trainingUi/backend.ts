// The engine backend a training run uses: the form's choice (auto / cpu / cuda, from
// `<model>.nltrain.json`) through selectBackend, with a name for people and the reason for
// the log. 'cuda' where CUDA cannot be used is a TrainingError naming why, not a crash.
// No vscode import: the worker and tests use it.

import type { Backend } from '../engine/backend';
import { selectBackend, type SelectedBackend } from '../engine/selectBackend';
import { cudaStatus } from '../engine/cuda/status';
import { setCudaTf32 } from '../engine/cuda/backend';
import type { TrainBackend } from '../../shared/protocolTraining';
import { TrainingError } from './errors';

export interface TrainingBackend {
  backend: Backend;
  /** "CPU" or "CUDA (device name)" */
  label: string;
  /** the choice, or why 'auto' fell back to the CPU */
  reason: string;
  /** 'auto' got the CPU because CUDA cannot be used here */
  fellBack: boolean;
}

export interface TrainingBackendOptions {
  /** TF32 tensor cores for GEMMs and convolutions (CUDA on sm_80+ only) */
  tf32?: boolean;
  /** for tests: turns TF32 on or off in the CUDA runtime, returns whether it is in effect */
  setTf32?: (on: boolean) => boolean;
}

/**
 * The backend for a run. The CPU path is exactly cpuBackend() as before (its own default
 * thread count). `select` is for tests.
 */
export function trainingBackend(choice: TrainBackend = 'cpu', select: (c: TrainBackend) => SelectedBackend = (c) => selectBackend(c),
  opts: TrainingBackendOptions = {}): TrainingBackend {
  let sel: SelectedBackend;
  try {
    sel = select(choice);
  } catch (e) {
    const msg = (e as Error).message.replace(/\s*Choose "auto" or "cpu" to train on the CPU\.\s*$/, '');
    throw new TrainingError({
      code: 'backend', message: /[.!?]$/.test(msg) ? msg : `${msg}.`,
      hint: 'Choose "auto" (CUDA when usable, else the CPU) or "cpu" as the backend in the Train Model form, or set "backend" in the .nltrain.json file.',
    });
  }
  const onCuda = sel.backend.name === 'cuda';
  const device = onCuda ? cudaStatus().device?.name : undefined;
  let reason = sel.reason, tf32 = false;
  if (onCuda) {
    // set either way: the runtime is shared by every run in this thread
    tf32 = (opts.setTf32 ?? setCudaTf32)(!!opts.tf32);
    if (tf32) reason += '; matrix products and convolutions on TF32 tensor cores';
    else if (opts.tf32) reason += '; TF32 was asked for, but this GPU has no TF32 tensor cores (compute capability 8.0 or later): full fp32';
  } else if (opts.tf32) reason += '; TF32 applies to the CUDA backend only';
  return {
    backend: sel.backend,
    label: onCuda ? `CUDA${device ? ` (${device})` : ''}${tf32 ? ' · TF32' : ''}` : 'CPU',
    reason,
    fellBack: choice === 'auto' && !onCuda,
  };
}
