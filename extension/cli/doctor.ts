// `neural-lens doctor [--json]`: the environment report — Node and ONNX Runtime versions,
// providers, engine backends, GPU found or not and why, threads in use.
import { parseArgs } from './args';
import { environmentReport, formatEnvironmentReport } from '../inference/environment';

export const summary = 'Report Node/ONNX Runtime versions, execution providers, engine backends, GPU and threads.';
export const usage = `Usage: neural-lens doctor [--json] [--vscode-version VERSION]

  --json                    Print one JSON object instead of the readable report.
  --vscode-version VERSION  Include this VS Code version (the extension passes vscode.version).

  NEURAL_LENS_ORT_DIR=FOLDER reports on the onnxruntime-node install in FOLDER instead of the
  bundled one (as the neuralLens.inference.onnxRuntimeFolder setting does in VS Code).`;

export interface CliIO {
  out(text: string): void;
}

const stdio: CliIO = { out: (t) => process.stdout.write(t) };

export async function run(argv: string[], io: CliIO = stdio): Promise<number> {
  const { options } = parseArgs(argv, { options: { json: 'boolean', 'vscode-version': 'string' } }, 'doctor');
  const vscodeVersion = typeof options['vscode-version'] === 'string' ? options['vscode-version'] : undefined;
  const report = await environmentReport({ vscodeVersion });
  io.out(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatEnvironmentReport(report)}\n`);
  return 0;
}
