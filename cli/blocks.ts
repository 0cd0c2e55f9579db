/**
 * `ids blocks [list | unblock IP | unblock --all] [--json]`: what the IPS blocks now, and removing
 * blocks by hand.
 *
 * @module
 */
import { adminBlocker, type BlockListing, listBlocks, unblock } from "../ips/admin.ts";
import { parseBlockTarget } from "../ips/address.ts";
import { BlockError } from "../ips/blocker.ts";
import { parseArgs, UsageError } from "./args.ts";

/** Help text of `ids blocks`. */
export const BLOCKS_HELP = `Usage: ids blocks [list] [--json]
       ids blocks unblock IP | --all

Shows the blocks in force — read from the firewall itself (nftables table inet ids on Linux, rules
named ids-block-* in Windows Firewall) — and removes them by hand. Reading needs the same privilege
as blocking on Linux (root or CAP_NET_ADMIN); removing needs it everywhere (Administrator on Windows).

Options:
  --json      print the list as JSON
  --all       with unblock: remove every block ids made
  -h, --help  this help

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

function failure(e: unknown): number {
  if (e instanceof BlockError) {
    const fix = Deno.build.os === "windows"
      ? "run from an elevated prompt (Run as administrator)"
      : "run as root (sudo ids blocks …)";
    console.error(`ids blocks: ${e.message}${e.accessDenied ? ` (${fix})` : ""}`);
    return 1;
  }
  throw e;
}

/** Runs `ids blocks`; returns the exit status. */
export async function blocksCommand(args: string[]): Promise<number> {
  const a = parseArgs(args, { boolean: ["json", "all"] });
  if (a.help) {
    console.log(BLOCKS_HELP);
    return 0;
  }
  const [sub = "list", ...rest] = a._;
  const blocker = adminBlocker();
  if (sub === "list") {
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    if (a.all) throw new UsageError("--all goes with unblock");
    let list: BlockListing[];
    try {
      list = await listBlocks({ blocker });
    } catch (e) {
      return failure(e);
    }
    if (a.json) console.log(JSON.stringify(list, null, 2));
    else console.log(formatBlocks(list, Date.now()));
    return 0;
  }
  if (sub === "unblock") {
    if (a.all ? rest.length > 0 : rest.length !== 1) {
      throw new UsageError("unblock takes one IP address, or --all");
    }
    if (!a.all && parseBlockTarget(rest[0]) === null) {
      throw new UsageError(`${JSON.stringify(rest[0]).slice(0, 60)} is not a single IP address`);
    }
    try {
      const r = await unblock({ ip: rest[0], all: a.all === true, blocker });
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
