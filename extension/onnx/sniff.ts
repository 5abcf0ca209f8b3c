// Looks at a file's first bytes and its top-level protobuf tags before decoding, so that a
// wrong file gets a precise error ("starts like a ZIP archive", "is truncated") instead of a
// protobuf exception. Cheap: the top level of a ModelProto is a handful of fields.
import { ModelLoadError } from './errors';

const EXPORT_HINT = 'Export the model to ONNX first (PyTorch: torch.onnx.export(model, example_input, "model.onnx"); ' +
  'TensorFlow/Keras: python -m tf2onnx.convert) and open the .onnx file.';

/** Field number → wire type of ModelProto's top-level fields. */
const MODEL_FIELDS = new Map<number, number>([
  [1, 0], [2, 2], [3, 2], [4, 2], [5, 0], [6, 2], [7, 2], [8, 2], [14, 2], [20, 2], [25, 2],
]);

function startsWith(b: Uint8Array, sig: number[] | string, at = 0): boolean {
  const s = typeof sig === 'string' ? Array.from(sig, (c) => c.charCodeAt(0)) : sig;
  if (b.length < at + s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s[i]) return false;
  return true;
}

/** Recognises common non-ONNX formats by signature; returns a description or undefined. */
function knownFormat(b: Uint8Array): { what: string; hint: string } | undefined {
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06])) {
    return { what: 'it starts like a ZIP archive, as PyTorch .pt/.pth checkpoints, Keras .keras and NumPy .npz files do', hint: EXPORT_HINT };
  }
  if (b[0] === 0x80 && b[1] >= 2 && b[1] <= 5) return { what: 'it is a Python pickle, like a legacy PyTorch .pt file', hint: EXPORT_HINT };
  if (startsWith(b, [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])) return { what: 'it is an HDF5 file, like a Keras .h5 model', hint: EXPORT_HINT };
  if (startsWith(b, 'TFL3', 4)) return { what: 'it is a TensorFlow Lite model', hint: 'Convert it with python -m tf2onnx.convert --tflite model.tflite --output model.onnx.' };
  if (startsWith(b, 'ORTM', 4)) return { what: 'it is in ONNX Runtime\'s .ort format', hint: 'Open the original .onnx file the .ort file was made from.' };
  if (startsWith(b, 'GGUF')) return { what: 'it is a GGUF (llama.cpp) model', hint: 'Neural Lens opens ONNX models; GGUF files need llama.cpp tools.' };
  if (startsWith(b, [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59])) return { what: 'it is a NumPy .npy array', hint: 'Open an .onnx model instead.' };
  if (startsWith(b, [0x1f, 0x8b])) return { what: 'it is gzip-compressed', hint: 'Decompress it (gunzip) and open the .onnx file inside.' };
  if (b.length > 10 && b[8] === 0x7b && b[9] === 0x22) {
    const headerLen = b[0] + b[1] * 256 + b[2] * 65536 + b[3] * 16777216;
    if (headerLen > 0 && headerLen < b.length && b[4] === 0 && b[5] === 0 && b[6] === 0 && b[7] === 0) {
      return { what: 'it is a safetensors weights file', hint: EXPORT_HINT };
    }
  }
  return undefined;
}

function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 1024);
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c < 0x09 || (c > 0x0d && c < 0x20) || c === 0x7f) return false;
  }
  return true;
}

function describeText(b: Uint8Array): { what: string; hint: string } {
  const head = new TextDecoder().decode(b.subarray(0, 512)).replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('version https://git-lfs')) {
    return { what: 'it is a Git LFS pointer, not the model itself', hint: 'Run "git lfs pull" to download the real file.' };
  }
  if (/^(ir_version|producer_name|graph\s*\{|opset_import)/m.test(head)) {
    return { what: 'it is ONNX text format, not the binary protobuf', hint: 'Convert it with onnx: onnx.save(onnx.parser.parse_model(text), "model.onnx"), or open the binary .onnx file.' };
  }
  if (head.startsWith('{') || head.startsWith('[')) return { what: 'it is a JSON/text file', hint: 'Open the binary .onnx model file.' };
  if (head.startsWith('<')) return { what: 'it is an HTML/XML text file (a web page saved instead of the download?)', hint: 'Download the binary .onnx file again.' };
  return { what: 'it is a text file', hint: 'Open the binary .onnx model file.' };
}

