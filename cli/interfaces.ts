/**
 * `ids interfaces`: capture devices with description, addresses and flags; the default marked.
 *
 * @module
 */
import { formatInterfaces, listInterfaces } from "../capture/interfaces.ts";
import { parseArgs } from "./args.ts";

/** Help text of `ids interfaces`. */
export const INTERFACES_HELP = `Usage: ids interfaces [--json]

Lists the devices libpcap (Npcap on Windows) can capture on, with description, addresses and
flags. The default (*) is what \`ids run\` uses without --iface: the first device that is up,
running, not loopback, and has an address.`;

/** Runs `ids interfaces`. */
export function interfacesCommand(args: string[]): Promise<number> {
  const a = parseArgs(args, { boolean: ["json"], string: ["pcap-library"] });
  if (a.help) {
    console.log(INTERFACES_HELP);
    return Promise.resolve(0);
  }
  const list = listInterfaces({ libraryPath: a["pcap-library"] as string | undefined });
  if (a.json) console.log(JSON.stringify(list, null, 2));
  else Deno.stdout.writeSync(new TextEncoder().encode(formatInterfaces(list)));
  return Promise.resolve(0);
}
