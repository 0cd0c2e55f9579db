/**
 * The Windows backend: one inbound block rule per address in Windows Defender Firewall, named
 * `ids-block-<ip>`, created and removed with `netsh advfirewall firewall add|delete rule` as argument
 * vectors (no shell, no spaces in any argument). The rule's description carries its expiry
 * (`ids-block-until-<ISO time>-<note>`), so a later run removes rules a crashed one left behind even
 * without the store. Expiry while running: one timer for the earliest block.
 *
 * Listing uses a fixed PowerShell script (`Get-NetFirewallRule -DisplayName 'ids-block-*'` as JSON),
 * into which no data is ever interpolated. Undo everything by hand with
 * `Remove-NetFirewallRule -DisplayName 'ids-block-*'` in an elevated PowerShell.
 *
 * @module
 */
import { type BlockTarget, requireBlockTarget } from "./address.ts";
import { type ActiveBlock, type Blocker, BlockError, checkSeconds, type ReconcileResult, safeNote } from "./blocker.ts";
import { type CommandResult, type CommandRunner, denoRunner, firstLine } from "./command.ts";

/** Prefix of every rule name `ids` creates. */
export const RULE_PREFIX = "ids-block-";

/** The PowerShell program and the fixed arguments before a script. */
export const POWERSHELL = ["powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-Command"];

/** Fixed script listing the rules `ids` made, as JSON (an object, an array, or nothing). */
export const LIST_RULES_SCRIPT = "Get-NetFirewallRule -DisplayName 'ids-block-*' -ErrorAction SilentlyContinue | " +
  "ForEach-Object { [pscustomobject]@{ name = $_.DisplayName; description = $_.Description } } | " +
  "ConvertTo-Json -Compress";

/** Fixed script printing True when the process is elevated (Administrator). */
export const IS_ADMIN_SCRIPT =
  "([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent())" +
  ".IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)";

/** Rule name for an address. */
export function ruleName(target: BlockTarget): string {
  return `${RULE_PREFIX}${target.ip}`;
}

/** `netsh` argument vector that adds the block rule. */
export function netshAddArgs(target: BlockTarget, expiresAt: number, note: string): string[] {
  const until = new Date(expiresAt).toISOString();
  const tail = safeNote(note);
  return [
    "netsh",
    "advfirewall",
    "firewall",
    "add",
    "rule",
    `name=${ruleName(target)}`,
    "dir=in",
    "action=block",
    "enable=yes",
    "profile=any",
    `remoteip=${target.ip}`,
    `description=${RULE_PREFIX}until-${until}${tail === "" ? "" : `-${tail}`}`,
  ];
}

/** `netsh` argument vector that deletes the block rule (every rule of that name). */
export function netshDeleteArgs(target: BlockTarget): string[] {
  return ["netsh", "advfirewall", "firewall", "delete", "rule", `name=${ruleName(target)}`, "dir=in"];
}

const UNTIL = /^ids-block-until-(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?Z)(?:-([A-Za-z0-9_.:-]*))?$/;

/** A rule found by the listing script. */
export interface ListedRule {
  /** The address (from the rule name), canonical. */
  ip: string;
  /** Expiry from the description, or NaN when the description carries none. */
  expiresAt: number;
  note?: string;
}

/** Parses the listing script's JSON output (empty, one object or an array); ignores foreign names. */
export function parseRuleList(stdout: string): ListedRule[] {
  const text = stdout.trim();
  if (text === "") return [];
  const doc = JSON.parse(text) as unknown;
  const items = Array.isArray(doc) ? doc : [doc];
  const out: ListedRule[] = [];
  for (const item of items) {
    const name = (item as { name?: unknown })?.name;
    const description = (item as { description?: unknown })?.description;
    if (typeof name !== "string" || !name.startsWith(RULE_PREFIX)) continue;
    const target = requireBlockTarget(name.slice(RULE_PREFIX.length), "read firewall rule");
    const m = typeof description === "string" ? UNTIL.exec(description) : null;
    out.push({
      ip: target.ip,
      expiresAt: m ? Date.parse(m[1]) : NaN,
      ...(m?.[2] ? { note: m[2] } : {}),
    });
  }
  return out;
}

/** Did netsh/PowerShell refuse for lack of elevation? */
export function isAccessDenied(r: CommandResult): boolean {
  return /requires elevation|Access is denied|run as administrator|PermissionDenied/i.test(`${r.stdout}\n${r.stderr}`);
}

/** Options of {@link WindowsFirewallBlocker}. */
export interface WindowsFirewallBlockerOptions {
  /** Runs netsh and PowerShell (default: the real ones). */
  runner?: CommandRunner;
  /** Clock in ms since the epoch (default `Date.now`). */
  now?: () => number;
}

