/**
 * `ids config defaults | check FILE`: print the default configuration, or check a file.
 *
 * @module
 */
import { ConfigError } from "./config_error.ts";
import { DEFAULT_CONFIG } from "./defaults.ts";
import { loadConfig } from "./load.ts";

/** Where {@link configCommand} writes; defaults to the process's stdout and stderr. */
export interface ConfigCommandOptions {
  /** Receives normal output (text including its newlines). */
  stdout?: (text: string) => void;
  /** Receives diagnostics (text including its newlines). */
  stderr?: (text: string) => void;
}

/** Usage text of `ids config`. */
export const CONFIG_USAGE = `Usage:
  ids config defaults      print the default configuration as JSON
  ids config check FILE    check FILE; prints "ok: FILE" or every problem found

A configuration file may give only some keys; the others keep their defaults.
Exit status: 0 ok, 1 the file has problems, 2 bad usage.
`;

const encoder = new TextEncoder();

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += stream.writeSync(bytes.subarray(written));
}

/**
 * Runs `ids config` with the arguments after `config`.
 *
 * @returns the exit status: 0 done, 1 the checked file has problems, 2 bad usage
 */
export async function configCommand(args: string[], options: ConfigCommandOptions = {}): Promise<number> {
  const out = options.stdout ?? ((text: string) => writeAll(Deno.stdout, text));
  const err = options.stderr ?? ((text: string) => writeAll(Deno.stderr, text));
  const usageError = (message: string) => {
    err(`ids config: ${message}\n\n${CONFIG_USAGE}`);
    return 2;
  };

  if (args.includes("--help") || args.includes("-h") || args[0] === "help") {
    out(CONFIG_USAGE);
    return 0;
  }
  const [subcommand, ...rest] = args;
  switch (subcommand) {
    case "defaults":
      if (rest.length > 0) return usageError(`"defaults" takes no arguments (got ${rest.join(" ")})`);
      out(`${JSON.stringify(DEFAULT_CONFIG, null, 2)}\n`);
      return 0;
    case "check": {
      if (rest.length !== 1) return usageError(`"check" takes exactly one FILE (got ${rest.length})`);
      const file = rest[0];
      if (file.startsWith("-")) return usageError(`unknown option ${file}`);
      try {
        await loadConfig(file);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        const count = error.problems.length === 1 ? "1 problem" : `${error.problems.length} problems`;
        err(`${file}: ${count}\n${error.problems.map((p) => `  ${p}\n`).join("")}`);
        return 1;
      }
      out(`ok: ${file}\n`);
      return 0;
    }
    case undefined:
      return usageError("missing subcommand");
    default:
      return usageError(`unknown subcommand "${subcommand}"`);
  }
}
