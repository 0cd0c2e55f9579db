/**
 * Helpers of the live tests (tests/live_*_test.ts) and the live benchmark (bench/live_bench.ts): two network
 * namespaces joined by a veth pair, `ids` started inside one of them, bounded traffic tools run in the other.
 *
 * Namespaces are named `idslive-<run>-<tag>a` / `idslive-<run>-<tag>b`, interfaces `idsl<run><tag>a` /
 * `idsl<run><tag>b`, where `<run>` is this test run's suffix (testing/run_net.ts), so concurrent runs on one
 * host never collide. Both ends of the veth live in the test's own namespaces, so their addresses
 * (10.76.0.0/24, one /30 per pair) never meet another run's. Every traffic command is bounded by count and by
 * `timeout`. Needs root, `ip`, `ethtool` and `ping`.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { loadPcap } from "../ffi/npcap.ts";
import { sh } from "../testing/netns.ts";
import { hasCommand, isRoot } from "../testing/prereq.ts";
import { runSuffix } from "../testing/run_net.ts";

/** The repository root (where main.ts is). */
export const REPO: string = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
/** main.ts of this checkout. */
export const MAIN: string = `${REPO}/main.ts`;

/** Two namespaces joined by a veth pair: A sends, B runs `ids`. */
export interface LivePair {
  readonly nsA: string;
  readonly nsB: string;
  readonly ifA: string;
  readonly ifB: string;
  readonly addrA: string;
  readonly addrB: string;
  readonly macA: string;
  readonly macB: string;
  /** Kills every process left in the namespaces and deletes them. Safe to call twice. */
  cleanup(): Promise<void>;
}

/** Does libpcap load (the live tests capture with it)? */
export function hasLibpcap(): boolean {
  try {
    loadPcap();
    return true;
  } catch {
    return false;
  }
}

/** Root, Linux, libpcap and the `ip`/`ethtool`/`ping` commands: {@link createLivePair} and `ids run` can work. */
export function canCreateLivePair(): boolean {
  return isRoot() && Deno.build.os === "linux" && hasLibpcap() && hasCommand("ip", ["netns", "list"]) &&
    hasCommand("ethtool") && hasCommand("ping", ["-V"]);
}

async function killNamespace(ns: string): Promise<void> {
  const pids = (await sh(["ip", "netns", "pids", ns], { allowFail: true })).split(/\s+/).filter((p) => /^\d+$/.test(p));
  for (const pid of pids) {
    try {
      Deno.kill(Number(pid), "SIGKILL");
    } catch { /* already gone */ }
  }
}

/**
 * Creates namespaces `idslive-<run>-<tag>a` and `idslive-<run>-<tag>b` joined by veth `idsl<run><tag>a` ↔
 * `idsl<run><tag>b`
 * (10.76.0.<4i+1>/30 ↔ 10.76.0.<4i+2>/30), offloads off so frames are MTU-sized, IPv6 off so an idle link is
 * silent, and the ARP entries resolved. `tag` is 1–7 lowercase letters/digits; `index` 0–63 picks the /30.
 */
