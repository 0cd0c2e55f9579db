/**
 * The Linux backend: nftables. One table `inet ids` holds two sets, `blocked4` and `blocked6`
 * (`flags timeout`, per-element counters), and drop rules on the input and forward hooks at priority
 * `filter - 10`, before the usual filters. Each block is a set element with its own timeout, so the
 * kernel expires it even when `ids` is gone.
 *
 * `nft` is driven with `nft -f -` and input generated from parsed addresses, or with fixed argument
 * vectors; never through a shell. Undo everything by hand with `nft delete table inet ids`.
 *
 * @module
 */
import { type BlockTarget, requireBlockTarget } from "./address.ts";
import { type ActiveBlock, type Blocker, BlockError, checkSeconds, type ReconcileResult, safeNote } from "./blocker.ts";
import { type CommandResult, type CommandRunner, denoRunner, firstLine } from "./command.ts";

/** The nftables table `ids` manages (family inet). */
export const NFT_TABLE = "ids";

/** Options of {@link NftablesBlocker}. */
export interface NftablesBlockerOptions {
  /** Runs `nft` (default: the real one). */
  runner?: CommandRunner;
  /** The `nft` program (default `nft`, from PATH). */
  nft?: string;
  /** Clock in ms since the epoch (default `Date.now`). */
  now?: () => number;
  /** Table name (default {@link NFT_TABLE}); tests may use their own. */
  table?: string;
}

/** The ruleset `ids` installs (idempotent: sets keep their elements, chains get exactly our rules). */
export function nftSetupScript(table = NFT_TABLE): string {
  const chain = (name: string, hook: string) =>
    [
      `add chain inet ${table} ${name} { type filter hook ${hook} priority filter - 10; policy accept; }`,
      `flush chain inet ${table} ${name}`,
      `add rule inet ${table} ${name} ip saddr @blocked4 counter drop comment "ids IPS"`,
      `add rule inet ${table} ${name} ip6 saddr @blocked6 counter drop comment "ids IPS"`,
    ].join("\n");
  return [
    `add table inet ${table}`,
    `add set inet ${table} blocked4 { type ipv4_addr; flags timeout; counter; }`,
    `add set inet ${table} blocked6 { type ipv6_addr; flags timeout; counter; }`,
    chain("input", "input"),
    chain("forward", "forward"),
    "",
  ].join("\n");
}

const setOf = (t: BlockTarget) => (t.version === 4 ? "blocked4" : "blocked6");

/** The script that blocks `target` for `seconds` (re-blocking restarts the timeout). */
export function nftBlockScript(target: BlockTarget, seconds: number, note: string, table = NFT_TABLE): string {
  const set = `inet ${table} ${setOf(target)}`;
  const comment = note === "" ? "" : ` comment "${safeNote(note)}"`;
  // add (no-op when present) + delete + add: one atomic transaction that also replaces an existing timeout
  return [
    `add element ${set} { ${target.ip} timeout ${seconds}s }`,
    `delete element ${set} { ${target.ip} }`,
    `add element ${set} { ${target.ip} timeout ${seconds}s${comment} }`,
    "",
  ].join("\n");
}

function isPermissionError(r: CommandResult): boolean {
  return r.code === -1 ||
    /Operation not permitted|Permission denied|must be root|not found|No such file or directory \(os error 2\)/i
      .test(r.stderr);
}

interface NftElem {
  val?: unknown;
  expires?: unknown;
  timeout?: unknown;
  comment?: unknown;
  counter?: { packets?: unknown; bytes?: unknown };
}

/** Parses `nft -j list set …` output into blocks (expiry relative to `now`). */
export function parseNftSetJson(json: string, now: number): ActiveBlock[] {
  const doc = JSON.parse(json) as { nftables?: unknown[] };
  const out: ActiveBlock[] = [];
  for (const item of doc.nftables ?? []) {
    const set = (item as { set?: { elem?: unknown[] } }).set;
    if (!set?.elem) continue;
    for (const raw of set.elem) {
      const e: NftElem = typeof raw === "object" && raw !== null && "elem" in raw
        ? (raw as { elem: NftElem }).elem
        : { val: raw };
      if (typeof e.val !== "string") continue;
      const target = requireBlockTarget(e.val, "read nftables set");
      const expires = typeof e.expires === "number" ? e.expires : typeof e.timeout === "number" ? e.timeout : 0;
      const block: ActiveBlock = {
        ip: target.ip,
        expiresAt: now + expires * 1000,
        ...(typeof e.comment === "string" ? { note: e.comment } : {}),
        ...(e.counter && typeof e.counter.packets === "number"
          ? { packets: e.counter.packets, bytes: Number(e.counter.bytes ?? 0) }
          : {}),
      };
      out.push(block);
    }
  }
  return out;
}

