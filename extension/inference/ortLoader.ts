// Loads onnxruntime-node on first use only: its native library is 45 MB and must not slow down
// activation. In the packaged extension ORT lives in dist/ort/ (scripts/copy-ort.mjs); from a
// source checkout (tests, tsx) it comes from node_modules. The module names are passed to a
// runtime require so esbuild leaves them alone instead of trying to bundle a native addon.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type * as OrtModule from 'onnxruntime-node';
import { InferenceError } from './types';

export type Ort = typeof OrtModule;

export interface LoadedOrt {
  ort: Ort;
  version: string;
  /** Where it was loaded from: "dist/ort" (packaged) or "node_modules". */
  source: string;
  /** Folder holding the native binding and libonnxruntime; ORT loads provider libraries from here. */
  binDir: string;
}

let loading: LoadedOrt | undefined;
let failure: Error | undefined;

function hereFile(): string {
  // __filename is the bundle (dist/cli.js, dist/extension.js) when built, the .ts file under tsx.
  return typeof __filename === 'string' ? __filename : path.join(process.cwd(), 'index.js');
}

function napiDir(base: string): string {
  return path.join(base, 'bin', 'napi-v6', process.platform, process.arch);
}

/** Where ORT would be loaded from, without loading it (undefined when it is not installed). */
export function locateOrt(): { entry: string; source: string; binDir: string } | undefined {
  const bundled = path.join(path.dirname(hereFile()), 'ort');
  if (fs.existsSync(path.join(bundled, 'ort.js'))) {
    return { entry: path.join(bundled, 'ort.js'), source: 'dist/ort', binDir: napiDir(bundled) };
  }
  try {
    const req = createRequire(hereFile());
    const pkgName = ['onnxruntime', 'node'].join('-');
    const pkgJson = req.resolve(`${pkgName}/package.json`);
    return { entry: req.resolve(pkgName), source: 'node_modules', binDir: napiDir(path.dirname(pkgJson)) };
  } catch {
    return undefined;
  }
}

/** Loads ORT (once). Throws InferenceError saying why when it cannot be loaded. */
export function loadOrt(): LoadedOrt {
  if (loading) return loading;
  if (failure) throw failure;
  const where = locateOrt();
  if (!where) {
    failure = new InferenceError('ONNX Runtime is not installed (onnxruntime-node not found).',
      'Reinstall the extension; from a source checkout run `npm ci` with ONNXRUNTIME_NODE_INSTALL=skip.');
    throw failure;
  }
  try {
    const ort = createRequire(hereFile())(where.entry) as Ort;
    const version = ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown';
    loading = { ort, version, source: where.source, binDir: where.binDir };
    return loading;
  } catch (e) {
    failure = new InferenceError(`ONNX Runtime could not be loaded from ${where.source}: ${firstLine(e)}`,
      `Its native library is ${path.join(where.binDir, 'onnxruntime_binding.node')}; check that it exists and matches this platform (${process.platform}/${process.arch}).`);
    throw failure;
  }
}

export function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n').find((l) => l.trim() !== '')?.trim() ?? msg;
}
