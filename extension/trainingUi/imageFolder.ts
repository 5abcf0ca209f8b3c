// Image-folder datasets: one subfolder per class (sorted names → labels 0, 1, …), PNG or JPEG
// files inside, each decoded, resized to the model's image input and scaled to 0..1 (the image
// helpers of Run Model). A folder without images, or with images but no class subfolders, gets
// a clear TrainingError. Large folders (decoded size ≥ 512 MB, or `stream: true`) are not
// decoded up front: each batch decodes its own files (a bad file then fails that step).

import fs from 'node:fs';
import path from 'node:path';
import { Tensor } from '../engine/tensor';
import { makeDataset, makeStreamingDataset, type Dataset } from '../datasets/dataset';
import { shouldStream, type StreamChoice } from '../datasets/stream';
import { decodeImage, imageTargetFor, imageToTensor } from '../inference/imageInput';
import { TrainingError } from './errors';

const IMAGE = /\.(png|jpe?g)$/i;

export function loadImageFolder(
  dir: string, inputName: string, inputDims: readonly (number | string | null)[] | undefined,
  opts: { stream?: StreamChoice; streamThresholdBytes?: number } = {},
): Dataset {
  const name = path.basename(dir);
  const classes = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const files: { file: string; label: number }[] = [];
  classes.forEach((c, label) => {
    for (const f of fs.readdirSync(path.join(dir, c)).sort()) if (IMAGE.test(f)) files.push({ file: path.join(dir, c, f), label });
  });
  if (!files.length) {
    const loose = fs.readdirSync(dir).some((f) => IMAGE.test(f));
    throw new TrainingError(loose
      ? { code: 'noImages', message: `The dataset folder ${name} has images but no class subfolders.`, hint: 'Put the images of each class in its own subfolder (e.g. cats/, dogs/); the subfolder names become the labels.' }
      : { code: 'noImages', message: `The dataset folder ${name} contains no images (.png, .jpg) in class subfolders.`, hint: 'Pick a folder with one subfolder of PNG/JPEG images per class, a data file (.npz, .npy, .csv, MNIST IDX), or mnist-sample.' });
  }
  const target = imageTargetFor(inputDims as never, 1);
  if (!target) {
    throw new TrainingError({ code: 'inputShape', message: `Input "${inputName}" [${(inputDims ?? []).join('×')}] does not take images (it needs [N, C, H, W], [N, H, W, C] or [N, H·W] with fixed sizes).`, hint: 'Use a data file (.npz, .npy, .csv) for this model.' });
  }
  const per = target.dims.slice(1).reduce((a, b) => a * b, 1);
  const decodeInto = (i: number, out: Float32Array, at: number) => {
    const file = files[i].file;
    let img;
    try { img = decodeImage(new Uint8Array(fs.readFileSync(file)), path.relative(dir, file)); } catch (e) {
      throw new TrainingError({ code: 'dataset', message: (e as Error).message, hint: 'Remove or re-save that file.' });
    }
    out.set((imageToTensor(img, target).data as Float32Array).subarray(0, per), at);
  };
  const y = Float64Array.from(files, (f) => f.label);
  if (shouldStream(opts.stream, files.length * per * 4, opts.streamThresholdBytes)) {
    const rows = {
      count: files.length, rowShape: target.dims.slice(1),
      readInto(idx: ArrayLike<number>, out: Float32Array) { for (let k = 0; k < idx.length; k++) decodeInto(idx[k], out, k * per); },
    };
    return makeStreamingDataset(rows, new Tensor('int64', [files.length], y), name, classes.length);
  }
  const x = new Float32Array(files.length * per);
  files.forEach((_, i) => decodeInto(i, x, i * per));
  return makeDataset(new Tensor('float32', [files.length, ...target.dims.slice(1)], x), new Tensor('int64', [files.length], y), name, classes.length);
}
