// Entry for `npm run bench:graph`: runs the TypeScript bench (and the project's TypeScript
// sources it measures) under tsx, the same loader the unit tests use.
//   node bench/graph/run.mjs [--sizes 1000,10000] [--kinds resnet,transformer]
//   node bench/graph/run.mjs --shots [--only cnn,mlp]   # screenshots in /tmp/nl-shots
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const script = path.join(here, args.includes('--shots') ? 'shots.ts' : 'bench.ts');
const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { stdio: 'inherit', cwd: path.resolve(here, '../..') });
process.exit(r.status ?? 1);
