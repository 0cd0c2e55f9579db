/**
 * `ids eval MANIFEST`: per-scenario detection report for a labelled corpus.
 *
 * @module
 */
import { ConfigError } from "../config/config_error.ts";
import { loadConfig } from "../config/load.ts";
import { evaluateManifest, formatEvaluation } from "../eval/evaluate.ts";
import { alignMarkdownTables } from "./_markdown_table.ts";
import { parseArgs, UsageError } from "./args.ts";

/** Help text of `ids eval`. */
export const EVAL_HELP = `Usage: ids eval MANIFEST [--config FILE] [--json]

Replays every scenario of a labelled corpus (MANIFEST: {"scenarios":[{name, file, kind, type,
attacker, victim, spoofed, start, end}]}, files relative to the manifest) through a fresh engine
and prints, per scenario, what was detected, with which type and source, how long after the
attack began, and every false alarm. Exit status 0 when every attack is detected with the right
type and source and no benign scenario alerts, 1 otherwise.

Example: ids eval tests/corpus/manifest.json`;

/** Runs `ids eval`. */
export async function evalCommand(args: string[]): Promise<number> {
  const a = parseArgs(args, { boolean: ["json"], string: ["config"] });
  if (a.help) {
    console.log(EVAL_HELP);
    return 0;
  }
  if (a._.length !== 1) throw new UsageError("needs exactly one MANIFEST");
  let config;
  try {
    config = await loadConfig(a.config as string | undefined);
  } catch (e) {
    console.error(`ids eval: ${e instanceof ConfigError ? e.message : (e as Error).message}`);
    return 1;
  }
  const results = await evaluateManifest(a._[0], config);
  if (a.json) console.log(JSON.stringify(results, null, 2));
  else console.log(alignMarkdownTables(formatEvaluation(results))); // columns line up on a terminal
  const ok = results.every((r) =>
    (r.scenario.kind === "attack" ? r.detected : r.falseAlarms.length === 0) && r.errors.length === 0
  );
  return ok ? 0 : 1;
}
