/**
 * The whole product under a million spoofed sources: a capture of 1,000,000 TCP SYNs from random spoofed sources
 * to 10.77.0.1:80 (54-byte frames 10 µs apart, generated here, deterministic) replayed by the real `ids replay FILE
 * --json` in a child process with the default configuration — ML on (its model Worker and WASM runtime), every
 * detector, `limits.max_flows` 262,144 — must still detect the flood (spoofed SYN-flood alerts on the victim, with
 * the model's verdicts) and stay at or under issue 15's bound of 300 MB peak RSS (measured 2026-12-01 after that day's
 * memory rounds: 282.8–291.6 MB in 43 runs, idle and under load; 335–349 MB before them, which fails). The peak is
 * printed. `tests/bounded_flood_test.ts` holds the detectors'
 * tables in process (65,536 flows, no model Worker); this one holds the process a user runs.
 *
 * The peak is the report's (`VmHWM` read by the replay at its end) and the highest `VmRSS` of the child sampled every
 * 20 ms from here, whichever is higher. Needs Linux (`/proc`) and the flow model (`models/ids-flow.onnx`): skipped
 * with the reason otherwise, failed under CI=true.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { checkModel } from "../ml/classifier.ts";
import { ignoreUnless, prereq } from "../testing/prereq.ts";

const PACKETS = 1_000_000;
/** Issue 15's bound on the whole process's peak RSS. */
const RSS_LIMIT_MB = 300;
const VICTIM = "10.77.0.1";
/**
 * Longest the replay may take (ms; it takes 5-15 s here): past it the test kills it (SIGKILL) and fails, so a hung
 * replay cannot hang the suite.
 */
const REPLAY_WITHIN_MS = 180_000;
const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

const hasProc = (() => {
  try {
    return /VmRSS:/.test(Deno.readTextFileSync("/proc/self/status"));
  } catch {
    return false;
  }
})();
const model = await checkModel();
const OK = hasProc && model.model !== undefined;
const WHY = !hasProc
  ? "needs Linux /proc (the child's resident set)"
  : `needs the flow model (${model.problem}; build it with \`deno task train\`)`;
const NAME = `ids replay of ${PACKETS.toLocaleString("en")} spoofed SYN sources, defaults (ML on): ` +
  `peak RSS ≤ ${RSS_LIMIT_MB} MB, flood detected`;

/**
 * Writes the capture: a classic pcap (Ethernet), SYNs from a random source (a 32-bit LCG, seed 12345, with
 * 0x01000000 or-ed in: never 0.x.x.x) and random source port to VICTIM:80, 10 µs apart.
 */
async function writeSpoofedFlood(path: string): Promise<void> {
  const FRAME = 54, REC = 16 + FRAME, BATCH = 65_536;
  const frame = new Uint8Array(FRAME);
  const f = new DataView(frame.buffer);
  frame.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 8, 0]); // MACs, IPv4
  frame[14] = 0x45, f.setUint16(16, 40), frame[22] = 64, frame[23] = 6; // IPv4, 40 bytes, TTL 64, TCP
  f.setUint32(30, (10 << 24 | 77 << 16 | 1) >>> 0); // to 10.77.0.1
  f.setUint16(36, 80), frame[46] = 0x50, frame[47] = 0x02, f.setUint16(48, 64240); // :80, SYN, window
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  const header = new DataView(new ArrayBuffer(24));
  header.setUint32(0, 0xa1b2c3d4, true), header.setUint16(4, 2, true), header.setUint16(6, 4, true);
  header.setUint32(16, 65535, true), header.setUint32(20, 1, true); // snaplen, DLT_EN10MB
  await file.write(new Uint8Array(header.buffer));
  const buf = new Uint8Array(BATCH * REC);
  const out = new DataView(buf.buffer);
  const t0 = 1_700_000_000_000_000; // µs
  for (let i = 0; i < PACKETS;) {
    const n = Math.min(BATCH, PACKETS - i);
    for (let k = 0; k < n; k++, i++) {
      f.setUint32(26, (rnd() | 0x01000000) >>> 0); // spoofed source
      f.setUint16(34, 1024 + (rnd() & 0x7fff)); // source port
      f.setUint32(38, rnd()); // sequence number
      f.setUint16(18, i & 0xffff); // IP id
      const at = k * REC, ts = t0 + i * 10;
      out.setUint32(at, Math.floor(ts / 1e6), true), out.setUint32(at + 4, ts % 1e6, true);
      out.setUint32(at + 8, FRAME, true), out.setUint32(at + 12, FRAME, true);
      buf.set(frame, at + 16);
    }
    const chunk = buf.subarray(0, n * REC);
    for (let w = 0; w < chunk.length;) w += await file.write(chunk.subarray(w));
  }
}

