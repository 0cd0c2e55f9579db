/**
 * `ids blocks [list | unblock IP | unblock --all] [--json]`: what the IPS blocks now, and removing
 * blocks by hand.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { SEVERITY_NAMES } from "../core/detection.ts";
import { adminBlocker, type BlockListing, listBlocks, unblock } from "../ips/admin.ts";
import { parseBlockTarget } from "../ips/address.ts";
import { BlockError } from "../ips/blocker.ts";
import { HistoryLedger } from "../ips/history.ts";
import { databasePath, defaultDataDir } from "../store/data_dir.ts";
import { Store, StoreError } from "../store/store.ts";
import { parseArgs, UsageError } from "./args.ts";

/** Help text of `ids blocks`. */
export const BLOCKS_HELP = `Usage: ids blocks [list] [--history N] [--json] [--data DIR]
       ids blocks unblock IP | --all [--data DIR]

Shows the blocks in force — read from the firewall itself (nftables table inet ids on Linux, rules
named ids-block-* in Windows Firewall) joined with the store's rows (simulated blocks, labels) — and
removes them by hand; the store keeps every row (status UNBLOCKED) for audit. Reading needs the same
privilege as blocking on Linux (root or CAP_NET_ADMIN); removing needs it everywhere (Administrator
on Windows).

Options:
  --history N  list the last N rows of the store instead (every status: the audit trail)
  --json       print JSON
  --all        with unblock: remove every block ids made
  --data DIR   data directory of the store (default: /var/lib/ids as root, ./ids-data otherwise,
               %ProgramData%\\ids on Windows)
  -h, --help   this help

Undo everything by hand: Linux: nft delete table inet ids
                         Windows (elevated PowerShell): Remove-NetFirewallRule -DisplayName 'ids-block-*'`;

