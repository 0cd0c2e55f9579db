/**
 * The error thrown when a configuration file cannot be used.
 *
 * @module
 */

/** Options for {@link ConfigError}. */
export interface ConfigErrorOptions {
  /** Where the configuration came from (a file path), for the message. */
  source?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * A configuration that cannot be used. `problems` lists every problem found, each one line naming
 * the key path and what is allowed, e.g. `syn_flood.threshold: must be an integer from 1 to
 * 1000000 (got -3)`.
 */
export class ConfigError extends Error {
  /** Every problem, one line each. */
  readonly problems: readonly string[];
  /** Where the configuration came from, when known. */
  readonly source?: string;

  /** Builds the error from its list of problems. */
  constructor(problems: readonly string[], options: ConfigErrorOptions = {}) {
    const where = options.source === undefined ? "" : ` ${options.source}`;
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(`Cannot use config${where}: ${count}\n  ${problems.join("\n  ")}`, { cause: options.cause });
    this.name = "ConfigError";
    this.problems = Object.freeze([...problems]);
    this.source = options.source;
  }
}
