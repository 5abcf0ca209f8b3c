import type { ModelError, ModelErrorKind } from '../../shared/protocol';

/**
 * Why a model could not be opened (or a tensor's data could not be read). `message` names the
 * file and the problem in one sentence; `hint` says what the user can do about it.
 */
export class ModelLoadError extends Error implements ModelError {
  override readonly name = 'ModelLoadError';
  constructor(
    readonly kind: ModelErrorKind,
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }

  /** Plain-data form for the webview protocol. */
  toModelError(): ModelError {
    return { kind: this.kind, message: this.message, hint: this.hint };
  }
}

/** Turns anything thrown while opening a model into a protocol ModelError. */
export function toModelError(err: unknown, fileName = 'The model'): ModelError {
  if (err instanceof ModelLoadError) return err.toModelError();
  const message = err instanceof Error ? err.message : String(err);
  return { kind: 'io', message: `${fileName} could not be opened: ${message}`, hint: 'Check that the file is readable.' };
}
