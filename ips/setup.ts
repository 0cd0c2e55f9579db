/**
 * Building the IPS for a sensor run: choose the backend (real or simulated), discover what must never
 * be blocked (own addresses, gateways, DNS servers), compile the trusted lists, reconcile with the
 * firewall, and hand the decision stage its {@link IpsStage}.
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import type { EventBus } from "../core/hub_event.ts";
import type { CommandRunner } from "./command.ts";
import { discoverHost } from "./host_info.ts";
import { Ips, type IpsCounters, type IpsStartReport } from "./ips.ts";
import { type BlockHistory, HistoryLedger } from "./history.ts";
import type { BlockLedger } from "./ledger.ts";
import { SafetyRails } from "./rails.ts";
import { selectBlocker } from "./select.ts";
import { IpsStage, publishIpsEvent } from "./stage.ts";

/** Options of {@link createIps}. */
export interface CreateIpsOptions {
  config: Config;
  /** `real`: the OS firewall when privileged (else simulated, said once); `simulated`: never touch it. */
  mode: "real" | "simulated";
  /** Where block/unblock events and cap warnings go. */
  bus?: EventBus;
  /** Block rows; in memory when absent (see `history`). */
  ledger?: BlockLedger;
  /** The store: blocks a previous run left in force, and earlier blocks for escalation. */
  history?: BlockHistory;
  /** Operator lines (default: stderr). */
  log?: (line: string) => void;
  /** `wall` (default) or `packet`: a replay's blocks start and expire on packet time. */
  clock?: "wall" | "packet";
  /** Runs firewall commands (tests). */
  runner?: CommandRunner;
  /** nftables table (tests). */
  table?: string;
}

/** A ready IPS. */
export interface IpsHandle {
  ips: Ips;
  /** For `DecisionStage.ips`. */
  stage: IpsStage;
  /** What startup reconciliation did. */
  report: IpsStartReport;
  /** Rediscovers gateways/DNS/own addresses (call after network changes; `run` does it every minute). */
  refreshHost(): Promise<void>;
  /** One line about what the IPS did in this run (printed at exit). */
  summary(): string;
  /** Stops timers; blocks stay until they expire. */
  close(): void;
}

/** One line of IPS counters, e.g. `IPS (nftables): 3 blocked, …; not blocked: 2 spoofed, 1 by the rails (trusted 1)`. */
export function formatIpsSummary(backend: string, c: IpsCounters): string {
  const rails = Object.entries(c.refused).sort(([a], [b]) => a.localeCompare(b));
  const refused = rails.reduce((n, [, v]) => n + v, 0);
  return `IPS (${backend}): ${c.blocked} blocked, ${c.simulated} simulated, ${c.failed} failed, ${c.expired} expired, ` +
    `${c.unblocked} unblocked; not blocked: ${c.spoofed} spoofed, ${refused} by the rails` +
    (rails.length > 0 ? ` (${rails.map(([k, v]) => `${k} ${v}`).join(", ")})` : "") + `, ${c.capped} over a cap`;
}

/** Builds, reconciles and returns the IPS; prints one line about the backend. */
export async function createIps(options: CreateIpsOptions): Promise<IpsHandle> {
  const log = options.log ?? ((line: string) => console.error(line));
  const { blocker, notice } = await selectBlocker({ mode: options.mode, runner: options.runner, table: options.table });
  const rails = new SafetyRails({
    trusted: { ips: options.config.trusted_ips, cidrs: options.config.trusted_cidrs },
    host: await discoverHost({ runner: options.runner }),
  });
  const bus = options.bus;
  let packetMs = 0;
  const packetClock = options.clock === "packet";
  const now = packetClock ? () => packetMs : Date.now;
  const ips = new Ips({
    blocker,
    rails,
    config: options.config,
    ledger: options.ledger ?? (options.history ? new HistoryLedger(options.history) : undefined),
    log,
    now,
    publish: bus ? (e) => publishIpsEvent(bus, e) : undefined,
  });
  const report = await ips.start();
  if (notice) {
    log(`ids: ${notice}`);
    // the dashboard shows that blocks are simulated
    bus?.publish({
      kind: "notice",
      level: options.mode === "simulated" ? "info" : "warning",
      source: "ips",
      message: notice,
    });
  } else log(`ids: IPS: blocking with ${blocker.backend}${blocker.backend === "nftables" ? " (table inet ids)" : ""}`);
  if (report.kept + report.expired + report.removed + report.vanished + report.adopted > 0) {
    log(
      `ids: IPS: reconciled: ${report.kept} blocks in force, ${report.expired} expired while stopped, ` +
        `${report.removed} stale rules removed, ${report.vanished} removed outside ids, ${report.adopted} recorded from the firewall`,
    );
  }
  return {
    ips,
    stage: new IpsStage(ips, {
      onAlert: packetClock ? (alert) => packetMs = Math.max(packetMs, Math.floor(alert.tsUs / 1000)) : undefined,
    }),
    report,
    refreshHost: async () => rails.setHost(await discoverHost({ runner: options.runner })),
    summary: () => formatIpsSummary(ips.backend, ips.counters()),
    close: () => ips.close(),
  };
}
