/**
 * `ids`: network intrusion detection and prevention sensor. CLI entry point.
 *
 * @module
 */
import { UsageError } from "./cli/args.ts";
import { BARE_RUN_ARGS } from "./cli/bare.ts";
import { adoptCallerCwd } from "./cli/caller_cwd.ts";
import { StopLatch } from "./cli/_signals.ts";
import { VERSION, versionCommand } from "./cli/version.ts";

/**
 * A subcommand: returns the exit status. `stop`: the stop signals caught since the command started (`ids replay`,
 * `ids run`, `ids demo`).
 */
type Command = (args: string[], stop?: StopLatch) => Promise<number>;

// Each command's modules load when it runs (literal specifiers, so `deno compile` still embeds them): `ids replay`
// does not compile the dashboard, the store CLI and the other commands first (~40 ms of start-up).
const COMMANDS: Record<string, { run: Command; summary: string }> = {
  run: {
    run: async (a, stop) => (await import("./cli/run.ts")).runCommand(a, { stop }),
    summary: "capture live traffic, detect, write alerts (the default command)",
  },
  replay: {
    run: async (a, stop) => (await import("./cli/replay.ts")).replayCommand(a, { stop }),
    summary: "replay pcap/pcapng files (optionally .gz) and report",
  },
  demo: {
    run: async (a, stop) => (await import("./cli/demo.ts")).demoCommand(a, { stop }),
    summary: "replay the bundled real-tool capture and report",
  },
  eval: {
    run: async (a) => (await import("./cli/eval.ts")).evalCommand(a),
    summary: "per-scenario detection report for a labelled corpus",
  },
  alerts: {
    run: async (a) => (await import("./cli/alerts.ts")).alertsCommand(a),
    summary: "list stored alerts, or their statistics (ids alerts stats)",
  },
  interfaces: {
    run: async (a) => (await import("./cli/interfaces.ts")).interfacesCommand(a),
    summary: "list capture interfaces, the default marked",
  },
  blocks: {
    run: async (a) => (await import("./cli/blocks.ts")).blocksCommand(a),
    summary: "list IPS blocks in force; unblock IP | --all",
  },
  model: {
    run: async (a) => (await import("./cli/model.ts")).modelCommand(a),
    summary: "show the flow model: load status, classes, features, metrics",
  },
  config: {
    run: async (a) => (await import("./config/cli.ts")).configCommand(a),
    summary: "print the default configuration, or check a file",
  },
  notify: {
    run: async (a) => (await import("./cli/notify.ts")).notifyCommand(a),
    summary: "send a Telegram test message to every configured chat",
  },
  reputation: {
    run: async (a) => (await import("./cli/reputation.ts")).reputationCommand(a),
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

/** Starts `ids replay`'s capture (on this thread or in its Worker, as the command will ask for it) from its arguments. */
async function startReplayEarly(rest: string[]) {
  const session = await import("./sensor/capture_session.ts");
  // --speed's text as the command's parser takes it: `--speed X` or `--speed=X`, the last one
  const at = rest.findLastIndex((r) => r === "--speed" || r.startsWith("--speed="));
  const speed = at < 0 ? undefined : rest[at] === "--speed" ? rest[at + 1] : rest[at].slice("--speed=".length);
  return session.startCaptureWorkerEarly({
    detectors: !rest.includes("--no-detect"),
    inThread: session.replayRunsInThread({ serve: rest.includes("--serve"), speed }),
  });
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
  const help = rest.includes("-h") || rest.includes("--help");
  const replay = name === "replay" && !help;
  // `ids replay`, `ids run`, `ids demo` (not its one-shot --print / --json listing): Ctrl-C / SIGTERM are caught from
  // now on, before any slow start-up step (its modules, the configuration, the model, the outputs, the dashboard:
  // 50-1000 ms), and handed to the command once it can stop (a replay's report of what was read, the sensor's last
  // counters, the demo's temporary directory removed; exit 0); before, a signal in those ms ended the process with
  // exit 143 / 130 and no report or clean-up
  const latched = replay ||
    !help && (name === "run" || name === "demo" && !rest.includes("--print") && !rest.includes("--json"));
  const stop = latched ? new StopLatch() : undefined;
  // `ids replay`: the capture's modules start loading now, while the command's modules, the configuration and the
  // outputs load; an unpaced replay without the dashboard runs its capture on this thread (no second isolate: see
  // cli/replay.ts), a served or paced one in the capture Worker (a V8 isolate) on the other core
  const early = replay ? await startReplayEarly(rest) : undefined;
  try {
    return await cmd.run(rest, stop);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`ids ${name}: ${e.message} (run "ids ${name} --help")`);
      return 2;
    }
    console.error(`ids ${name}: ${(e as Error).message}`);
    return 1;
  } finally {
    early?.close(); // not taken: the command ended before its capture
    stop?.close();
  }
}

if (import.meta.main) {
  adoptCallerCwd(); // `deno task ids …` runs in the project root; relative paths mean the caller's directory
  Deno.exit(await main(Deno.args));
}
