/**
 * One call that puts the dashboard on a running sensor: a live feed subscribed to the hub, the
 * status, and the server (token in the data directory, loopback by default).
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import type { EventBus } from "../core/hub_event.ts";
import type { Store } from "../store/store.ts";
import { storeArchive } from "./archive.ts";
import type { ListenAddress } from "./auth.ts";
import type { IpsControl, NotifyTest, ReputationLookup } from "./context.ts";
import type { StatusDto } from "./dto.ts";
import { LiveFeed } from "./feed.ts";
import { connectFeed } from "./hub_feed.ts";
import { type RunningDashboard, serveDashboard } from "./serve.ts";

export { ipsPort, notifyPort, reputationPort } from "./ports.ts";

/** Options of {@link startDashboard}. */
export interface StartDashboardOptions {
  hub: EventBus;
  mode: StatusDto["mode"];
  /** Interface or capture file shown as the source. */
  source: string;
  version: string;
  dataDir: string;
  listen?: ListenAddress;
  /** The configuration in force (called per request). */
  config: () => Config;
  configFile?: string;
  onConfig?: (config: Config) => void;
  ips?: IpsControl;
  reputation?: ReputationLookup;
  notify?: NotifyTest;
  /** Name of the loaded ML model (called per request); null: heuristics only. */
  model?: () => string | null;
  /** The sensor's store: older rows, triage marks kept; absent: the pages say the sensor keeps none. */
  store?: Store;
  /** Writes what the store writer holds (so a click on a brand-new alert finds its row). */
  flushStore?: () => void;
  warn?: (line: string) => void;
}

/** A dashboard attached to a hub. */
export interface AttachedDashboard extends RunningDashboard {
  feed: LiveFeed;
}

/** Starts the dashboard for a sensor whose events arrive on `hub`. */
export async function startDashboard(o: StartDashboardOptions): Promise<AttachedDashboard> {
  const store = o.store;
  const feed = new LiveFeed({ run: () => store?.runId ?? null });
  const archive = store ? storeArchive(store, { flush: o.flushStore }) : undefined;
  const subscription = connectFeed(o.hub, feed, { live: o.mode === "live" });
  const startedAt = Date.now();
  const status = (): StatusDto => ({
    version: o.version,
    mode: o.mode,
    source: o.source,
    startedAt,
    model: o.model?.() ?? null,
    ips: o.ips?.mode ?? "absent",
    reputation: o.reputation?.provider ?? null,
    telegram: o.notify !== undefined,
    configFile: o.configFile ?? null,
    store: store?.path ?? null,
  });
  let running: RunningDashboard;
  try {
    running = await serveDashboard({
      feed,
      dataDir: o.dataDir,
      listen: o.listen,
      status,
      config: o.config,
      configFile: o.configFile,
      onConfig: o.onConfig,
      ips: o.ips,
      reputation: o.reputation,
      notify: o.notify,
      archive,
      warn: o.warn,
    });
  } catch (e) {
    subscription.unsubscribe();
    throw e;
  }
  return {
    ...running,
    feed,
    close: async () => {
      subscription.unsubscribe();
      await running.close();
    },
  };
}

/** Opens `url` in the desktop's browser when there is one; false when none could be started. */
export async function openBrowser(url: string): Promise<boolean> {
  let cmd: string[];
  if (Deno.build.os === "windows") cmd = ["rundll32", "url.dll,FileProtocolHandler", url];
  else if (Deno.build.os === "darwin") cmd = ["open", url];
  else {
    if (!Deno.env.get("DISPLAY") && !Deno.env.get("WAYLAND_DISPLAY")) return false;
    cmd = ["xdg-open", url];
  }
  try {
    const child = new Deno.Command(cmd[0], { args: cmd.slice(1), stdin: "null", stdout: "null", stderr: "null" })
      .spawn();
    const status = await Promise.race([child.status, new Promise<null>((r) => setTimeout(() => r(null), 3000))]);
    return status === null || status.success;
  } catch {
    return false;
  }
}
