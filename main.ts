/**
 * `ids`: network intrusion detection and prevention sensor. CLI entry point.
 *
 * @module
 */
import { alertsCommand } from "./cli/alerts.ts";
import { UsageError } from "./cli/args.ts";
import { adoptCallerCwd } from "./cli/caller_cwd.ts";
import { configCommand } from "./config/cli.ts";
import { demoCommand } from "./cli/demo.ts";
import { evalCommand } from "./cli/eval.ts";
import { blocksCommand } from "./cli/blocks.ts";
import { interfacesCommand } from "./cli/interfaces.ts";
import { notifyCommand } from "./cli/notify.ts";
import { modelCommand } from "./cli/model.ts";
import { replayCommand } from "./cli/replay.ts";
import { reputationCommand } from "./cli/reputation.ts";
import { BARE_RUN_ARGS, runCommand } from "./cli/run.ts";
import { VERSION, versionCommand } from "./cli/version.ts";

/** A subcommand: returns the exit status. */
type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  run: { run: runCommand, summary: "capture live traffic, detect, write alerts (the default command)" },
  replay: { run: replayCommand, summary: "replay pcap/pcapng files (optionally .gz) and report" },
  demo: { run: demoCommand, summary: "replay the bundled real-tool capture and report" },
  eval: { run: evalCommand, summary: "per-scenario detection report for a labelled corpus" },
  alerts: { run: alertsCommand, summary: "list stored alerts, or their statistics (ids alerts stats)" },
  interfaces: { run: interfacesCommand, summary: "list capture interfaces, the default marked" },
  blocks: { run: blocksCommand, summary: "list IPS blocks in force; unblock IP | --all" },
  model: { run: modelCommand, summary: "show the flow model: load status, classes, features, metrics" },
  config: { run: (args) => configCommand(args), summary: "print the default configuration, or check a file" },
  notify: { run: (args) => notifyCommand(args), summary: "send a Telegram test message to every configured chat" },
  reputation: {
    run: (args) => reputationCommand(args),
    summary: "what AbuseIPDB knows about an address (cache or API)",
  },
  version: { run: versionCommand, summary: "print the version, commit, Deno and libpcap/Npcap versions" },
};

/** Top-level help. */
export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return `ids ${VERSION} — network intrusion detection and prevention sensor

Usage: ids <command> [options]      (ids <command> --help for details; ids alone = ids run with the dashboard)

Commands:
${Object.entries(COMMANDS).map(([k, v]) => `  ${k.padEnd(width)}  ${v.summary}`).join("\n")}

Exit status: 0 done, 1 runtime failure, 2 bad usage.`;
}

/**
 * The subcommand and its arguments: `ids` alone (a double-click on Windows) monitors the default
 * interface with the dashboard on and opens it; `ids --iface eth0 …` is `ids run --iface eth0 …`.
 */
export function resolveCommand(args: readonly string[]): string[] {
  const first = args[0];
  if (first === undefined) return ["run", ...BARE_RUN_ARGS];
  return first.startsWith("--") ? ["run", ...args] : [...args];
}

/** Runs the CLI with `args`; returns the exit status. */
export async function main(args: string[]): Promise<number> {
  const first = args[0];
  if (first === "--help" || first === "-h" || first === "help") {
    console.log(mainHelp());
    return 0;
  }
  const [name, ...rest] = resolveCommand(args);
  if (name === "--version") return versionCommand([]);
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`ids: unknown command "${name}" (run "ids --help")`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`ids ${name}: ${e.message} (run "ids ${name} --help")`);
      return 2;
    }
    console.error(`ids ${name}: ${(e as Error).message}`);
    return 1;
  }
}

if (import.meta.main) {
  adoptCallerCwd(); // `deno task ids …` runs in the project root; relative paths mean the caller's directory
  Deno.exit(await main(Deno.args));
}