function formatIn(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** The table `ids blocks list` prints. */
export function formatBlocks(list: readonly BlockListing[], now: number): string {
  if (list.length === 0) return "no blocks in force";
  const rows = list.map((b) => [
    b.ip,
    b.status,
    b.backend,
    b.type || "-",
    formatIn(b.expiresAt - now),
    b.packets === undefined ? "-" : `${b.packets} packets`,
  ]);
  const head = ["IP", "STATUS", "BACKEND", "TYPE", "EXPIRES IN", "DROPPED"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

function privilegeFix(): string {
  return Deno.build.os === "windows"
    ? "run from an elevated prompt (Run as administrator)"
    : "run as root (sudo ids blocks …)";
}

function failure(e: unknown): number {
  if (e instanceof BlockError) {
    console.error(`ids blocks: ${e.message}${e.accessDenied ? ` (${privilegeFix()})` : ""}`);
    return 1;
  }
  throw e;
}

/** Runs `ids blocks`; returns the exit status. */
export async function blocksCommand(args: string[]): Promise<number> {
  const a = parseArgs(args, { boolean: ["json", "all"], string: ["data", "history"] });
  if (a.help) {
    console.log(BLOCKS_HELP);
    return 0;
  }
  const [sub = "list", ...rest] = a._;
  if (sub !== "list" && sub !== "unblock") throw new UsageError(`unknown subcommand "${sub}" (list or unblock)`);
  const history = a.history === undefined ? undefined : Number(a.history);
  if (history !== undefined && (!Number.isInteger(history) || history < 1 || history > 100_000)) {
    throw new UsageError("--history must be an integer from 1 to 100000");
  }
  if (history !== undefined && sub !== "list") throw new UsageError("--history goes with list");
  checkUsage(sub, rest, a);
  // the store, when there is one: a missing database is not created just to look
  const dir = (a.data as string | undefined) ?? defaultDataDir();
  let store: Store | undefined;
  if (existsSync(databasePath(dir))) {
    try {
      store = Store.open(dir, { readOnly: sub === "list" });
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      console.error(`ids blocks: ${e.message}`);
      return 1;
    }
  } else if (a.data !== undefined || history !== undefined) {
    console.error(`ids blocks: no database at ${databasePath(dir)} (run ids with --data ${dir} first)`);
    if (history !== undefined) return 1;
  }
  try {
    return await blocksWith(sub, rest, a, store, history);
  } finally {
    store?.close();
  }
}

/** Bad usage is refused before the store or the firewall is touched (whatever state they are in). */
function checkUsage(sub: string, rest: string[], a: Record<string, unknown>): void {
  if (sub === "list") {
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    if (a.all) throw new UsageError("--all goes with unblock");
    return;
  }
  if (a.all ? rest.length > 0 : rest.length !== 1) {
    throw new UsageError("unblock takes one IP address, or --all");
  }
  if (!a.all && parseBlockTarget(rest[0]) === null) {
    throw new UsageError(`${JSON.stringify(rest[0]).slice(0, 60)} is not a single IP address`);
  }
}

async function blocksWith(
  sub: string,
  rest: string[],
  a: Record<string, unknown>,
  store: Store | undefined,
  history: number | undefined,
): Promise<number> {
  if (history !== undefined) {
    const rows = store!.listBlocks(history);
    if (a.json) console.log(JSON.stringify(rows, null, 2));
    else console.log(formatHistory(rows));
    return 0;
  }
  const blocker = adminBlocker();
  if (sub === "list") {
    let list: BlockListing[];
    const ledger = store ? new HistoryLedger(store) : undefined;
    try {
      list = await listBlocks({ blocker, ledger });
    } catch (e) {
      // without the privilege to read the firewall, the store still tells what ids decided
      if (!(e instanceof BlockError && e.accessDenied && ledger)) return failure(e);
      console.error(
        `ids blocks: ${e.message}; showing the store's rows only (${privilegeFix()} for the firewall's view)`,
      );
      list = await listBlocks({ ledger });
    }
    if (a.json) console.log(JSON.stringify(list, null, 2));
    else console.log(formatBlocks(list, Date.now()));
    return 0;
  }
  if (sub === "unblock") {
    try {
      const ledger = store ? new HistoryLedger(store, { writeThrough: true }) : undefined;
      const target = a.all ? undefined : parseBlockTarget(rest[0])!.ip;
      const rows = (ledger?.live() ?? []).filter((r) => target === undefined || r.ip === target);
      // simulated blocks live only in the store: lifting them needs no firewall privilege
      const simulatedOnly = rows.length > 0 && rows.every((r) => r.backend === "simulated");
      const r = await unblock({
        ip: rest[0],
        all: a.all === true,
        blocker: simulatedOnly ? undefined : blocker,
        ledger,
      });
      if (a.json) console.log(JSON.stringify(r));
      else if (r.removed.length === 0 && r.rows === 0) {
        console.error(`ids blocks: ${a.all ? "nothing was blocked" : `${rest[0]} is not blocked`}`);
      } else console.error(`ids blocks: unblocked ${r.removed.length > 0 ? r.removed.join(", ") : rest[0] ?? ""}`);
      return 0;
    } catch (e) {
      return failure(e);
    }
  }
  throw new UsageError(`unknown subcommand "${sub}" (list or unblock)`);
}

/** The audit table of `ids blocks list --history N`. */
export function formatHistory(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return "no blocks recorded";
  const text = (v: unknown) => (v === null || v === undefined || v === "" ? "-" : String(v));
  const severity = (v: unknown) => SEVERITY_NAMES[Number(v)] || "-";
  const table = rows.map((r) => [
    text(r.time),
    text(r.ip),
    text(r.status).toUpperCase(),
    text(r.backend),
    text(r.type),
    severity(r.severity),
    `${text(r.durationS)} s`,
    text(r.reason),
    text(r.error),
  ]);
  const head = ["TIME", "IP", "STATUS", "BACKEND", "TYPE", "SEVERITY", "DURATION", "REASON", "ERROR"];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  return [head, ...table].map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}
