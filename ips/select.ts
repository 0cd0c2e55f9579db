/**
 * Choosing the backend: nftables on Linux and Windows Firewall on Windows when `ids` may change the
 * firewall; otherwise the simulated backend, with one line saying how to enable real blocking.
 *
 * @module
 */
import type { Blocker } from "./blocker.ts";
import { type CommandRunner, denoRunner } from "./command.ts";
import { NftablesBlocker } from "./nftables.ts";
import { SimulatedBlocker } from "./simulated.ts";
import { isWindowsAdmin, WindowsFirewallBlocker } from "./windows_firewall.ts";

/** Options of {@link selectBlocker}. */
export interface SelectBlockerOptions {
  /** `real`: the OS firewall when possible; `simulated`: never touch the firewall. */
  mode: "real" | "simulated";
  /** Operating system (default `Deno.build.os`). */
  os?: string;
  /** Runs firewall commands (default: the real runner). */
  runner?: CommandRunner;
  /** nftables table (default `ids`). */
  table?: string;
}

/** The chosen backend, and, when it is simulated, the one line telling why and how to enforce. */
export interface SelectedBlocker {
  blocker: Blocker;
  /** Empty when blocks are enforced. */
  notice: string;
}

/** Picks and prepares the backend. Never throws for a missing privilege: that selects simulation. */
export async function selectBlocker(options: SelectBlockerOptions): Promise<SelectedBlocker> {
  const os = options.os ?? Deno.build.os;
  const runner = options.runner ?? denoRunner;
  if (options.mode === "simulated") {
    return { blocker: new SimulatedBlocker(), notice: "IPS: simulated blocks (the firewall is not touched)" };
  }
  if (os === "linux") {
    const nft = new NftablesBlocker({ runner, table: options.table });
    try {
      await nft.setup();
      return { blocker: nft, notice: "" };
    } catch (e) {
      return {
        blocker: new SimulatedBlocker(),
        notice: `IPS: blocks are simulated: ${(e as Error).message}. To enforce them: apt-get install nftables ` +
          "and run ids as root (or: sudo setcap cap_net_admin,cap_net_raw=eip ./ids)",
      };
    }
  }
  if (os === "windows") {
    if (await isWindowsAdmin(runner)) return { blocker: new WindowsFirewallBlocker({ runner }), notice: "" };
    return {
      blocker: new SimulatedBlocker(),
      notice: "IPS: blocks are simulated: not running as Administrator. To enforce them: run ids from an " +
        "elevated prompt (right-click, Run as administrator)",
    };
  }
  return {
    blocker: new SimulatedBlocker(),
    notice: `IPS: blocks are simulated: no firewall backend for ${os} (nftables on Linux, Windows Firewall on Windows)`,
  };
}