/** Blocks addresses with nftables set elements. */
export class NftablesBlocker implements Blocker {
  readonly backend = "nftables" as const;
  readonly enforcing = true;
  #run: CommandRunner;
  #nft: string;
  #now: () => number;
  #table: string;
  #ready = false;

  constructor(options: NftablesBlockerOptions = {}) {
    this.#run = options.runner ?? denoRunner;
    this.#nft = options.nft ?? "nft";
    this.#now = options.now ?? Date.now;
    this.#table = options.table ?? NFT_TABLE;
    if (!/^[a-z][a-z0-9_]{0,30}$/.test(this.#table)) {
      throw new TypeError(`Cannot use nftables table ${JSON.stringify(this.#table)}: not a plain name`);
    }
  }

  /** The table name. */
  get table(): string {
    return this.#table;
  }

  async #script(script: string, action: string): Promise<CommandResult> {
    const r = await this.#run([this.#nft, "-f", "-"], { stdin: script });
    if (r.code !== 0) {
      throw new BlockError(`Cannot ${action}: nft: ${firstLine(r)}`, { accessDenied: isPermissionError(r) });
    }
    return r;
  }

  /** Creates (or repairs) the table, sets and chains; keeps existing set elements. */
  async setup(): Promise<void> {
    const r = await this.#run([this.#nft, "-f", "-"], { stdin: nftSetupScript(this.#table) });
    if (r.code !== 0) {
      const hint = /File exists/.test(r.stderr)
        ? ` (a table inet ${this.#table} of another shape exists; remove it with: nft delete table inet ${this.#table})`
        : "";
      throw new BlockError(`Cannot set up nftables table inet ${this.#table}: nft: ${firstLine(r)}${hint}`, {
        accessDenied: isPermissionError(r),
      });
    }
    this.#ready = true;
  }

  async #ensure(): Promise<void> {
    if (!this.#ready) await this.setup();
  }

  async block(ip: string, seconds: number, reason: string): Promise<void> {
    const target = requireBlockTarget(ip, "block");
    checkSeconds(seconds);
    await this.#ensure();
    await this.#script(nftBlockScript(target, seconds, reason, this.#table), `block ${target.ip}`);
  }

  async unblock(ip: string): Promise<boolean> {
    const target = requireBlockTarget(ip, "unblock");
    const r = await this.#run([this.#nft, "-f", "-"], {
      stdin: `delete element inet ${this.#table} ${setOf(target)} { ${target.ip} }\n`,
    });
    if (r.code === 0) return true;
    if (/No such file or directory/.test(r.stderr) && !/os error/.test(r.stderr)) return false;
    throw new BlockError(`Cannot unblock ${target.ip}: nft: ${firstLine(r)}`, { accessDenied: isPermissionError(r) });
  }

  /** The blocks in the sets (none when the table does not exist: nothing is created by listing). */
  async list(): Promise<ActiveBlock[]> {
    const out: ActiveBlock[] = [];
    for (const set of ["blocked4", "blocked6"]) {
      const r = await this.#run([this.#nft, "-j", "list", "set", "inet", this.#table, set]);
      if (r.code !== 0 && /No such file or directory/.test(r.stderr) && !/os error/.test(r.stderr)) continue;
      if (r.code !== 0) {
        throw new BlockError(`Cannot list nftables set ${set}: ${firstLine(r)}`, {
          accessDenied: isPermissionError(r),
        });
      }
      out.push(...parseNftSetJson(r.stdout, this.#now()));
    }
    return out;
  }

  /** Removes every block (both sets flushed); returns how many there were. */
  async flush(): Promise<number> {
    const before = (await this.list()).length;
    await this.#script(
      `flush set inet ${this.#table} blocked4\nflush set inet ${this.#table} blocked6\n`,
      "remove every block",
    );
    return before;
  }

  /** Deletes the whole table (tests and `ids blocks unblock --all --purge`-style cleanup). */
  async deleteTable(): Promise<void> {
    const r = await this.#run([this.#nft, "delete", "table", "inet", this.#table]);
    this.#ready = false;
    if (r.code !== 0 && !/No such file or directory/.test(r.stderr)) {
      throw new BlockError(`Cannot delete nftables table inet ${this.#table}: ${firstLine(r)}`, {
        accessDenied: isPermissionError(r),
      });
    }
  }

  async reconcile(): Promise<ReconcileResult> {
    await this.setup();
    // the kernel already dropped every element whose timeout passed, even while ids was not running
    return { removed: [], kept: await this.list() };
  }

  close(): void {}
}
