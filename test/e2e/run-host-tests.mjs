// Runs the mocha suite (test/host/*.ts → dist/test/suite.js) INSIDE the real code-server extension host,
// with the repo as extensionDevelopmentPath (so `require('mocha')` resolves from the repo's node_modules).
// Needs code-server started with --vscode-option enable-smoke-test-driver (else ?payload= is ignored).
// Env: CS_URL, WS (workspace folder), RESULTS (JSON written by the suite), REPO, E2E_OUT, TIMEOUT_MS.
import fs from 'node:fs';
import path from 'node:path';
import { BASE, OUT, REPO, launch, log, shot } from './lib.mjs';

const WS = process.env.WS;
const RESULTS = process.env.RESULTS || path.join(OUT, 'host-results.json');
const suite = path.join(REPO, 'dist/test/suite.js');
const fail = (msg) => {
  console.log(`FAIL in-host suite: ${msg}`);
  fs.writeFileSync(RESULTS, JSON.stringify({ passed: 0, failed: 1, failures: [{ title: 'in-host suite', error: msg }] }, null, 2));
  process.exit(1);
};
if (!fs.existsSync(suite)) fail(`${suite} missing (npm run build builds it from test/host/suite.ts)`);
fs.rmSync(RESULTS, { force: true });

const host = new URL(BASE).host;
const payload = [
  ['extensionDevelopmentPath', `vscode-remote://${host}${REPO}`],
  ['extensionTestsPath', `vscode-remote://${host}${suite}`],
  ['extensionEnvironment', JSON.stringify({ NL_HOST_TEST_RESULTS: RESULTS, NL_TEST_WORKSPACE: WS, NL_EXT_DEV_PATH: REPO })],
];
const { browser, page } = await launch();
page.on('console', (m) => {
  const t = m.text();
  if (/^\s*(✔|✓|\d+\) |[0-9]+ passing|[0-9]+ failing|\[host-test\])/.test(t) || m.type() === 'error' && /neural|Neural|mocha|suite/.test(t)) console.log('  [host]', t.slice(0, 400));
});
const exitCode = new Promise((resolve) => {
  // VS Code's browser extension service calls window.codeAutomationExit(code, logs) when the test runner ends.
  page.exposeFunction('codeAutomationExit', async (code, logs) => {
    const dir = path.join(OUT, 'logs', 'host-window');
    fs.rmSync(dir, { recursive: true, force: true });
    for (const { relativePath, contents } of logs || []) {
      const f = path.join(dir, relativePath); fs.mkdirSync(path.dirname(f), { recursive: true }); fs.writeFileSync(f, contents);
    }
    resolve(code);
  });
});
const limit = Number(process.env.TIMEOUT_MS || 150000);
const timeout = new Promise((r) => setTimeout(() => r('timeout'), limit));
log('in-host suite: starting extension host with the repo as dev path');
await page.goto(`${BASE}/?folder=${encodeURIComponent(WS)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
const code = await Promise.race([exitCode, timeout]);
log('extension host exit code:', code);
await shot(page, 'host-suite-end');
await browser.close();

let r;
try { r = JSON.parse(fs.readFileSync(RESULTS, 'utf8')); } catch { fail(`no results file ${RESULTS} (exit code ${code}; logs in ${OUT}/logs)`); }
for (const t of r.tests || []) console.log(`${t.state === 'passed' ? 'PASS' : 'FAIL'} [host] ${t.title}${t.error ? `\n     ${t.error.split('\n').slice(0, 4).join('\n     ')}` : ''}`);
if (code === 'timeout') {
  r.failed++; (r.failures ||= []).push({ title: 'in-host suite', error: `did not finish within ${limit} ms` });
  fs.writeFileSync(RESULTS, JSON.stringify(r, null, 2));
}
console.log(`in-host: ${r.passed} passed, ${r.failed} failed`);
process.exit(code === 0 && r.failed === 0 && r.passed > 0 ? 0 : 1);
