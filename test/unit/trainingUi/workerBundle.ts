// Bundles the training worker once per test process into dist/ (beside the bundled
// mnist-sample and the native addon lookup), as the extension ships it (dist/trainWorker.js).
import fs from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';

let built: string | undefined;
export function workerFile(): string {
  if (built) return built;
  const out = path.resolve(__dirname, '../../../dist/trainWorker-unit.js');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  buildSync({
    entryPoints: [path.resolve(__dirname, '../../../extension/trainingUi/worker.ts')], bundle: true, platform: 'node',
    format: 'cjs', target: 'node20', outfile: out, external: ['vscode'], logLevel: 'error',
  });
  return (built = out);
}
