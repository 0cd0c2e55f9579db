/**
 * Throw-away network namespaces joined to the host by a veth pair, for tests that need real interfaces.
 * Names carry this run's suffix (testing/run_net.ts) so concurrent test runs on one host never share a name;
 * host-side addresses come from this run's own /24, 10.78.<slot>.0/24 (one /30 per pair). Needs root and `ip`.
 *
 * @module
 */

import { runSlot, runSuffix } from "./run_net.ts";

/** A namespace and the veth pair that joins it to the host. */
export interface VethNamespace {
  /** Namespace name (`idsffi-<run>-<tag>`). */
  readonly ns: string;
  /** Host-side interface (in the root namespace). */
  readonly hostIf: string;
  /** Interface inside the namespace. */
  readonly nsIf: string;
  /** IPv4 address of the host side. */
  readonly hostAddr: string;
  /** IPv4 address inside the namespace. */
  readonly nsAddr: string;
  /** Deletes the namespace (and with it the veth pair). Safe to call twice. */
  cleanup(): Promise<void>;
}

/** Runs a command; resolves to its output, throws `Cannot run <cmd>: <stderr>` on failure. */
export async function sh(cmd: string[], options: { allowFail?: boolean } = {}): Promise<string> {
  const out = await new Deno.Command(cmd[0], { args: cmd.slice(1), stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success && !options.allowFail) {
    throw new Error(`Cannot run ${cmd.join(" ")}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return text;
}

/**
 * Creates namespace `idsffi-<run>-<tag>` with veth `ids<run><tag>h` (host, 10.78.<slot>.<4i+1>/30) ↔
 * `ids<run><tag>n` (namespace, 10.78.<slot>.<4i+2>/30), where `<run>`/`<slot>` are this run's reservation
 * ({@link runSuffix}, {@link runSlot}). `tag` is at most 7 characters; `index` 0–63 picks the /30.
 */
export async function createVethNamespace(tag: string, index: number): Promise<VethNamespace> {
  if (!/^[a-z0-9]{1,7}$/.test(tag)) throw new Error(`Cannot create namespace: bad tag "${tag}"`);
  if (!(index >= 0 && index < 64)) throw new Error(`Cannot create namespace: index ${index} out of 0–63`);
  const run = runSuffix();
  const ns = `idsffi-${run}-${tag}`;
  const hostIf = `ids${run}${tag}h`;
  const nsIf = `ids${run}${tag}n`;
  const net = `10.78.${runSlot()}`;
  const hostAddr = `${net}.${index * 4 + 1}`;
  const nsAddr = `${net}.${index * 4 + 2}`;
  await sh(["ip", "netns", "del", ns], { allowFail: true });
  await sh(["ip", "link", "del", hostIf], { allowFail: true });
  let done = false;
  const cleanup = async () => {
    if (done) return;
    done = true;
    await sh(["ip", "netns", "del", ns], { allowFail: true });
    await sh(["ip", "link", "del", hostIf], { allowFail: true });
  };
  try {
    await sh(["ip", "netns", "add", ns]);
    await sh(["ip", "link", "add", hostIf, "type", "veth", "peer", "name", nsIf, "netns", ns]);
    await sh(["sysctl", "-qw", `net.ipv6.conf.${hostIf}.disable_ipv6=1`], { allowFail: true });
    await sh(["ip", "netns", "exec", ns, "sysctl", "-qw", `net.ipv6.conf.${nsIf}.disable_ipv6=1`], {
      allowFail: true,
    });
    await sh(["ip", "addr", "add", `${hostAddr}/30`, "dev", hostIf]);
    await sh(["ip", "link", "set", hostIf, "up"]);
    await sh(["ip", "-n", ns, "addr", "add", `${nsAddr}/30`, "dev", nsIf]);
    await sh(["ip", "-n", ns, "link", "set", nsIf, "up"]);
    await sh(["ip", "-n", ns, "link", "set", "lo", "up"]);
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { ns, hostIf, nsIf, hostAddr, nsAddr, cleanup };
}
