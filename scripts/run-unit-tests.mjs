// Runs every test/unit/**/*.test.ts with node's built-in test runner (TypeScript through tsx).
// Extra arguments pass through to `node --test` (e.g. --test-name-pattern=reader).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const unitDir = path.join(root, 'test', 'unit');

function findTests(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(full));
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) out.push(full);
  }
  return out.sort();
}

const files = findTests(unitDir).map((f) => path.relative(root, f));
if (files.length === 0) {
  console.error(`No unit tests found under ${path.relative(root, unitDir)}/.`);
  process.exit(1);
}
const child = spawn(process.execPath, ['--import', 'tsx', '--test', ...process.argv.slice(2), ...files], {
  cwd: root,
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
