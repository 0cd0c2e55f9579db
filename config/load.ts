/**
 * Reading the configuration file, and watching it so that a changed file applies without restart.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
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

async function readConfigText(path: string): Promise<string> {
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
  if (path === undefined) return DEFAULT_CONFIG;
  return parseConfigText(await readConfigText(path), path);
}

/** Options for {@link watchConfig}. */
export interface WatchConfigOptions {
  /** Called with the new configuration each time the file changes to valid content. */
  onChange: (config: Config) => void;
  /**
   * Called with a message (every problem, one per line) when the changed file cannot be used;
   * the previous configuration stays in force.
   */
  onError: (message: string) => void;
  /** Quiet time after the last file event before the file is read again. Default 200 ms. */
  debounceMs?: number;
}

/** Stops watching; resolves once the watcher has closed and no reload is running. */
export type ConfigWatchDisposer = () => Promise<void>;

/**
 * Watches the configuration file and re-validates it after each change (debounced). Valid content
 * is passed to `onChange`; invalid content (or a missing file) goes to `onError` and the previous
 * configuration stays in force. Content identical to the last content read is ignored.
 *
 * The parent directory is watched, so editors that save by writing a new file and renaming it over
 * the old one are seen too.
 *
 * @returns a disposer that stops watching
 * @throws {Error} `Cannot watch config PATH: …` when the file's folder cannot be watched
 */
export function watchConfig(path: string, options: WatchConfigOptions): ConfigWatchDisposer {
  const { onChange, onError } = options;
  const debounceMs = options.debounceMs ?? 200;
  const target = resolve(path);
  let watcher: Deno.FsWatcher;
  try {
    watcher = Deno.watchFs(dirname(target), { recursive: false });
  } catch (error) {
    const state = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot watch config ${path}: ${state}`, { cause: error });
  }
  let lastText: string | undefined;
  try {
    lastText = Deno.readTextFileSync(target);
  } catch {
    lastText = undefined;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let reloading: Promise<void> = Promise.resolve();

  const reload = async () => {
    let text: string;
    try {
      text = await readConfigText(path);
    } catch (error) {
      if (closed) return;
      lastText = undefined;
      onError(error instanceof Error ? error.message : String(error));
      return;
    }
    if (closed || text === lastText) return;
    lastText = text;
    let config: Config;
    try {
      config = parseConfigText(text, path);
    } catch (error) {
      onError(error instanceof Error ? error.message : String(error));
      return;
    }
    onChange(config);
  };

  const schedule = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      reloading = reloading.then(reload).catch((error) => {
        if (!closed) onError(`Cannot reload config ${path}: ${error instanceof Error ? error.message : error}`);
      });
    }, debounceMs);
  };

  const loop = (async () => {
    try {
      for await (const event of watcher) {
        if (closed) break;
        if (event.paths.some((p) => resolve(p) === target)) schedule();
      }
    } catch (error) {
      if (!closed) onError(`Cannot watch config ${path}: ${error instanceof Error ? error.message : error}`);
    }
  })();

  return async function stopWatchingConfig(): Promise<void> {
    if (closed) return;
    closed = true;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    try {
      watcher.close();
    } catch {
      // already closed
    }
    await loop;
    await reloading;
  };
}
