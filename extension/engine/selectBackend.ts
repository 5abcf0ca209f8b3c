// The engine backend a user asked for: 'auto' (CUDA when it works here, else CPU, with the
// reason), 'cpu', or 'cuda' (an error saying why when CUDA cannot be used).

import type { Backend } from './backend';
import { cpuBackend } from './cpu/backend';
import { cudaBackend } from './cuda/backend';

export type BackendChoice = 'auto' | 'cpu' | 'cuda';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'cpu', 'cuda'];

export interface SelectedBackend {
  backend: Backend;
  /** Why this backend (for logs and the training form). */
  reason: string;
}

/** `threads` goes to cpuBackend as given (left out: cpuBackend's own default). */
export function selectBackend(choice: BackendChoice = 'auto', threads?: number): SelectedBackend {
  if (!BACKEND_CHOICES.includes(choice)) throw new Error(`unknown engine backend "${choice as string}" (auto, cpu, cuda)`);
  if (choice === 'cpu') return { backend: cpuBackend(threads), reason: 'cpu selected' };
  try {
    return { backend: cudaBackend(), reason: choice === 'cuda' ? 'cuda selected' : 'auto: CUDA is available' };
  } catch (e) {
    const why = (e as Error).message;
    if (choice === 'cuda') throw new Error(`The CUDA backend was selected but cannot be used: ${why}. Choose "auto" or "cpu" to train on the CPU.`);
    return { backend: cpuBackend(threads), reason: `auto: using the CPU (${why})` };
  }
}
