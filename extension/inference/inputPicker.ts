// "Neural Lens: Run Model…" input choice: quick picks for the source of each model input (a
// bundled digit, an image file, an MNIST sample, a .npy/.pb file, random data), dynamic dims and
// image preprocessing (mean/std remembered per model, layout). Returns plain tensors.
import * as vscode from 'vscode';
import fs from 'node:fs';
import path from 'node:path';
import type { TensorInfo } from '../../shared/protocol';
import { readTensorFile } from '../cli/tensorIO';
import { decodeImage, imageTargetFor, imageToTensor, withLayout, type ImageTarget, type Normalization } from './imageInput';
import { csvRowTensor, digitTensor, fitTensorToInput, parseCsvRows, parseNorm, randomTensor, resolveDims } from './inputBuilder';
import { InferenceError, type HostTensor } from './types';

export interface PickedInputs {
  inputs: Record<string, HostTensor>;
  /** One line per input: where it came from and how it was prepared. */
  description: string;
  /** Set when the (first) input is an image: how its pixels are laid out. */
  image?: { inputName: string; target: ImageTarget };
}

const PRESETS: { label: string; norm: Normalization }[] = [
  { label: 'None: pixels scaled to 0..1', norm: { mean: [0], std: [1] } },
  { label: 'MNIST: mean 0.1307, std 0.3081', norm: { mean: [0.1307], std: [0.3081] } },
  { label: 'ImageNet: mean 0.485, 0.456, 0.406; std 0.229, 0.224, 0.225', norm: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
  { label: '[-1, 1]: mean 0.5, std 0.5', norm: { mean: [0.5], std: [0.5] } },
];

const fmtNorm = (n: Normalization) => `mean ${n.mean.join(', ')}; std ${n.std.join(', ')}`;

type Source = 'digit' | 'image' | 'mnist' | 'file' | 'csv' | 'random';

export class InputPicker {
  constructor(private readonly state: vscode.Memento, private readonly extensionUri: vscode.Uri) {}

  /** Asks for every model input; undefined when the user cancels. */
  async pick(modelPath: string, inputs: TensorInfo[]): Promise<PickedInputs | undefined> {
    if (!inputs.length) throw new InferenceError('This model declares no inputs to feed.');
    const out: Record<string, HostTensor> = {};
    const lines: string[] = [];
    let image: PickedInputs['image'];
    for (const input of inputs) {
      const got = await this.pickOne(modelPath, input, inputs.length > 1);
      if (!got) return undefined;
      out[input.name] = got.tensor;
      lines.push(`${inputs.length > 1 ? `${input.name}: ` : ''}${got.description}`);
      if (got.target && !image) image = { inputName: input.name, target: got.target };
    }
    return { inputs: out, description: lines.join('\n'), image };
  }

  private async pickOne(modelPath: string, input: TensorInfo, several: boolean): Promise<{ tensor: HostTensor; description: string; target?: ImageTarget } | undefined> {
    const target = imageTargetFor(input.shape);
    const imageLike = !!target && input.elemType === 'float32';
    const digitsDir = vscode.Uri.joinPath(this.extensionUri, 'media', 'samples', 'digits').fsPath;
    const digits = imageLike && fs.existsSync(digitsDir) ? fs.readdirSync(digitsDir).filter((f) => /\.png$/i.test(f)).sort() : [];
    const shape = `${input.elemType} [${(input.shape ?? ['?']).map((d) => d ?? '?').join(', ')}]`;
    const items: (vscode.QuickPickItem & { source: Source })[] = [];
    if (digits.length) items.push({ source: 'digit', label: '$(symbol-number) Bundled digit image', description: `${digits.length} MNIST digits shipped with Neural Lens` });
    if (imageLike) items.push({ source: 'image', label: '$(file-media) Image file…', description: 'PNG or JPEG, resized and normalized to the input' });
    if (imageLike) items.push({ source: 'mnist', label: '$(database) Sample from mnist-sample…', description: '10,000 bundled MNIST test digits, by index' });
    items.push({ source: 'file', label: '$(file-binary) Tensor file…', description: '.npy or ONNX TensorProto .pb' });
    items.push({ source: 'csv', label: '$(table) CSV row…', description: 'one row of numbers from a .csv file' });
    items.push({ source: 'random', label: '$(symbol-misc) Random data', description: `uniform values of the right shape (${shape})` });
    const choice = await vscode.window.showQuickPick(items, {
      title: `Run model: input ${several ? `"${input.name}" ` : ''}${shape}`,
      placeHolder: 'Where should the input come from?',
      ignoreFocusOut: true,
    });
    if (!choice) return undefined;

    const dims = await this.dims(input);
    if (!dims) return undefined;

    switch (choice.source) {
      case 'digit': {
        const file = await vscode.window.showQuickPick(digits.map((d) => ({ label: d, description: `digit ${/\d/.exec(d)?.[0] ?? ''}` })), { title: 'Bundled digit image', placeHolder: 'Pick a digit', ignoreFocusOut: true });
        if (!file) return undefined;
        return this.fromImage(modelPath, path.join(digitsDir, file.label), input, dims);
      }
      case 'image': {
        const picked = await vscode.window.showOpenDialog({ title: 'Input image', canSelectMany: false, filters: { Images: ['png', 'jpg', 'jpeg'], 'All files': ['*'] }, defaultUri: vscode.Uri.file(path.dirname(modelPath)) });
        if (!picked?.[0]) return undefined;
        return this.fromImage(modelPath, picked[0].fsPath, input, dims);
      }
      case 'mnist': {
        const idx = await vscode.window.showInputBox({
          title: 'mnist-sample index', prompt: 'Which of the 10,000 digits (0–9999)?', value: '0', ignoreFocusOut: true,
          validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) < 10000 ? undefined : 'A whole number from 0 to 9999'),
        });
        if (idx === undefined) return undefined;
        const { loadMnistSample } = await import('../datasets/mnistSample');
        const ds = loadMnistSample();
        const i = Number(idx);
        const px = (ds.x.data as Float32Array).subarray(i * 784, (i + 1) * 784);
        const label = Number(ds.y.data[i]);
        const t = digitTensor(px, { ...input, shape: dims });
        return { tensor: t, description: `mnist-sample #${i} (label ${label}) → float32 [${t.dims.join(', ')}]`, target: imageTargetFor(t.dims) ?? target };
      }
      case 'file': {
        const picked = await vscode.window.showOpenDialog({ title: `Tensor for input "${input.name}"`, canSelectMany: false, filters: { 'Tensors': ['npy', 'pb'], 'All files': ['*'] }, defaultUri: vscode.Uri.file(path.dirname(modelPath)) });
        if (!picked?.[0]) return undefined;
        const file = picked[0].fsPath;
        const raw = readTensorFile(file);
        const { tensor, note } = fitTensorToInput(raw, input, dims, path.basename(file));
        return { tensor, description: `${path.basename(file)} → ${tensor.elemType} [${tensor.dims.join(', ')}]${note ? ` (${note})` : ''}`, target: imageLike ? imageTargetFor(tensor.dims) : undefined };
      }
      case 'csv': {
        const picked = await vscode.window.showOpenDialog({ title: `CSV file for input "${input.name}"`, canSelectMany: false, filters: { CSV: ['csv'], 'All files': ['*'] }, defaultUri: vscode.Uri.file(path.dirname(modelPath)) });
        if (!picked?.[0]) return undefined;
        const file = picked[0].fsPath;
        let text: string;
        try {
          text = fs.readFileSync(file, 'utf8');
        } catch (e) {
          throw new InferenceError(`Cannot read ${path.basename(file)}: ${(e as Error).message}.`);
        }
        const n = parseCsvRows(text).rows.length;
        const row = await vscode.window.showInputBox({
          title: `${path.basename(file)}: which row?`, prompt: `Data rows 0–${Math.max(0, n - 1)} (the header, if any, is not counted)`, value: '0', ignoreFocusOut: true,
          validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) < n ? undefined : `A whole number from 0 to ${n - 1}`),
        });
        if (row === undefined) return undefined;
        const { tensor, note } = csvRowTensor(text, Number(row), input, dims, path.basename(file));
        return { tensor, description: `${path.basename(file)} row ${row} → ${tensor.elemType} [${dims.join(', ')}]${note ? ` (${note})` : ''}` };
      }
      case 'random': {
        const t = randomTensor(input.elemType, dims);
        return { tensor: t, description: `random ${t.elemType} [${dims.join(', ')}] (seed 42)` };
      }
    }
  }

  /** Fixed dims of the input: batch → 1, other symbolic dims asked for. */
  private async dims(input: TensorInfo): Promise<number[] | undefined> {
    if (!input.shape) {
      throw new InferenceError(`Input "${input.name}" has no declared shape, so Neural Lens cannot build it.`, 'Give it as a .npy or .pb file with the CLI (neural-lens run), or add a shape to the model input.');
    }
    const given: Record<string, number> = {};
    let r = resolveDims(input.shape);
    for (const a of r.ask) {
      const v = await vscode.window.showInputBox({
        title: `Input "${input.name}": size of dimension ${a.index} ("${a.name}")`,
        prompt: `The model leaves dimension ${a.index} of [${input.shape.map((d) => d ?? '?').join(', ')}] open.`, value: '1', ignoreFocusOut: true,
        validateInput: (s) => (/^[1-9]\d*$/.test(s.trim()) ? undefined : 'A positive whole number'),
      });
      if (v === undefined) return undefined;
      given[a.name] = Number(v);
    }
    r = resolveDims(input.shape, given);
    return r.dims;
  }

  private async fromImage(modelPath: string, file: string, input: TensorInfo, dims: number[]): Promise<{ tensor: HostTensor; description: string; target: ImageTarget } | undefined> {
    let target = imageTargetFor(dims);
    if (!target) throw new InferenceError(`Input "${input.name}" does not look like an image input.`);
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(file);
    } catch (e) {
      throw new InferenceError(`Cannot read ${path.basename(file)}: ${(e as Error).message}.`);
    }
    const img = decodeImage(bytes, path.basename(file));
    const pre = await this.preprocessing(modelPath, target);
    if (!pre) return undefined;
    target = pre.target;
    const tensor = imageToTensor(img, target, pre.norm);
    const layout = target.layout === 'flat' ? 'flattened' : target.layout;
    return {
      tensor, target,
      description: `${path.basename(file)} (${img.width}×${img.height}) → ${target.channels === 1 ? 'grayscale' : 'RGB'} ${target.width}×${target.height}, ${layout}, ${fmtNorm(pre.norm)} → float32 [${tensor.dims.join(', ')}]`,
    };
  }

  /** Normalization (remembered per model) and layout, in one quick pick: Enter keeps the current. */
  private async preprocessing(modelPath: string, target: ImageTarget): Promise<{ norm: Normalization; target: ImageTarget } | undefined> {
    const key = `neuralLens.preprocess:${modelPath}`;
    const saved = this.state.get<{ norm: Normalization; layout?: 'NCHW' | 'NHWC' }>(key);
    let norm = saved?.norm ?? PRESETS[0].norm;
    let t = saved?.layout ? withLayout(target, saved.layout) : target;
    type Item = vscode.QuickPickItem & { act: 'use' | 'preset' | 'edit' | 'layout'; norm?: Normalization };
    for (;;) {
      const items: Item[] = [
        { act: 'use', label: `$(check) Use: ${fmtNorm(norm)}`, description: `${t.layout === 'flat' ? 'flattened' : t.layout}, ${t.channels === 1 ? 'grayscale' : 'RGB'} ${t.width}×${t.height}${saved ? ' (remembered for this model)' : ''}` },
        ...PRESETS.map((p): Item => ({ act: 'preset', label: p.label, norm: p.norm, description: 'normalization preset' })),
        { act: 'edit', label: '$(edit) Edit mean / std…' },
      ];
      if (t.layout !== 'flat') items.push({ act: 'layout', label: `$(arrow-swap) Switch layout to ${t.layout === 'NCHW' ? 'NHWC' : 'NCHW'}`, description: `now ${t.layout}` });
      const c = await vscode.window.showQuickPick(items, { title: 'Image preprocessing: (pixel/255 − mean) / std', placeHolder: 'Enter runs with the first line', ignoreFocusOut: true });
      if (!c) return undefined;
      if (c.act === 'use') break;
      if (c.act === 'preset') norm = c.norm!;
      else if (c.act === 'layout') t = withLayout(t, t.layout === 'NCHW' ? 'NHWC' : 'NCHW');
      else {
        const v = await vscode.window.showInputBox({
          title: 'Normalization', prompt: 'mean values; std values (one per channel, or one for all)', value: `${norm.mean.join(', ')}; ${norm.std.join(', ')}`, ignoreFocusOut: true,
          validateInput: (s) => (parseNorm(s) ? undefined : 'Write e.g. "0.485, 0.456, 0.406; 0.229, 0.224, 0.225" (std non-zero)'),
        });
        if (v !== undefined) norm = parseNorm(v)!;
      }
    }
    await this.state.update(key, { norm, layout: t.layout === 'flat' ? undefined : t.layout });
    return { norm, target: t };
  }
}

