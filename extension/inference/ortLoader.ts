// Loads onnxruntime-node on first use only: its native library is 45 MB and must not slow down
// activation. In the packaged extension ORT lives in dist/ort/ (scripts/copy-ort.mjs); from a
// source checkout (tests, tsx) it comes from node_modules. The module names are passed to a
// runtime require so esbuild leaves them alone instead of trying to bundle a native addon.
// A user may point the neuralLens.inference.onnxRuntimeFolder setting (or NEURAL_LENS_ORT_DIR
// for the CLI) at an onnxruntime-node installation of their own, e.g. one with the CUDA
// provider libraries that the bundled, offline-installed copy lacks; a folder that is not
// usable falls back to the bundled ORT, and the reason goes into `note`.
import fs from 'node:fs';
import os from 'node:os';
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
  /** Why the configured ONNX Runtime folder is not the one in use (absent when none is set or it is used). */
  note?: string;
}

export interface OrtLocation { entry: string; source: string; binDir: string; note?: string }

let folderSetting: string | undefined;

/**
 * The user's ONNX Runtime folder (the VS Code setting; '' or undefined = none, then
 * NEURAL_LENS_ORT_DIR applies). Returns false when ORT is already loaded: the new folder is
 * used from the next start of the extension host.
 */
export function setOrtFolder(dir: string | undefined): boolean {
  folderSetting = dir?.trim() || undefined;
  return !loading && !failure;
}

function configuredFolder(): string | undefined {
  return folderSetting ?? (process.env.NEURAL_LENS_ORT_DIR?.trim() || undefined);
}

/**
 * An onnxruntime-node package in `dir`: the package folder itself, or a folder holding it
 * (dir/onnxruntime-node, dir/node_modules/onnxruntime-node). A string says why there is none.
 */
export function ortInFolder(dir: string): OrtLocation | string {
  const abs = path.resolve(dir.replace(/^~(?=$|[\\/])/, os.homedir()));
  if (!fs.existsSync(abs)) return `${abs} does not exist`;
  const pkgName = ['onnxruntime', 'node'].join('-');
  for (const c of [abs, path.join(abs, pkgName), path.join(abs, 'node_modules', pkgName)]) {
    let name: unknown;
    try { name = JSON.parse(fs.readFileSync(path.join(c, 'package.json'), 'utf8')).name; } catch { continue; }
    if (name !== pkgName) continue;
    const binDir = napiDir(c);
    if (!fs.existsSync(path.join(binDir, 'onnxruntime_binding.node'))) {
      return `${c} has no ONNX Runtime binary for ${process.platform}/${process.arch} (${path.join(binDir, 'onnxruntime_binding.node')} is missing)`;
    }
    try {
      return { entry: createRequire(path.join(c, 'package.json')).resolve(c), source: `folder ${c}`, binDir };
    } catch (e) {
      return `${c}: its entry point cannot be resolved (${firstLine(e)})`;
    }
  }
  return `${abs} holds no onnxruntime-node package (looked for its package.json there, in ${pkgName}/ and in node_modules/${pkgName}/)`;
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
export function locateOrt(): OrtLocation | undefined {
  const dir = configuredFolder();
  if (!dir) return locateDefault();
  const found = ortInFolder(dir);
  if (typeof found !== 'string') return found;
  const fallback = locateDefault();
  return fallback && { ...fallback, note: `the ONNX Runtime folder is not used: ${found}` };
}

/** The ORT that ships with the extension (dist/ort), or node_modules from a source checkout. */
function locateDefault(): OrtLocation | undefined {
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
    loading = requireOrt(where);
  } catch (e) {
    // A user's folder that does not load (wrong platform, missing libraries) must not take
    // inference away: say why and use the bundled ORT.
    const fallback = where.source.startsWith('folder ') ? locateDefault() : undefined;
    if (!fallback) {
      failure = new InferenceError(`ONNX Runtime could not be loaded from ${where.source}: ${firstLine(e)}`,
        `Its native library is ${path.join(where.binDir, 'onnxruntime_binding.node')}; check that it exists and matches this platform (${process.platform}/${process.arch}).`);
      throw failure;
    }
    const note = `the ONNX Runtime folder is not used: loading it failed (${firstLine(e)})`;
    try {
      loading = { ...requireOrt(fallback), note };
    } catch (e2) {
      failure = new InferenceError(`ONNX Runtime could not be loaded from ${fallback.source}: ${firstLine(e2)} (${note})`,
        'Reinstall the extension, and check the neuralLens.inference.onnxRuntimeFolder setting.');
      throw failure;
    }
  }
  return loading;
}

function requireOrt(where: OrtLocation): LoadedOrt {
  const ort = createRequire(hereFile())(where.entry) as Ort;
  const version = ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown';
  return { ort, version, source: where.source, binDir: where.binDir, ...(where.note ? { note: where.note } : {}) };
}

export function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n').find((l) => l.trim() !== '')?.trim() ?? msg;
}
