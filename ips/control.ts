/**
 * The IPS as the dashboard drives it: its mode, manual block and unblock (through the same rails), and
 * protecting the address of each connected dashboard client from being blocked while it is connected.
 *
 * @module
 */
import type { BlockEvent } from "../core/block.ts";
import type { Ips } from "./ips.ts";
import { toBlockEvent } from "./stage.ts";

/** What a dashboard needs of the IPS (web/ converts the block events to its rows). */
export interface IpsControlPort {
  /** `real` when blocks reach the firewall, `simulated` otherwise (re-read: a privilege failure changes it). */
  readonly mode: "real" | "simulated";
  /** The configuration key that switches the IPS on and off. */
  readonly configKey: "ips.enabled";
  /** Blocks `ip` for `seconds` by hand; rejects with `Cannot block …` when a rail refuses. */
  block(ip: string, seconds: number): Promise<BlockEvent>;
  /** Lifts the block on `ip`; rejects with `Cannot unblock <ip>: not blocked` when there is none. */
  unblock(ip: string): Promise<void>;
  /** Never blocks `ip` until the returned function is called (call it when the client disconnects). */
  protectClient(ip: string): () => void;
}

/** The dashboard's handle on an IPS. */
export function ipsControl(ips: Ips): IpsControlPort {
  return {
    get mode() {
      return ips.enforcing ? "real" : "simulated";
    },
    configKey: "ips.enabled",
    block: async (ip, seconds) => toBlockEvent(await ips.blockByHand(ip, seconds), "blocked by hand"),
    unblock: async (ip) => {
      if ((await ips.unblock(ip)) === 0) {
        throw new Error(`Cannot unblock ${JSON.stringify(ip).slice(0, 60)}: not blocked`);
      }
    },
    protectClient: (ip) => ips.rails.protectClient(ip),
  };
}
