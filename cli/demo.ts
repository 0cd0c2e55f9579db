/**
 * `ids demo`: replays the bundled real-tool capture and prints the report.
 *
 * @module
 */
import { formatReport } from "../pipeline/report.ts";
import { parseArgs } from "./args.ts";
import { replayFiles } from "./replay.ts";

/** The bundled demo capture (real tools in network namespaces; see tests/fixtures/README.md). */
export const DEMO_CAPTURE: URL = new URL("../tests/fixtures/demo.pcapng.gz", import.meta.url);

/** Help text of `ids demo`. */
export const DEMO_HELP = `Usage: ids demo [--json]

Replays the bundled capture of real attack tools (nmap, hping3, curl injections) and benign traffic,
recorded in network namespaces, and prints what ids saw.`;

/** Runs `ids demo`. */
export async function demoCommand(args: string[]): Promise<number> {
  const a = parseArgs(args, { boolean: ["json"] });
  if (a.help) {
    console.log(DEMO_HELP);
    return 0;
  }
  const { report } = await replayFiles([DEMO_CAPTURE]);
  if (a.json) console.log(JSON.stringify(report, null, 2));
  else console.log(formatReport(report));
  return report.errors.length > 0 ? 1 : 0;
}
