/**
 * `--listen` / `--serve` for `ids run` and `ids replay`: starts the dashboard on a sensor's hub.
 *
 * @module
 */
import { join } from "node:path";
import type { Config } from "../config/defaults.ts";
import type { EventBus } from "../core/hub_event.ts";
import { ipsControl } from "../ips/control.ts";
import type { IpsHandle } from "../ips/setup.ts";
import type { ReputationService } from "../enrich/mod.ts";
import type { Store } from "../store/store.ts";
import { parseListen } from "../web/auth.ts";
import { loadDashboard } from "./_dashboard.ts";
import { defaultDataDir } from "../store/data_dir.ts";
import { UsageError } from "./args.ts";
import { VERSION } from "./version.ts";

/** Options of {@link serveSensor}. */
export interface ServeSensorOptions {
  hub: EventBus;
  mode: "live" | "replay";
  source: string;
  /** `--listen HOST:PORT` (default 127.0.0.1:8470). */
  listen?: string;
  /** `--data DIR` (default: the per-user data directory). */
  dataDir?: string;
  config: () => Config;
  /** The settings file the Settings page edits (`--config FILE`, else DATA/config.json). */
  configFile?: string;
  /** Applies a configuration the Settings page wrote (at once; the file watcher may follow). */
  onConfig?: (config: Config) => void;
  ips?: IpsHandle;
  /** The sensor's store (older rows, triage marks kept). */
  store?: Store;
  /** AbuseIPDB look-ups for the IP page (or their simulation). */
  reputation?: ReputationService;
  /** Writes what the store writer holds. */
  flushStore?: () => void;
  /** Name of the loaded flow model; null: heuristics only. */
  model?: () => string | null;
}

/**
 * The settings file of a sensor: `--config FILE`, else `config.json` in the data directory (the
 * Settings page writes it; later starts read it); undefined without either.
 */
export function settingsFile(configPath: string | undefined, dataDir: string | undefined): string | undefined {
  return configPath ?? (dataDir === undefined ? undefined : join(dataDir, SETTINGS_FILE));
}

/** Name of the settings file in the data directory. */
export const SETTINGS_FILE = "config.json";

/** True when `path` names an existing file. */
export function fileExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** A served dashboard. */
export interface ServedSensor {
  url: string;
  close(): Promise<void>;
}

/** Checks `--listen` before anything starts. */
export function checkListen(value: string | undefined): void {
  if (value === undefined) return;
  try {
    parseListen(value);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/**
 * Starts the dashboard on `hub`; prints nothing.
 *
 * @throws {Error} `Cannot listen on …` / `Cannot create dashboard token …`
 */
export async function serveSensor(o: ServeSensorOptions): Promise<ServedSensor> {
  const web = await loadDashboard();
  return await web.startDashboard({
    hub: o.hub,
    mode: o.mode,
    source: o.source,
    version: VERSION,
    dataDir: o.dataDir ?? defaultDataDir(),
    listen: o.listen === undefined ? undefined : parseListen(o.listen),
    config: o.config,
    configFile: o.configFile,
    onConfig: o.onConfig,
    ips: o.ips ? web.ipsPort(ipsControl(o.ips.ips)) : undefined,
    store: o.store,
    flushStore: o.flushStore,
    reputation: o.reputation ? web.reputationPort(o.reputation) : undefined,
    notify: web.notifyPort(o.config),
    model: o.model,
  });
}
