// One build() per target (host, CLI, webview, in-host tests). `--watch` rebuilds on change,
// `--dev` keeps names and adds source maps.
import * as esbuild from 'esbuild';
import fs from 'node:fs';

const watch = process.argv.includes('--watch');
const dev = watch || process.argv.includes('--dev');

/** Targets. Host code is Node/CJS with `vscode` external; the webview is a browser IIFE. */
const targets = [
  {
    name: 'extension host',
    entryPoints: { extension: 'extension/extension.ts' },
    platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'],
  },
  {
    name: 'training worker',
    entryPoints: { trainWorker: 'extension/trainingUi/worker.ts' },
    platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'],
  },
  {
    name: 'training dashboard',
    entryPoints: { trainingDashboard: 'webview/training/main.ts' },
    platform: 'browser', format: 'iife', target: 'chrome120', loader: { '.css': 'css' },
    optional: true,
  },
  {
    name: 'cli',
    entryPoints: { cli: 'extension/cli/main.ts' },
    platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'],
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    name: 'webview',
    entryPoints: { webview: 'webview/main.ts' },
    platform: 'browser', format: 'iife', target: 'chrome120',
    loader: { '.css': 'css' },
    // Cytoscape's inner functions run measurably slower with keepNames; the layout worker
    // is built from function source and copes with renamed identifiers.
    keepNames: false,
  },
  {
    name: 'in-host tests',
    entryPoints: { 'test/suite': 'test/host/suite.ts' },
    platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'mocha'],
    optional: true,
  },
];

async function build(t) {
  const entries = Object.values(t.entryPoints);
  if (t.optional && !entries.every((e) => fs.existsSync(e))) return;
  const { name, optional, ...opts } = t;
  const options = {
    keepNames: true, ...opts, bundle: true, outdir: 'dist', sourcemap: dev, minify: !dev,
    logLevel: 'warning', metafile: false,
  };
  if (watch) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
    console.log(`watching ${name}`);
  } else {
    await esbuild.build(options);
    console.log(`built ${name}`);
  }
}

await Promise.all(targets.map(build));
