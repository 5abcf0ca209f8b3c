/**
 * Writes media/samples/digits/digit-<d>.png: the first digit d (0–9) of the bundled
 * mnist-sample as a 28×28 grayscale PNG, so a new user can run the samples on a real image at
 * once (Neural Lens: Run Model… → Bundled digit image). Run: node --import tsx scripts/make-digit-images.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadMnistSample } from '../extension/datasets/mnistSample';
import { encodePng } from '../extension/inference/imageInput';
import { grayToImage } from '../extension/inference/inputBuilder';

const outDir = path.resolve(__dirname, '../media/samples/digits');
fs.mkdirSync(outDir, { recursive: true });
const ds = loadMnistSample();
const x = ds.x.data as Float32Array;
const done = new Set<number>();
for (let i = 0; i < ds.size && done.size < 10; i++) {
  const d = Number(ds.y.data[i]);
  if (done.has(d)) continue;
  done.add(d);
  const png = encodePng(grayToImage(x.subarray(i * 784, (i + 1) * 784)));
  fs.writeFileSync(path.join(outDir, `digit-${d}.png`), png);
  console.log(`digit-${d}.png  (mnist-sample #${i}, ${png.length} bytes)`);
}
