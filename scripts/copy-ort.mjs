// Puts ONNX Runtime next to the bundles, because the .vsix is packaged with --no-dependencies:
//   dist/ort/ort.js                                   onnxruntime-node + onnxruntime-common JS, bundled
//   dist/ort/bin/napi-v6/<platform>/<arch>/...        the native binding and the ORT shared library
// extension/inference/ortLoader.ts loads dist/ort/ort.js on first use (never at activation).
//
// Usage: node scripts/copy-ort.mjs [--targets=linux/x64,darwin/arm64 | --targets=all]
// Default target: this machine's platform/arch. Per target only what the binding loads is copied:
//   linux:  onnxruntime_binding.node, libonnxruntime.so.1 (RUNPATH $ORIGIN), plus any
//           libonnxruntime_providers_*.so present (CUDA/TensorRT providers, only if installed)
//   darwin: onnxruntime_binding.node, libonnxruntime.1.dylib (@rpath; the versioned copy is a duplicate)
//   win32:  onnxruntime_binding.node, onnxruntime.dll, DirectML.dll, dxcompiler.dll, dxil.dll
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const pkgDir = path.dirname(require.resolve('onnxruntime-node/package.json'));
const outDir = path.join(root, 'dist', 'ort');

const arg = process.argv.find((a) => a.startsWith('--targets='))?.slice('--targets='.length);
const binRoot = path.join(pkgDir, 'bin', 'napi-v6');
const allTargets = fs.readdirSync(binRoot).flatMap((p) => fs.readdirSync(path.join(binRoot, p)).map((a) => `${p}/${a}`));
const targets = !arg ? [`${process.platform}/${process.arch}`] : arg === 'all' ? allTargets : arg.split(',');

/** Files of one target's folder that the binding needs at run time. */
function neededFiles(target, files) {
  const [platform] = target.split('/');
  return files.filter((f) => {
    if (f === 'onnxruntime_binding.node') return true;
    if (platform === 'linux') return f === 'libonnxruntime.so.1' || /^libonnxruntime_providers_\w+\.so$/.test(f);
    if (platform === 'darwin') return f === 'libonnxruntime.1.dylib';
    if (platform === 'win32') return f.endsWith('.dll');
    return false;
  });
}

fs.rmSync(outDir, { recursive: true, force: true });
let bytes = 0;
for (const target of targets) {
  const src = path.join(binRoot, target);
  if (!fs.existsSync(src)) throw new Error(`onnxruntime-node has no binaries for ${target} (has: ${allTargets.join(', ')})`);
  const dst = path.join(outDir, 'bin', 'napi-v6', target);
  fs.mkdirSync(dst, { recursive: true });
  for (const f of neededFiles(target, fs.readdirSync(src))) {
    // Resolve symlinks (a CUDA provider may be linked in): the .vsix must hold real files.
    fs.copyFileSync(fs.realpathSync(path.join(src, f)), path.join(dst, f));
    bytes += fs.statSync(path.join(dst, f)).size;
  }
}

// binding.js requires `../bin/napi-v6/${platform}/${arch}/onnxruntime_binding.node`, relative to its
// own dist/ folder; in the bundle it must be relative to dist/ort/ instead, and hidden from esbuild.
const bindingPath = {
  name: 'ort-binding-path',
  setup(build) {
    build.onLoad({ filter: /onnxruntime-node[\\/]dist[\\/]binding\.js$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      const from = /require\(`\.\.\/bin\/napi-v6\/\$\{process\.platform\}\/\$\{process\.arch\}\/onnxruntime_binding\.node`\)/;
      if (!from.test(text)) throw new Error(`${args.path}: the binding require changed; update scripts/copy-ort.mjs`);
      const to = "require(require('path').join(__dirname, 'bin', 'napi-v6', process.platform, process.arch, 'onnxruntime_binding.node'))";
      return { contents: text.replace(from, to), loader: 'js' };
    });
  },
};
await esbuild.build({
  entryPoints: [path.join(pkgDir, 'dist', 'index.js')],
  outfile: path.join(outDir, 'ort.js'),
  bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, logLevel: 'warning',
  plugins: [bindingPath],
});
const version = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
fs.writeFileSync(path.join(outDir, 'version.json'), JSON.stringify({ onnxruntime: version, targets }) + '\n');
bytes += fs.statSync(path.join(outDir, 'ort.js')).size;
console.log(`copied onnxruntime-node ${version} (${targets.join(', ')}) to dist/ort: ${(bytes / 2 ** 20).toFixed(1)} MiB`);
