/**
 * Settings from the dashboard: a change is merged into the configuration file, validated exactly as
 * `ids config check` does (same problem lines), written atomically, and then applied.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { ConfigError } from "../config/config_error.ts";
import type { Config } from "../config/defaults.ts";
import { parseConfigText } from "../config/load.ts";

/** The result of {@link applySettings}. */
export type SettingsResult =
  | { ok: true; config: Config }
  | { ok: false; header: string; problems: string[] };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Merges `patch` into `base` (objects recursively; arrays and values replaced). */
export function mergePatch(base: unknown, patch: unknown): unknown {
  if (!isObject(patch) || !isObject(base)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = k in base ? mergePatch(base[k], v) : v;
  return out;
}

/**
 * Merges `patch` into the JSON of the configuration file `file` (a missing file counts as `{}`),
 * validates the result, and writes it when valid (temp file + rename). The running sensor picks the
 * change up through its configuration watcher or `onApplied`.
 */
export async function applySettings(file: string, patch: unknown): Promise<SettingsResult> {
  let current: unknown = {};
  try {
    current = JSON.parse(await Deno.readTextFile(file));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      return { ok: false, header: `${file}: 1 problem`, problems: [`cannot read the file: ${(e as Error).message}`] };
    }
  }
  const merged = mergePatch(current, patch);
  const text = `${JSON.stringify(merged, null, 2)}\n`;
  let config: Config;
  try {
    config = parseConfigText(text, file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const count = e.problems.length === 1 ? "1 problem" : `${e.problems.length} problems`;
    return { ok: false, header: `${file}: ${count}`, problems: [...e.problems] };
  }
  const tmp = join(dirname(file), `.${crypto.randomUUID()}.tmp`);
  await Deno.writeTextFile(tmp, text);
  await Deno.rename(tmp, file);
  return { ok: true, config };
}
