/**
 * Reading the configuration file (watching it: `config/watch.ts`).
 *
 * @module
 */
import { ConfigError } from "./config_error.ts";
import { findDuplicateKeys } from "./_duplicate_keys.ts";
import { type Config, DEFAULT_CONFIG } from "./defaults.ts";
import { validateConfig } from "./schema.ts";

/**
 * Parses and validates configuration text; `source` names the file in messages. A UTF-8 byte-order mark (Notepad
 * writes one) is skipped; a key given twice in one object is refused (JSON.parse would silently keep the last).
 */
export function parseConfigText(text: string, source?: string): Config {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ConfigError([`not valid JSON: ${detail}`], { source, cause: error });
  }
  const duplicates = findDuplicateKeys(text);
  if (duplicates.length > 0) throw new ConfigError(duplicates, { source });
  return validateConfig(json, { source });
}

/** Reads the configuration file as text; a file that cannot be read is a {@link ConfigError}. */
export async function readConfigText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    const state = error instanceof Deno.errors.NotFound
      ? "file not found"
      : error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new ConfigError([`cannot read the file: ${state}`], { source: path, cause: error });
  }
}

/**
 * Loads the configuration file at `path`, merged over the defaults.
 *
 * @param path the JSON file; when omitted the defaults are returned
 * @returns the complete configuration, deeply frozen
 * @throws {ConfigError} when the file cannot be read, is not JSON, or has invalid keys
 */
export async function loadConfig(path?: string): Promise<Config> {
  return (await loadConfigFile(path)).config;
}

/**
 * {@link loadConfig}, with the text the configuration was read from (null for the defaults, without a file):
 * give it to `watchConfig` so that an edit made before the watch starts is applied too.
 *
 * @throws {ConfigError} when the file cannot be read, is not JSON, or has invalid keys
 */
export async function loadConfigFile(path?: string): Promise<{ config: Config; text: string | null }> {
  if (path === undefined) return { config: DEFAULT_CONFIG, text: null };
  const text = await readConfigText(path);
  return { config: parseConfigText(text, path), text };
}
