/**
 * A small command-line parser: `--flag`, `--key value`, `--key=value`, positionals, with the
 * allowed options declared up front so typos are refused (exit 2).
 *
 * @module
 */

/** Thrown for bad usage; the CLI prints it and exits with status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Declares the options of one subcommand. */
export interface ArgSpec {
  /** Options that take a value. */
  string?: readonly string[];
  /** Options without a value. */
  boolean?: readonly string[];
  /** Options that may repeat (values collected in order). */
  collect?: readonly string[];
}

/** Parsed arguments. */
export interface ParsedArgs {
  _: string[];
  [key: string]: string | boolean | string[] | undefined;
}

/** Parses `args` by `spec`; throws {@link UsageError} for unknown options or missing values. */
export function parseArgs(args: readonly string[], spec: ArgSpec): ParsedArgs {
  const out: ParsedArgs = { _: [] };
  const strings = new Set(spec.string ?? []);
  const bools = new Set([...(spec.boolean ?? []), "help"]);
  const collect = new Set(spec.collect ?? []);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      out._.push(...args.slice(i + 1));
      break;
    }
    if (a === "-h") {
      out.help = true;
      continue;
    }
    if (!a.startsWith("--") || a === "-") {
      out._.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (bools.has(name)) {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      out[name] = true;
    } else if (strings.has(name) || collect.has(name)) {
      let value: string;
      if (eq >= 0) value = a.slice(eq + 1);
      else {
        if (i + 1 >= args.length) throw new UsageError(`option --${name} needs a value`);
        value = args[++i];
      }
      if (collect.has(name)) {
        ((out[name] as string[] | undefined) ?? (out[name] = [] as string[]) as string[]).push(value);
      } else if (out[name] !== undefined) {
        // silently taking the last would e.g. write alerts to only one of two --eve files
        throw new UsageError(`option --${name} given twice ("${out[name]}", "${value}"): give it once`);
      } else out[name] = value;
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return out;
}
