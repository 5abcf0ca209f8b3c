// While a model trains, the viewer's weight heatmaps show the trained values: the training
// manager registers a reader per model file here, and the viewer asks it before the file.
// No vscode import.

type Reader = (names: string[]) => Promise<Record<string, Float32Array>>;
const readers = new Map<string, Reader>();

export function setLiveWeights(modelPath: string, reader: Reader | undefined): void {
  if (reader) readers.set(modelPath, reader); else readers.delete(modelPath);
}

/** The trained values of one tensor of a model being trained, or undefined. */
export async function liveWeight(modelPath: string, name: string): Promise<Float32Array | undefined> {
  const r = readers.get(modelPath);
  if (!r) return undefined;
  try { return (await r([name]))[name]; } catch { return undefined; }
}

/** A tensor reference whose values are `values` (same name, type and shape). */
export function withValues<T extends object>(ref: T, values: Float32Array): T {
  return Object.assign(Object.create(ref) as T, { data: () => values, toFloat32: () => values });
}
