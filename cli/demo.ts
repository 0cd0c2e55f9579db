/**
 * `ids demo`: replays the bundled real-tool capture and shows what ids saw.
 *
 * @module
 */
import type { Alert } from "../core/alert.ts";
import { ipToString } from "../decode/packet.ts";
import { escapeExcerpt } from "../detectors/url_decode.ts";
import { formatReport } from "../pipeline/report.ts";
import { parseArgs } from "./args.ts";
import { replayFiles } from "../sensor/replay.ts";

/** The bundled demo capture (real tools in network namespaces; see tests/fixtures/README.md). */
export const DEMO_CAPTURE: URL = new URL("../tests/fixtures/demo.pcapng.gz", import.meta.url);

/** Help text of `ids demo`. */
export const DEMO_HELP = `Usage: ids demo [--json]

Replays the bundled capture of real attack tools (nmap, hping3, curl injections) and benign traffic,
recorded in network namespaces, and prints every alert and the replay report.`;

/** One line per alert: time, label, source → victim, evidence (attacker bytes escaped). */
export function formatAlertLine(a: Alert): string {
  const t = new Date(a.tsUs / 1000).toISOString().slice(11, 23);
  const port = (p: number) => (a.proto === 6 || a.proto === 17) && p > 0 ? `:${p}` : "";
  return `${t}  ${a.label.padEnd(28)} ${(ipToString(a.src) + port(a.srcPort)).padEnd(22)} → ${
    (ipToString(a.dst) + port(a.dstPort)).padEnd(22)
  } ${escapeExcerpt(a.reason, 120)}`;
}

/** Runs `ids demo`. */
export async function demoCommand(args: string[]): Promise<number> {
  const a = parseArgs(args, { boolean: ["json"] });
  if (a.help) {
    console.log(DEMO_HELP);
    return 0;
  }
  const alerts: Alert[] = [];
  const { report } = await replayFiles([DEMO_CAPTURE], { onAlert: (al) => alerts.push(al) });
  if (a.json) {
    console.log(JSON.stringify({ alerts, report }, null, 2));
  } else {
    console.log(`Alerts (${alerts.length}):`);
    for (const al of alerts) console.log(`  ${formatAlertLine(al)}`);
    console.log("");
    console.log(formatReport(report));
  }
  return report.errors.length > 0 ? 1 : 0;
}