/** Blocks addresses with Windows Firewall rules. */
export class WindowsFirewallBlocker implements Blocker {
  readonly backend = "windows" as const;
  readonly enforcing = true;
  #run: CommandRunner;
  #now: () => number;
  /** ip → expiry of the rules this process knows. */
  #expiry = new Map<string, { expiresAt: number; note?: string }>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: WindowsFirewallBlockerOptions = {}) {
    this.#run = options.runner ?? denoRunner;
    this.#now = options.now ?? Date.now;
  }

  async #delete(target: BlockTarget): Promise<boolean> {
    const r = await this.#run(netshDeleteArgs(target));
    if (r.code === 0) return true;
    if (/No rules match/i.test(r.stdout + r.stderr)) return false;
    throw new BlockError(`Cannot unblock ${target.ip}: netsh: ${firstLine(r)}`, { accessDenied: isAccessDenied(r) });
  }

  async block(ip: string, seconds: number, reason: string): Promise<void> {
    const target = requireBlockTarget(ip, "block");
    checkSeconds(seconds);
    const expiresAt = this.#now() + seconds * 1000;
    // one rule per address: an existing one (an earlier block) is replaced, which restarts its time
    if (this.#expiry.has(target.ip)) await this.#delete(target);
    const r = await this.#run(netshAddArgs(target, expiresAt, reason));
    if (r.code !== 0) {
      throw new BlockError(`Cannot block ${target.ip}: netsh: ${firstLine(r)}`, { accessDenied: isAccessDenied(r) });
    }
    const note = safeNote(reason);
    this.#expiry.set(target.ip, { expiresAt, ...(note ? { note } : {}) });
    this.#schedule();
  }

  async unblock(ip: string): Promise<boolean> {
    const target = requireBlockTarget(ip, "unblock");
    const removed = await this.#delete(target);
    this.#expiry.delete(target.ip);
    this.#schedule();
    return removed;
  }

  async #listRules(): Promise<ListedRule[]> {
    const r = await this.#run([...POWERSHELL, LIST_RULES_SCRIPT]);
    if (r.code !== 0) {
      throw new BlockError(`Cannot list firewall rules: ${firstLine(r)}`, { accessDenied: isAccessDenied(r) });
    }
    try {
      return parseRuleList(r.stdout);
    } catch (e) {
      throw new BlockError(`Cannot list firewall rules: unreadable output (${(e as Error).message})`);
    }
  }

  async list(): Promise<ActiveBlock[]> {
    await this.#expireDue();
    const now = this.#now();
    return (await this.#listRules()).map((rule) => {
      const known = this.#expiry.get(rule.ip);
      const expiresAt = known?.expiresAt ?? (Number.isNaN(rule.expiresAt) ? now : rule.expiresAt);
      const note = known?.note ?? rule.note;
      return { ip: rule.ip, expiresAt, ...(note ? { note } : {}) };
    });
  }

  async reconcile(): Promise<ReconcileResult> {
    const now = this.#now();
    const removed: string[] = [];
    const kept: ActiveBlock[] = [];
    for (const rule of await this.#listRules()) {
      const target = requireBlockTarget(rule.ip, "reconcile");
      // a rule without a readable expiry is treated as expired: never leave a block beyond its time
      if (Number.isNaN(rule.expiresAt) || rule.expiresAt <= now) {
        await this.#delete(target);
        this.#expiry.delete(target.ip);
        removed.push(target.ip);
      } else {
        this.#expiry.set(target.ip, { expiresAt: rule.expiresAt, ...(rule.note ? { note: rule.note } : {}) });
        kept.push({ ip: target.ip, expiresAt: rule.expiresAt, ...(rule.note ? { note: rule.note } : {}) });
      }
    }
    this.#schedule();
    return { removed, kept };
  }

  /** Deletes the rules whose time has passed. */
  async #expireDue(): Promise<void> {
    const now = this.#now();
    for (const [ip, { expiresAt }] of [...this.#expiry]) {
      if (expiresAt > now) continue;
      this.#expiry.delete(ip);
      try {
        await this.#delete(requireBlockTarget(ip, "expire block"));
      } catch {
        // retried by the next reconcile (the description still says it expired)
      }
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#closed || this.#expiry.size === 0) return;
    let next = Infinity;
    for (const { expiresAt } of this.#expiry.values()) next = Math.min(next, expiresAt);
    const delay = Math.min(Math.max(0, next - this.#now()), 2 ** 31 - 1);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#expireDue().finally(() => this.#schedule());
    }, delay);
    Deno.unrefTimer(this.#timer);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** True when the Windows process is elevated (asks PowerShell); false when it is not or cannot tell. */
export async function isWindowsAdmin(runner: CommandRunner = denoRunner): Promise<boolean> {
  const r = await runner([...POWERSHELL, IS_ADMIN_SCRIPT]);
  return r.code === 0 && r.stdout.trim() === "True";
}
