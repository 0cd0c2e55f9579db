/**
 * Watching the configuration file so that a changed file applies without restart. Apart from
 * `config/load.ts` because of `node:path` (several ms to load): a replay loads it once the capture runs.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import type { Config } from "./defaults.ts";
import { parseConfigText, readConfigText } from "./load.ts";

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
  /**
   * The text the configuration in force was read from (`loadConfigFile`), null when none was (the defaults,
   * no file yet). When the file differs from it as watching starts, it is read again at once: an edit made
   * between loading the file and watching it (while the sensor, the IPS and the dashboard start) is applied,
   * not missed. Default: the file as watching starts (an earlier edit is then missed).
   */
  loadedText?: string | null;
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

  // an edit made before watching started (the watcher sees only later ones): what is in force is loadedText
  if (options.loadedText !== undefined && (options.loadedText ?? undefined) !== lastText) {
    lastText = options.loadedText ?? undefined;
    schedule();
  }

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
