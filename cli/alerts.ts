/**
 * `ids alerts [list|stats]`: reads the store the way `cscli alerts list` does.
 *
 * @module
 */
import { ATTACK_TYPES } from "../core/attack_type.ts";
import { parseIp } from "../config/ip.ts";
import { ipToString } from "../core/ip.ts";
import { defaultDataDir } from "../store/data_dir.ts";
import { type AlertRow, Store, StoreError } from "../store/store.ts";
import { parseArgs, UsageError } from "./args.ts";

/** Help text of `ids alerts`. */
export const ALERTS_HELP =
  `Usage: ids alerts [list|stats] [--since D] [--type T] [--ip IP] [--limit N] [--json] [--data DIR]

Reads the alerts the sensor stored (ids run, ids replay --data).
  list    the newest alerts first (default)
  stats   totals per type, top sources and destinations, alerts per minute

Options:
  --since D    only alerts from the last D (30s, 15m, 1h, 7d) or since a time (2026-11-21T14:00:00Z);
               times are packet times
  --type T     one attack type (${ATTACK_TYPES.join(", ")})
  --ip IP      alerts with this source or destination
  --limit N    at most N alerts (default 50)
  --json       JSON on stdout
  --data DIR   data directory (default: ${defaultDataDir()})`;

/**
 * Parses `--since`: a duration back from `nowMs` (`90s`, `15m`, `1h`, `7d`) or an ISO time.
 *
 * @returns packet time in µs, or null when the text is neither
 */
export function parseSince(text: string, nowMs = Date.now()): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/i.exec(text.trim());
  if (m) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2].toLowerCase() as "s" | "m" | "h" | "d" | "w"];
    return (nowMs - Number(m[1]) * unit * 1000) * 1000;
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const t = Date.parse(text);
    if (!Number.isNaN(t)) return t * 1000;
  }
  return null;
}

/** Control characters and other non-printables as \\xNN: attacker bytes never reach the terminal raw. */
export function printable(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex
    /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

function host(ip: string, port: number, proto: string): string {
  const withPort = (proto === "TCP" || proto === "UDP") && port > 0;
  if (!withPort) return ip;
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** One line per alert. */
export function formatAlertRow(r: AlertRow): string {
  const time = new Date(r.tsUs / 1000).toISOString().replace("T", " ").slice(0, 23);
  return `${time}  ${printable(r.label).padEnd(28)} ${host(r.src, r.srcPort, r.proto).padEnd(22)} → ${
    host(r.dst, r.dstPort, r.proto).padEnd(22)
  } ${r.action.padEnd(7)} ${printable(r.reason).slice(0, 160)}`;
}

/** Runs `ids alerts`. */
export function alertsCommand(args: string[]): Promise<number> {
  return Promise.resolve(alertsSync(args));
}

function alertsSync(args: string[]): number {
  const a = parseArgs(args, { boolean: ["json"], string: ["since", "type", "ip", "limit", "data"] });
  if (a.help) {
    console.log(ALERTS_HELP);
    return 0;
  }
  const sub = a._[0] ?? "list";
  if (a._.length > 1 || (sub !== "list" && sub !== "stats")) {
    throw new UsageError(`unknown subcommand "${a._.join(" ")}" (list or stats)`);
  }
  let sinceUs: number | undefined;
  if (a.since !== undefined) {
    const s = parseSince(a.since as string);
    if (s === null) throw new UsageError(`--since must be a duration such as 30m, 1h, 7d, or an ISO time`);
    sinceUs = s;
  }
  const type = a.type as string | undefined;
  if (type !== undefined && !(ATTACK_TYPES as readonly string[]).includes(type)) {
    throw new UsageError(`--type must be one of ${ATTACK_TYPES.join(", ")}`);
  }
  let ip: string | undefined;
  if (a.ip !== undefined) {
    const parsed = parseIp(a.ip as string);
    if (parsed === null) throw new UsageError(`--ip must be an IPv4 or IPv6 address`);
    ip = ipToString(parsed);
  }
  let limit = 50;
  if (a.limit !== undefined) {
    limit = Number(a.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000) {
      throw new UsageError("--limit must be an integer from 1 to 1000000");
    }
  }
  const dir = (a.data as string | undefined) ?? defaultDataDir();
  let store: Store;
  try {
    store = Store.open(dir, { readOnly: true });
  } catch (e) {
    console.error(`ids alerts: ${e instanceof StoreError ? e.message : (e as Error).message}`);
    return 1;
  }
  try {
    if (sub === "stats") {
      if (type !== undefined || ip !== undefined || a.limit !== undefined) {
        throw new UsageError("ids alerts stats takes --since, --json and --data only");
      }
      const s = store.stats({ sinceUs });
      if (a.json) {
        console.log(JSON.stringify(s, null, 2));
        return 0;
      }
      const lines = [
        `${s.total} alerts${sinceUs !== undefined ? ` since ${new Date(sinceUs / 1000).toISOString()}` : ""}`,
      ];
      if (s.firstUs !== null && s.lastUs !== null) {
        lines.push(`from ${new Date(s.firstUs / 1000).toISOString()} to ${new Date(s.lastUs / 1000).toISOString()}`);
      }
      lines.push("", "by type:");
      for (const r of s.byType) lines.push(`  ${r.type.padEnd(16)} ${r.count}`);
      lines.push("", "top sources:");
      for (const r of s.topSources) lines.push(`  ${r.ip.padEnd(40)} ${r.count}`);
      lines.push("", "top destinations:");
      for (const r of s.topDestinations) lines.push(`  ${r.ip.padEnd(40)} ${r.count}`);
      const minutes = [...new Set(s.perMinute.map((r) => r.minuteMs))].slice(-10);
      if (minutes.length > 0) {
        lines.push("", "per minute (last 10 with alerts):");
        for (const m of minutes) {
          const parts = s.perMinute.filter((r) => r.minuteMs === m).map((r) => `${r.type} ${r.count}`);
          lines.push(`  ${new Date(m).toISOString().slice(0, 16).replace("T", " ")}  ${parts.join(", ")}`);
        }
      }
      console.log(lines.join("\n"));
      return 0;
    }
    const rows = store.listAlerts({ sinceUs, type, ip, limit });
    if (a.json) {
      console.log(JSON.stringify(rows.map((r) => ({ ...r, eve: JSON.parse(r.eve) })), null, 2));
      return 0;
    }
    if (rows.length === 0) {
      console.log("no alerts");
      return 0;
    }
    console.log(rows.map(formatAlertRow).join("\n"));
    return 0;
  } finally {
    store.close();
  }
}
