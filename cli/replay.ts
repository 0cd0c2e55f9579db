/**
 * `ids replay FILE...`: replays capture files through decode, flow table and every detector, on
 * packet time, writing alerts as EVE JSON.
 *
 * @module
 */
import { EveWriter } from "../alerts/eve_writer.ts";
import { ConfigError } from "../config/config_error.ts";
import type { Config } from "../config/defaults.ts";
import { loadConfig } from "../config/load.ts";
import { formatReport } from "../pipeline/report.ts";
import { createIps, type IpsHandle } from "../ips/setup.ts";
import { Hub } from "../sensor/hub.ts";
import { replayFiles, type ReplayResult } from "../sensor/replay.ts";
import { parseArgs, UsageError } from "./args.ts";

/** Help text of `ids replay`. */
export const REPLAY_HELP = `Usage: ids replay FILE... [options]

Replays pcap / pcapng files (optionally .gz) through the decoders, the flow table and every
detector. Windows, timeouts and throttles run on packet time, so a replay raises the same alerts
as the live run did. Prints a report: packets, bytes, rate, link types, decode events, flows, alerts.

Options:
  --eve PATH|-    write alerts as Suricata EVE JSON lines to PATH (appended), or to stdout with -
  --config FILE   JSON configuration (see: ids config defaults)
  --json          print the report as JSON on stdout (not with --eve -)
  --stats         print the report on stderr (the default unless --json)
  --max-flows N   flow table cap (default from the configuration: limits.max_flows)
  --no-detect     decode and flow table only, no detectors (for benchmarks)
  --ips           decide blocks as the live IPS would, simulated (the firewall is not touched);
                  blocks start and expire on packet time
  --ips-firewall  block in the real host firewall during the replay (explicit; needs privileges)
  --no-ips        no IPS, whatever the configuration says
  -h, --help      this help

Exit status: 0 done, 1 a file could not be read (the report still covers what was read), 2 bad usage.`;

/** Runs `ids replay`; returns the exit status. */
export async function replayCommand(args: string[]): Promise<number> {
  const a = parseArgs(args, {
    boolean: ["json", "stats", "no-detect", "ips", "no-ips", "ips-firewall"],
    string: ["max-flows", "eve", "config"],
  });
  if (a.help) {
    console.log(REPLAY_HELP);
    return 0;
  }
  if (a._.length === 0) throw new UsageError("ids replay needs at least one capture FILE");
  let maxFlows: number | undefined;
  if (a["max-flows"] !== undefined) {
    maxFlows = Number(a["max-flows"]);
    if (!Number.isInteger(maxFlows) || maxFlows < 16 || maxFlows > 16_777_216) {
      throw new UsageError("--max-flows must be an integer from 16 to 16777216");
    }
  }
  const evePath = a.eve as string | undefined;
  if (evePath === "-" && a.json) throw new UsageError("--json and --eve - both write to stdout: choose one");
  let config: Config;
  try {
    config = await loadConfig(a.config as string | undefined);
  } catch (e) {
    console.error(
      `ids replay: ${e instanceof ConfigError ? e.message : `Cannot load configuration: ${(e as Error).message}`}`,
    );
    return 1;
  }
  if (a["ips-firewall"] === true && a["no-ips"] === true) {
    throw new UsageError("--ips-firewall and --no-ips contradict each other");
  }
  const eve = evePath === undefined ? undefined : EveWriter.open(evePath);
  // IPS in a replay: simulated (the firewall is not touched) unless --ips-firewall asks for real blocks
  const hub = new Hub();
  let ipsHandle: IpsHandle | undefined;
  if (a["no-ips"] !== true && (a.ips === true || a["ips-firewall"] === true || config.ips.enabled)) {
    try {
      ipsHandle = await createIps({
        config,
        mode: a["ips-firewall"] === true ? "real" : "simulated",
        bus: hub,
        clock: a["ips-firewall"] === true ? "wall" : "packet",
      });
    } catch (e) {
      eve?.close();
      console.error(`ids replay: Cannot start the IPS: ${(e as Error).message}`);
      return 1;
    }
  }
  let result: ReplayResult;
  try {
    result = await replayFiles(a._, {
      config,
      hub,
      ips: ipsHandle?.stage,
      maxFlows,
      noDetect: a["no-detect"] === true,
      onAlert: eve ? (alert) => eve.write(alert) : undefined,
    });
  } finally {
    ipsHandle?.close();
    await hub.close();
    eve?.close();
  }
  const { report } = result;
  if (a.json) console.log(JSON.stringify(report, null, 2));
  if (!a.json || a.stats) console.error(formatReport(report));
  else {
    // the report went to stdout as JSON: problems still get their one line on stderr
    for (const w of report.warnings) console.error(`ids replay: warning: ${w}`);
    for (const e of report.errors) console.error(`ids replay: ${e.message} (${e.packets} packets read before it)`);
  }
  return report.errors.length > 0 ? 1 : 0;
}
