// External tensor data (data_location = EXTERNAL): bytes live in a side file next to the model
// and are read on demand by offset and length, so a model with gigabytes of external weights
// opens without touching them. The TensorRef caches what it read.
import fs from 'node:fs';
import path from 'node:path';
import { ModelLoadError } from './errors';
import type { ExternalLocation } from './model';

export class ExternalDataSource {
  /** Resolved path → file size (or an error message), looked up once per file. */
  private readonly files = new Map<string, number | string>();

  /**
   * @param baseDir the model's folder; undefined when the model was read from memory.
   * @param modelName file name used in messages.
   */
  constructor(readonly baseDir: string | undefined, readonly modelName: string) {}

  /** Why this tensor's bytes cannot be read, or undefined when they can. Does not read data. */
  problem(ext: ExternalLocation, tensorName: string): string | undefined {
    const resolved = this.resolve(ext, tensorName);
    if (resolved instanceof ModelLoadError) return resolved.message;
    const size = this.size(resolved);
    if (typeof size === 'string') return `Tensor "${tensorName}": external data file "${ext.location}" ${size}.`;
    const end = ext.offset + (ext.length ?? 0);
    if (end > size) {
      return `Tensor "${tensorName}": external data file "${ext.location}" has ${size} bytes, but the tensor needs bytes ${ext.offset}–${end}.`;
    }
    return undefined;
  }

  /** Reads the tensor's bytes; throws ModelLoadError('externalData') naming the file. */
  read(ext: ExternalLocation, tensorName: string, expectedBytes: number): Uint8Array {
    const resolved = this.resolve(ext, tensorName);
    if (resolved instanceof ModelLoadError) throw resolved;
    const problem = this.problem(ext, tensorName);
    if (problem) throw new ModelLoadError('externalData', problem, this.hint(ext));
    const size = this.size(resolved) as number;
    const length = ext.length ?? Math.min(expectedBytes, size - ext.offset);
    const out = Buffer.allocUnsafeSlow(length);
    let fd: number;
    try {
      fd = fs.openSync(resolved, 'r');
    } catch (e) {
      // The file was there when the model opened but is gone or unreadable now.
      this.files.delete(resolved);
      throw new ModelLoadError('externalData',
        `Tensor "${tensorName}": external data file "${ext.location}" cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`,
        this.hint(ext));
    }
    try {
      let done = 0;
      while (done < length) {
        const n = fs.readSync(fd, out, done, length - done, ext.offset + done);
        if (n === 0) break;
        done += n;
      }
      if (done < length) {
        throw new ModelLoadError('externalData',
          `Tensor "${tensorName}": external data file "${ext.location}" ended after ${done} of ${length} bytes.`, this.hint(ext));
      }
    } finally {
      fs.closeSync(fd);
    }
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }

  private resolve(ext: ExternalLocation, tensorName: string): string | ModelLoadError {
    if (!this.baseDir) {
      return new ModelLoadError('externalData',
        `Tensor "${tensorName}" keeps its data in "${ext.location}", but ${this.modelName} was not read from a file, so that file cannot be located.`,
        'Open the model from its folder on disk.');
    }
    // ONNX requires external paths to stay inside the model's folder; refuse anything else.
    const resolved = path.resolve(this.baseDir, ext.location);
    const rel = path.relative(this.baseDir, resolved);
    if (path.isAbsolute(ext.location) || rel.startsWith('..') || path.isAbsolute(rel)) {
      return new ModelLoadError('externalData',
        `Tensor "${tensorName}" points outside the model's folder ("${ext.location}"); refusing to read it.`,
        'External data files must sit in the model\'s folder or below it.');
    }
    return resolved;
  }

  private size(resolved: string): number | string {
    let s = this.files.get(resolved);
    if (s === undefined) {
      try {
        const st = fs.statSync(resolved);
        s = st.isFile() ? st.size : 'is not a file';
      } catch (e) {
        s = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `cannot be read (${(e as Error).message})`;
      }
      this.files.set(resolved, s);
    }
    return s;
  }

  private hint(ext: ExternalLocation): string {
    return `Put "${ext.location}" next to ${this.modelName} (it was saved with the model as external data).`;
  }
}
