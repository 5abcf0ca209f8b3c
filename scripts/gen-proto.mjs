// Generates the static protobuf decoder/encoder for extension/onnx/proto/onnx.proto
// (protobufjs static module + TypeScript declarations). The output is committed so a
// build needs no code generation; rerun after editing the .proto.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dir = path.join(root, 'extension/onnx/proto');
const bin = (name) => path.join(root, 'node_modules/.bin', name);
const js = path.join(dir, 'onnx.pb.js');
execFileSync(bin('pbjs'), ['-t', 'static-module', '-w', 'commonjs', '--no-verify', '--no-delimited',
  '--no-typeurl', '--no-convert', '-o', js, path.join(dir, 'onnx.proto')], { stdio: 'inherit' });
execFileSync(bin('pbts'), ['-o', path.join(dir, 'onnx.pb.d.ts'), js], { stdio: 'inherit' });
console.log('wrote', path.relative(root, js), 'and onnx.pb.d.ts');