Deno.test({
  name: NAME,
  ignore: ignoreUnless(NAME, OK, WHY),
  async fn() {
    prereq(NAME, OK, WHY);
    const dir = await Deno.makeTempDir({ prefix: "ids-spoofed-million-" });
    try {
      const pcap = `${dir}/spoofed_1m.pcap`;
      await writeSpoofedFlood(pcap);
      // the defaults: no --config, no --data (and so no data directory's settings)
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, "replay", pcap, "--json"],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      let sampledMb = 0;
      const sample = setInterval(() => {
        try {
          const kb = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${child.pid}/status`))?.[1];
          if (kb !== undefined) sampledMb = Math.max(sampledMb, Number(kb) / 1024);
        } catch { /* ended */ }
      }, 20);
      const stdout = new Response(child.stdout).text();
      const stderr = new Response(child.stderr).text();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((r) => timer = setTimeout(() => r("late"), REPLAY_WITHIN_MS));
      let status: Deno.CommandStatus | "late";
      try {
        status = await Promise.race([child.status, late]);
        if (status === "late") {
          child.kill("SIGKILL");
          await child.status;
        }
      } finally {
        clearTimeout(timer);
        clearInterval(sample);
      }
      const err = await stderr;
      if (status === "late") {
        throw new Error(
          `Cannot finish the replay of ${PACKETS.toLocaleString("en")} spoofed sources: still running ` +
            `${REPLAY_WITHIN_MS} ms after its start, killed with SIGKILL (stderr: ${JSON.stringify(err.slice(-2000))})`,
        );
      }
      assert.equal(status.code, 0, err);
      const r = JSON.parse(await stdout);
      const peak = Math.max(r.peak_rss_mb, sampledMb);
      const spoofedOnVictim = (r.alert_list as { type: string; dst: string }[])
        .filter((a) => a.type === "syn_flood" && a.dst === VICTIM).length;
      console.log(
        `spoofed million: peak RSS ${r.peak_rss_mb} MB (report), ${sampledMb.toFixed(1)} MB (sampled); ` +
          `flows ${JSON.stringify(r.flows)}; alerts ${JSON.stringify(r.alerts)}; model ${JSON.stringify(r.model)}; ` +
          `${r.seconds_wall} s`,
      );
      assert.equal(r.packets, PACKETS);
      // the defaults: the flow table at its 262,144-flow cap, every flow past it evicted
      assert.equal(r.flows.capacity, 262_144);
      assert.equal(r.flows.live_at_end, 262_144);
      // detected, on the victim, and the model loaded and gave every alert its verdict
      assert.ok(r.alerts.syn_flood >= 1, `syn_flood alerts: ${JSON.stringify(r.alerts)}`);
      assert.equal(spoofedOnVictim, r.alerts.syn_flood);
      assert.equal(r.model.status, "loaded", `model: ${JSON.stringify(r.model)}`);
      assert.equal(r.model.verdicts, r.alerts.syn_flood);
      console.log(`peak RSS ${peak.toFixed(1)} MB (bound ${RSS_LIMIT_MB} MB)`);
      assert.ok(peak <= RSS_LIMIT_MB, `peak RSS ${peak.toFixed(1)} MB > ${RSS_LIMIT_MB} MB`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
