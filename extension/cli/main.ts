// Neural Lens command line: `neural-lens <command> [args]`. Each subcommand lives in its own
// module exporting `run(argv): Promise<number>` (and optionally `summary` and `usage`); add one
// line to COMMANDS to register a new one. Errors print exactly one line on stderr.
import { CliError } from './args';

export interface CliCommand {
  run(argv: string[]): Promise<number>;
  /** One line for the command list. */
  summary?: string;
  /** Full usage text for `<command> --help`. */
  usage?: string;
}

/** name → lazy loader, so a command's dependencies load only when it runs. */
const COMMANDS: Record<string, () => Promise<CliCommand>> = {
  inspect: () => import('./inspect'),
  doctor: () => import('./doctor'),
  train: () => import('./train'),
  run: () => import('./run'),
};

const PROGRAM = 'neural-lens';

async function listUsage(): Promise<string> {
  const lines = [`Usage: ${PROGRAM} <command> [options]`, '', 'Commands:'];
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length));
  for (const name of names) {
    let summary = '';
    try { summary = (await COMMANDS[name]()).summary ?? ''; } catch { /* listed without summary */ }
    lines.push(`  ${name.padEnd(width)}  ${summary}`.trimEnd());
  }
  lines.push('', `Run "${PROGRAM} <command> --help" for a command's options.`);
  return lines.join('\n');
}

/** One line, no stack trace. */
export function errorLine(e: unknown): string {
  const err = e as { message?: string; hint?: string };
  const message = (err?.message ?? String(e)).replace(/\s*\n\s*/g, ' ');
  const hint = err?.hint ? ` ${err.hint.replace(/\s*\n\s*/g, ' ')}` : '';
  return `${PROGRAM}: ${message}${hint}`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${await listUsage()}\n`);
    return 0;
  }
  if (!name) {
    process.stderr.write(`${PROGRAM}: missing command (commands: ${Object.keys(COMMANDS).join(', ')}; see --help).\n`);
    return 2;
  }
  const load = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    process.stderr.write(`${PROGRAM}: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')}).\n`);
    return 2;
  }
  try {
    const cmd = await load();
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${cmd.usage ?? `Usage: ${PROGRAM} ${name} …`}\n`);
      return 0;
    }
    return await cmd.run(rest);
  } catch (e) {
    process.stderr.write(`${errorLine(e)}\n`);
    return e instanceof CliError ? e.exitCode : 1;
  }
}

// Run when executed directly (dist/cli.js or `tsx extension/cli/main.ts`), not when imported.
if (typeof require !== 'undefined' && require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e) => { process.stderr.write(`${errorLine(e)}\n`); process.exitCode = 1; },
  );
}
