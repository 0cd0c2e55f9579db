/**
 * Operator actions on blocks, outside a sensor run (`ids blocks`): list what is blocked — the
 * firewall's own view, joined with the store's rows when there is a store — and remove blocks by hand
 * (rows are kept, status UNBLOCKED, for audit).
 *
 * @module
 */
import { requireBlockTarget } from "./address.ts";
import type { ActiveBlock, BackendName, Blocker } from "./blocker.ts";
import { type CommandRunner, denoRunner } from "./command.ts";
import type { BlockLedger, BlockRecord } from "./ledger.ts";
import { NftablesBlocker } from "./nftables.ts";
import { WindowsFirewallBlocker } from "./windows_firewall.ts";

/** One block as `ids blocks list` shows it. */
export interface BlockListing {
  ip: string;
  /** Row status, or `ACTIVE` for a firewall entry without a row. */
  status: string;
  backend: BackendName;
  /** Attack type (from the row or the firewall's note). */
  type: string;
  /** Alert label, when a row has it. */
  label: string;
  /** When the block started (ms), when known. */
  startedAt?: number;
  /** When it ends (ms). */
  expiresAt: number;
  /** Packets and bytes dropped so far (nftables). */
  packets?: number;
  bytes?: number;
  /** In the firewall now (false for simulated rows and rows whose entry is gone). */
  inFirewall: boolean;
}

/** The firewall `ids blocks` talks to on this OS, or undefined where there is none. */
export function adminBlocker(
  options: { os?: string; runner?: CommandRunner; table?: string } = {},
): Blocker | undefined {
  const os = options.os ?? Deno.build.os;
  const runner = options.runner ?? denoRunner;
  if (os === "linux") return new NftablesBlocker({ runner, table: options.table });
  if (os === "windows") return new WindowsFirewallBlocker({ runner });
  return undefined;
}

/** Blocks in force: firewall entries joined with live rows (simulated rows included). */
export async function listBlocks(
  options: { blocker?: Blocker; ledger?: BlockLedger; now?: () => number },
): Promise<BlockListing[]> {
  const now = (options.now ?? Date.now)();
  const inFw = new Map<string, ActiveBlock>();
  for (const b of (await options.blocker?.list()) ?? []) inFw.set(b.ip, b);
  const out: BlockListing[] = [];
  const rowsByIp = new Map<string, BlockRecord>();
  for (const row of options.ledger?.live() ?? []) {
    if (row.expiresAt <= now) continue;
    rowsByIp.set(row.ip, row);
  }
  for (const row of rowsByIp.values()) {
    const fw = row.backend === options.blocker?.backend ? inFw.get(row.ip) : undefined;
    out.push({
      ip: row.ip,
      status: row.status,
      backend: row.backend,
      type: row.type,
      label: row.label,
      startedAt: row.ts,
      expiresAt: fw?.expiresAt ?? row.expiresAt,
      ...(fw?.packets !== undefined ? { packets: fw.packets, bytes: fw.bytes } : {}),
      inFirewall: fw !== undefined,
    });
  }
  for (const [ip, b] of inFw) {
    if (rowsByIp.get(ip)?.backend === options.blocker?.backend) continue;
    out.push({
      ip,
      status: "ACTIVE",
      backend: options.blocker!.backend,
      type: b.note ?? "",
      label: "",
      expiresAt: b.expiresAt,
      ...(b.packets !== undefined ? { packets: b.packets, bytes: b.bytes } : {}),
      inFirewall: true,
    });
  }
  return out.sort((a, b) => a.expiresAt - b.expiresAt || a.ip.localeCompare(b.ip));
}

/** What {@link unblock} did. */
export interface UnblockResult {
  /** Addresses removed from the firewall. */
  removed: string[];
  /** Rows moved to UNBLOCKED. */
  rows: number;
}

/**
 * Removes the block on `ip` (or every block with `all`) from the firewall and ends the live rows.
 *
 * @throws {TypeError} when `ip` is not a single address
 * @throws {BlockError} when the firewall refused (no privilege)
 */
export async function unblock(
  options: { ip?: string; all?: boolean; blocker?: Blocker; ledger?: BlockLedger; now?: () => number },
): Promise<UnblockResult> {
  const now = (options.now ?? Date.now)();
  const wanted = options.all ? undefined : requireBlockTarget(options.ip ?? "", "unblock").ip;
  const removed: string[] = [];
  const targets = new Set<string>();
  if (wanted !== undefined) targets.add(wanted);
  else {
    for (const b of (await options.blocker?.list()) ?? []) targets.add(b.ip);
    for (const r of options.ledger?.live() ?? []) targets.add(r.ip);
  }
  for (const ip of targets) {
    if (options.blocker && (await options.blocker.unblock(ip))) removed.push(ip);
  }
  let rows = 0;
  for (const row of options.ledger?.live() ?? []) {
    if (targets.has(row.ip) && options.ledger!.finish(row.id, "UNBLOCKED", now)) rows++;
  }
  return { removed, rows };
}
