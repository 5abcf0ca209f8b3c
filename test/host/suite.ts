/**
 * Entry point loaded by the REAL VS Code extension host (payload extensionTestsPath, see
 * test/e2e/run-host-tests.mjs). esbuild bundles this file and the test files it requires into
 * dist/test/suite.js; `mocha` stays external and resolves from the repo's node_modules
 * (the repo is the extensionDevelopmentPath). Results go to the JSON file named by
 * NL_HOST_TEST_RESULTS ({ passed, failed, failures: [{ title, error }], tests }), because the
 * extension host's console output is cut short when it exits.
 */
import * as fs from 'fs';
import * as path from 'path';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const Mocha = require('mocha');

interface Result { title: string; state: 'passed' | 'failed'; error?: string; ms?: number }

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30000, reporter: 'spec' });
  // Bundled test files cannot be addFile()d: set up describe/it globals, then require them (lazily bundled).
  mocha.suite.emit('pre-require', globalThis, 'bundle', mocha);
  require('./extension.test');

  const resultsFile = process.env.NL_HOST_TEST_RESULTS || path.join(__dirname, '..', '..', 'test-results', 'host-results.json');
  const results = {
    passed: 0, failed: 0, failures: [] as { title: string; error: string }[], tests: [] as Result[],
    node: process.version, execPath: process.execPath,
  };
  const write = () => {
    fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
    fs.writeFileSync(resultsFile, JSON.stringify(results, null, 2));
  };
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures: number) => {
        write();
        console.log(`[host-test] ${results.passed} passed, ${results.failed} failed`);
        if (failures > 0) reject(new Error(`${failures} tests failed.`)); else resolve();
      });
      runner.on('pass', (t: any) => {
        results.passed++;
        results.tests.push({ title: t.fullTitle(), state: 'passed', ms: t.duration });
        write();
      });
      runner.on('fail', (t: any, err: any) => {
        results.failed++;
        const error = String((err && err.stack) || err);
        results.tests.push({ title: t.fullTitle(), state: 'failed', error });
        results.failures.push({ title: t.fullTitle(), error });
        write();
      });
    } catch (e) {
      results.failed++;
      results.failures.push({ title: 'mocha setup', error: String(e) });
      write();
      reject(e);
    }
  });
}