/**
 * Throws ModelLoadError when the bytes are clearly not a complete ONNX ModelProto.
 * Passing does not guarantee a valid model; the decoder may still find damage inside.
 */
export function sniffModel(b: Uint8Array, fileName: string): void {
  if (b.length === 0) {
    throw new ModelLoadError('empty', `${fileName} is empty (0 bytes).`, 'The file was not saved or downloaded completely; export or download the model again.');
  }
  const known = knownFormat(b);
  if (known) throw new ModelLoadError('notOnnx', `${fileName} is not an ONNX model (${known.what}).`, known.hint);
  if (looksLikeText(b)) {
    const t = describeText(b);
    throw new ModelLoadError('notOnnx', `${fileName} is not an ONNX model (${t.what}).`, t.hint);
  }
  scanTopLevel(b, fileName);
}

const TRUNCATED_HINT = 'The file was cut short (interrupted download or copy); download or export the model again.';

function scanTopLevel(b: Uint8Array, fileName: string): void {
  const len = b.length;
  let pos = 0;
  let fields = 0;
  let sawGraph = false;
  // Reads a varint at pos; returns undefined if it runs past the end, NaN if longer than 10 bytes.
  const varint = (): number | undefined => {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= len) return undefined;
      const byte = b[pos++];
      result += (byte & 0x7f) * mul;
      if (byte < 0x80) return result;
      mul *= 128;
    }
    return NaN;
  };
  const notOnnx = () => new ModelLoadError('notOnnx',
    `${fileName} is not an ONNX model (its bytes do not start like an ONNX protobuf).`,
    'Check that this is a binary .onnx file. ' + EXPORT_HINT);
  const corrupt = (what: string) => new ModelLoadError('corrupt',
    `${fileName} is corrupt: ${what} at byte ${pos}.`, 'The file is damaged; download or export the model again.');
  const truncated = (what: string) => new ModelLoadError('truncated',
    `${fileName} is truncated: ${what}.`, TRUNCATED_HINT);

  while (pos < len) {
    const tagAt = pos;
    const tag = varint();
    if (tag === undefined) throw fields === 0 ? notOnnx() : truncated(`it ends inside a field tag at byte ${tagAt}`);
    if (Number.isNaN(tag)) throw fields === 0 ? notOnnx() : corrupt('an invalid field tag');
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    const expected = MODEL_FIELDS.get(field);
    if (fields < 2 && expected !== wire) throw notOnnx();
    if (field === 0 || wire === 3 || wire === 4 || wire > 5) {
      throw fields === 0 ? notOnnx() : corrupt(`an invalid field (number ${field}, wire type ${wire})`);
    }
    if (wire === 0) {
      const v = varint();
      if (v === undefined) throw truncated(`it ends inside field ${field} at byte ${tagAt}`);
      if (Number.isNaN(v)) throw corrupt('an invalid number');
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
      if (pos > len) throw truncated(`it ends inside field ${field} at byte ${tagAt}`);
    } else {
      const size = varint();
      if (size === undefined) throw truncated(`it ends inside field ${field} at byte ${tagAt}`);
      if (Number.isNaN(size)) throw corrupt('an invalid length');
      if (pos + size > len) {
        const what = field === 7 ? 'the graph' : `field ${field}`;
        throw truncated(`${what} declares ${size} bytes at byte ${pos} but only ${len - pos} remain`);
      }
      pos += size;
    }
    if (field === 7) sawGraph = true;
    fields++;
  }
  if (!sawGraph) {
    throw new ModelLoadError(fields <= 2 ? 'notOnnx' : 'truncated',
      `${fileName} has no graph${fields <= 2 ? ', so it is not an ONNX model' : ' (the file may have been cut short)'}.`,
      fields <= 2 ? EXPORT_HINT : TRUNCATED_HINT);
  }
}