export async function createLivePair(tag: string, index: number): Promise<LivePair> {
  if (!/^[a-z0-9]{1,7}$/.test(tag)) throw new Error(`Cannot create namespaces: bad tag "${tag}"`);
  if (!(Number.isInteger(index) && index >= 0 && index < 64)) {
    throw new Error(`Cannot create namespaces: index ${index} out of 0–63`);
  }
  const run = runSuffix();
  const nsA = `idslive-${run}-${tag}a`, nsB = `idslive-${run}-${tag}b`;
  const ifA = `idsl${run}${tag}a`, ifB = `idsl${run}${tag}b`;
  const addrA = `10.76.0.${index * 4 + 1}`, addrB = `10.76.0.${index * 4 + 2}`;
  let done = false;
  const cleanup = async () => {
    if (done) return;
    done = true;
    for (const ns of [nsA, nsB]) {
      await killNamespace(ns);
      await sh(["ip", "netns", "del", ns], { allowFail: true });
    }
  };
  for (const ns of [nsA, nsB]) {
    await killNamespace(ns);
    await sh(["ip", "netns", "del", ns], { allowFail: true });
  }
  try {
    await sh(["ip", "netns", "add", nsA]);
    await sh(["ip", "netns", "add", nsB]);
    await sh(["ip", "link", "add", ifA, "netns", nsA, "type", "veth", "peer", "name", ifB, "netns", nsB]);
    for (const [ns, ifc, addr] of [[nsA, ifA, addrA], [nsB, ifB, addrB]]) {
      await sh(["ip", "netns", "exec", ns, "sysctl", "-qw", `net.ipv6.conf.${ifc}.disable_ipv6=1`], {
        allowFail: true,
      });
      await sh(["ip", "netns", "exec", ns, "ethtool", "-K", ifc, "tso", "off", "gso", "off", "gro", "off"], {
        allowFail: true,
      });
      await sh(["ip", "-n", ns, "addr", "add", `${addr}/30`, "dev", ifc]);
      await sh(["ip", "-n", ns, "link", "set", "lo", "up"]);
      await sh(["ip", "-n", ns, "link", "set", ifc, "up"]);
    }
    const mac = async (ns: string, ifc: string) =>
      (await sh(["ip", "-n", ns, "-o", "link", "show", ifc])).match(/link\/ether ([0-9a-f:]{17})/)?.[1] ?? "";
    const macA = await mac(nsA, ifA), macB = await mac(nsB, ifB);
    // resolve ARP both ways now, so the first packets of a burst are not queued behind a neighbour lookup
    await sh(["ip", "netns", "exec", nsA, "ping", "-q", "-n", "-c", "1", "-W", "2", addrB]);
    await sh(["ip", "netns", "exec", nsB, "ping", "-q", "-n", "-c", "1", "-W", "2", addrA]);
    return { nsA, nsB, ifA, ifB, addrA, addrB, macA, macB, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** Output of a finished command. */
export interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd` inside `ns`, bounded by `timeout -s KILL <seconds>`; never throws on a non-zero exit. */
export async function runIn(ns: string, seconds: number, cmd: string[]): Promise<Finished> {
  const out = await new Deno.Command("ip", {
    args: ["netns", "exec", ns, "timeout", "-s", "KILL", String(seconds), ...cmd],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Like {@link runIn}, but throws `Cannot run …` when the command fails. */
export async function mustRunIn(ns: string, seconds: number, cmd: string[]): Promise<Finished> {
  const r = await runIn(ns, seconds, cmd);
  if (r.code !== 0) throw new Error(`Cannot run ${cmd.join(" ")} in ${ns} (exit ${r.code}): ${r.stderr.trim()}`);
  return r;
}

/**
 * The argv of a curl GET of `url` that waits for a server still starting (`retries` refused
 * connections, no delay) and prints the HTTP status code.
 */
export function curlArgs(url: string, retries = 20): string[] {
  return [
    "curl",
    ...["-s", "-o", "/dev/null", "-w", "%{http_code}"],
    ...["--retry", String(retries), "--retry-connrefused", "--retry-delay", "0", "--max-time", "10"],
    url,
  ];
}

/** The argv of an hping3 flood of `count` never-completing UDP fragments from random sources to `addr`. */
export function fragmentFloodArgs(count: number, addr: string): string[] {
  return ["hping3", "-2", "-q", "--rand-source", "-x", "-d", "200", "-p", "9", "-i", "u20", "-c", String(count), addr];
}

/** A background process in a namespace (a server); {@link Background.stop} kills it. */
export interface Background {
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts `cmd` in `ns` in the background, bounded by `timeout -s KILL <seconds>`; output discarded. */
export function startIn(ns: string, seconds: number, cmd: string[]): Background {
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", ns, "timeout", "-s", "KILL", String(seconds), ...cmd],
    stdout: "null",
    stderr: "null",
    stdin: "null",
  }).spawn();
  let stopped = false;
  return {
    pid: child.pid,
    async stop() {
      if (!stopped) {
        stopped = true;
        try {
          child.kill("SIGKILL");
        } catch { /* already exited */ }
      }
      await child.status;
    },
  };
}

/** How {@link IdsProcess} starts `ids`. */
export interface IdsProcessOptions {
  /** Run inside this network namespace. */
  ns?: string;
  /** SIGKILL after this many seconds (default 60). */
  maxSeconds?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Command words before `deno` (e.g. setpriv …). */
  prefix?: string[];
  /** The deno binary (default: the one running). */
  deno?: string;
  /** The main.ts to run (default: this checkout's). */
  main?: string;
  /** Working directory (default: the repository). */
  cwd?: string;
}

/** A running `ids` process whose stdout and stderr are collected as they arrive. */
export class IdsProcess {
  readonly child: Deno.ChildProcess;
  stdout = "";
  stderr = "";
  #done: Promise<Deno.CommandStatus>;
  #status: Deno.CommandStatus | undefined;
  #watchdog: ReturnType<typeof setTimeout>;

  /**
   * Starts `deno run -A main.ts <args>` (inside `ns` when given). The process is SIGKILLed after
   * `maxSeconds` whatever happens, so a hang fails the test instead of blocking it.
   */
  constructor(args: string[], options: IdsProcessOptions = {}) {
    // `ids run` as root defaults to /var/lib/ids: a test never writes the machine's own data directory
    const data = args[0] === "run" && !args.includes("--data") && !args.includes("--no-data") &&
        options.prefix === undefined
      ? Deno.makeTempDirSync({ prefix: "ids-live-data-" })
      : undefined;
    if (data !== undefined) args = [...args, "--data", data];
    const deno = [options.deno ?? Deno.execPath(), "run", "-A", options.main ?? MAIN, ...args];
    const wrapped = [...options.prefix ?? [], ...deno];
    const argv = options.ns ? ["ip", "netns", "exec", options.ns, ...wrapped] : wrapped;
    this.child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      cwd: options.cwd ?? REPO,
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
      env: options.env,
    }).spawn();
    // (typed as a plain transform: with the DOM lib in the graph — the dashboard's islands — the two
    // TextDecoderStream declarations disagree on the writable side)
    const dec = (s: ReadableStream<Uint8Array>, add: (t: string) => void) =>
      s.pipeThrough(new TextDecoderStream() as TransformStream<Uint8Array, string>).pipeTo(
        new WritableStream({ write: add }),
      );
    const out = dec(this.child.stdout, (t) => this.stdout += t);
    const err = dec(this.child.stderr, (t) => this.stderr += t);
    this.#watchdog = setTimeout(() => this.kill("SIGKILL"), (options.maxSeconds ?? 60) * 1000);
    this.#done = Promise.all([this.child.status, out, err]).then(async ([s]) => {
      clearTimeout(this.#watchdog);
      if (data !== undefined) await Deno.remove(data, { recursive: true }).catch(() => {});
      this.#status = s;
      return s;
    });
  }

  /** The exit status, once exited. */
  get status(): Deno.CommandStatus | undefined {
    return this.#status;
  }

  /** Sends a signal (ignored once exited). */
  kill(signal: Deno.Signal): void {
    if (this.#status) return;
    try {
      this.child.kill(signal);
    } catch { /* already exited */ }
  }

  /** Resolves when the process exited and its output was read. */
  wait(): Promise<Deno.CommandStatus> {
    return this.#done;
  }

  /** Waits until `pred()` holds (true) or `ms` passed or the process exited (false). */
  async until(pred: () => boolean, ms: number): Promise<boolean> {
    const end = performance.now() + ms;
    while (!pred()) {
      if (this.#status || performance.now() > end) return pred();
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  /** Waits for the "ids: capturing on …" line; throws with the output when it does not come in `ms`. */
  async capturing(ms = 15000): Promise<void> {
    if (!await this.until(() => /^ids: capturing on /m.test(this.stderr), ms)) {
      this.kill("SIGKILL");
      await this.wait();
      throw new Error(`ids did not start capturing within ${ms} ms; stderr: ${this.stderr.trim()}`);
    }
  }

  /** Sends `signal` and waits for the exit; returns the status and the ms from signal to exit. */
  async stop(signal: Deno.Signal = "SIGINT"): Promise<{ status: Deno.CommandStatus; ms: number }> {
    const t0 = performance.now();
    this.kill(signal);
    const status = await this.wait();
    return { status, ms: performance.now() - t0 };
  }
}

/** The counters of the final `ids: <iface>: N packets …` line (formatStats), or undefined. */
export interface ExitCounters {
  iface: string;
  packets: number;
  bytes: number;
  received: number;
  droppedKernel: number;
  droppedIface: number;
  alerts: Record<string, number>;
}

/** Parses the last counters line `ids: IFACE: N packets (B bytes), received R, dropped by kernel K, …` of stderr. */
export function parseExitCounters(stderr: string): ExitCounters | undefined {
  const re =
    /^ids: (\S+): (\d+) packets \((\d+) bytes\), received (\d+), dropped by kernel (\d+), dropped by interface (\d+),.*alerts: (.*)$/gm;
  let last: RegExpExecArray | null = null;
  for (let m = re.exec(stderr); m !== null; m = re.exec(stderr)) last = m;
  if (!last) return undefined;
  const alerts: Record<string, number> = {};
  if (last[7] !== "none") {
    for (const part of last[7].split(", ")) {
      const [k, v] = part.split(" ");
      alerts[k] = Number(v);
    }
  }
  return {
    iface: last[1],
    packets: Number(last[2]),
    bytes: Number(last[3]),
    received: Number(last[4]),
    droppedKernel: Number(last[5]),
    droppedIface: Number(last[6]),
    alerts,
  };
}

/** One EVE alert line, as much of it as the tests look at. */
export interface EveAlert {
  src_ip: string;
  dest_ip: string;
  event_type: string;
  alert: { metadata: { tag: string[] } };
  [k: string]: unknown;
}

/** Parses EVE JSON lines (every non-empty line must be a JSON object, else this throws naming the line). */
export function parseEveLines(text: string): EveAlert[] {
  return text.split("\n").filter((l) => l !== "").map((l, i) => {
    try {
      const v = JSON.parse(l);
      if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
      return v as EveAlert;
    } catch (e) {
      throw new Error(`EVE line ${i + 1} is not a JSON object (${(e as Error).message}): ${l.slice(0, 200)}`);
    }
  });
}

/** The attack type of an EVE alert (first tag). */
export function attackType(a: EveAlert): string {
  return a.alert?.metadata?.tag?.[0] ?? "";
}

/**
 * Sends exactly `n` UDP datagrams of `payload` from `ns` to `dst:port` with python (bounded by `timeout`),
 * paced at about `pps` per second so no socket buffer overflows.
 */
export async function sendUdp(ns: string, dst: string, port: number, n: number, payload: string, pps = 20000) {
  const py = `import socket,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
p=${JSON.stringify(payload)}.encode()
gap=1.0/${pps}
t=time.perf_counter()
for i in range(${n}):
    s.sendto(p,(${JSON.stringify(dst)},${port}))
    t+=gap
    d=t-time.perf_counter()
    if d>0: time.sleep(d)
`;
  await mustRunIn(ns, 30, ["python3", "-c", py]);
}
