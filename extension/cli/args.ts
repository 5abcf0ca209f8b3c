// Small argument parser shared by the CLI subcommands: --flag, --key value, --key=value, and
// positionals; unknown flags are usage errors (exit code 2, one line on stderr).

/** An error the CLI reports as one line on stderr with this exit code. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

export type OptionKind = 'boolean' | 'string' | 'number';

export interface ArgSpec {
  /** Option name (without "--") → kind. */
  options?: Record<string, OptionKind>;
  /** Single-letter aliases: "j" → "json". */
  aliases?: Record<string, string>;
  /** Names of the positional arguments, for messages; `minPositionals` of them are required. */
  positionals?: string[];
  minPositionals?: number;
  /** Accept extra positionals beyond those named. */
  variadic?: boolean;
}

export interface ParsedArgs {
  options: Record<string, string | number | boolean>;
  positionals: string[];
}

export function parseArgs(argv: string[], spec: ArgSpec, command: string): ParsedArgs {
  const kinds = spec.options ?? {};
  const options: ParsedArgs['options'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (!arg.startsWith('-') || arg === '-') { positionals.push(arg); continue; }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else {
      name = spec.aliases?.[arg.slice(1)] ?? arg.slice(1);
    }
    const kind = kinds[name];
    if (!kind) throw new UsageError(`${command}: unknown option "${arg}" (see --help).`);
    if (kind === 'boolean') {
      if (inline !== undefined) throw new UsageError(`${command}: option --${name} takes no value.`);
      options[name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${command}: option --${name} needs a value.`);
    if (kind === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`${command}: option --${name} needs a number, got "${value}".`);
      options[name] = n;
    } else {
      options[name] = value;
    }
  }
  const names = spec.positionals ?? [];
  const min = spec.minPositionals ?? names.length;
  if (positionals.length < min) throw new UsageError(`${command}: missing ${names[positionals.length] ?? 'argument'} (see --help).`);
  if (!spec.variadic && positionals.length > names.length) {
    throw new UsageError(`${command}: unexpected argument "${positionals[names.length]}" (see --help).`);
  }
  return { options, positionals };
}
