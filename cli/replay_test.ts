/** `ids replay`: JSON report, exit codes, truncation message, help. Runs `main()` in-process. */
import assert from "node:assert/strict";
import { gzip, pcapFile, type PcapRecord, pcapRecord, tempFile } from "../capture/_test_pcap_writer.ts";
import { arp, cat, eth, ipv4, ipv6, payload, tcp, udp } from "../decode/_test_frames.ts";
import { EtherType } from "../decode/link.ts";
import { TcpFlag } from "../decode/packet.ts";
import { runMain } from "../testing/run_main.ts";

/** Runs main(args) capturing console output. */
const ids = runMain;

const { SYN, ACK, FIN, PSH } = TcpFlag;
const C = "10.77.0.2", S = "10.77.0.1";

/** A small capture: one TCP connection (7 packets), a DNS exchange, an IPv6 ping, an ARP and a cut frame. */
function records(): PcapRecord[] {
  const t = (sp: number, dp: number, flags: number, src = C, dst = S, data: Uint8Array = new Uint8Array(0)) =>
    cat(eth(EtherType.IPV4), ipv4({ src, dst, proto: 6 }, tcp({ sp, dp, flags }, data)));
  const frames: Uint8Array[] = [
    t(40000, 80, SYN),
    t(80, 40000, SYN | ACK, S, C),
    t(40000, 80, ACK),
    t(40000, 80, PSH | ACK, C, S, new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n")),
    t(80, 40000, PSH | ACK, S, C, payload(100)),
    t(40000, 80, FIN | ACK),
    t(80, 40000, FIN | ACK, S, C),
    cat(eth(EtherType.IPV4), ipv4({ src: C, dst: S, proto: 17 }, udp(5353, 53, payload(30)))),
    cat(eth(EtherType.IPV4), ipv4({ src: S, dst: C, proto: 17 }, udp(53, 5353, payload(60)))),
    cat(
      eth(EtherType.IPV6),
      ipv6({ src: "fd77::2", dst: "fd77::1", next: 58 }, new Uint8Array([128, 0, 0, 0, 0, 1, 0, 1])),
    ),
    cat(eth(EtherType.ARP), arp(1, C, S)),
    cat(eth(EtherType.IPV4), ipv4({ src: C, dst: S, proto: 6 }, tcp({ sp: 1, dp: 2, flags: SYN }))).subarray(0, 30),
  ];
  return frames.map((data, i) => ({
    sec: 1_700_000_000 + i,
    frac: 500_000,
    data,
    origLen: i === frames.length - 1 ? 54 : data.length,
  }));
}

const temps: string[] = [];
async function temp(bytes: Uint8Array, suffix = ".pcap"): Promise<string> {
  const p = await tempFile(bytes, suffix);
  temps.push(p);
  return p;
}

Deno.test("replay --json: the report parses and matches the capture", async () => {
  const recs = records();
  const path = await temp(pcapFile(recs));
  const { code, out } = await ids("replay", path, "--json");
  assert.equal(code, 0);
  const r = JSON.parse(out);
  assert.deepEqual(r.files, [path]);
  assert.equal(r.packets, recs.length);
  assert.equal(r.bytes, recs.reduce((n, x) => n + x.data.length, 0));
  assert.equal(r.ip_packets, 10, "everything but the ARP and the cut frame");
  assert.deepEqual(r.link_types, { EN10MB: recs.length });
  assert.deepEqual(r.decode_events, { "ipv4.truncated": 1 });
  assert.equal(r.frames_with_decode_events, 1);
  assert.equal(r.flows.created, 3, "TCP, UDP, ICMPv6");
  assert.equal(r.flows.live_at_end, 3);
  assert.equal(r.flows.evicted, 0);
  assert.equal(r.capture_span_seconds, recs.length - 1);
  assert.deepEqual(r.errors, []);
  assert.equal(typeof r.seconds_wall, "number");
});

Deno.test("replay of several files (pcap + gzip) adds up; --max-flows sets the cap", async () => {
  const recs = records();
  const a = await temp(pcapFile(recs));
  const b = await temp(await gzip(pcapFile(recs, { le: false, nano: true })), ".pcap.gz");
  const { code, out } = await ids("replay", a, b, "--json", "--max-flows", "16");
  assert.equal(code, 0);
  const r = JSON.parse(out);
  assert.equal(r.packets, 2 * recs.length);
  assert.equal(r.flows.capacity, 16);
  assert.deepEqual(r.decode_events, { "ipv4.truncated": 2 });
});

Deno.test("replay of a truncated file: exit 1, the report covers what was read, the message names the offset", async () => {
  const recs = records();
  const whole = pcapFile(recs);
  const cut = whole.length - 10; // inside the last record's data
  const path = await temp(whole.slice(0, cut));
  const lastStart = whole.length - (16 + recs[recs.length - 1].data.length);
  // human report on stderr
  const human = await ids("replay", path);
  assert.equal(human.code, 1);
  assert.match(
    human.err,
    new RegExp(
      `error +${path}: Cannot read packet record: file truncated at byte ${cut} \\(record at byte ${lastStart} needs \\d+ bytes, \\d+ left\\) \\(${
        recs.length - 1
      } packets read before it\\)`,
    ),
  );
  assert.match(human.err, new RegExp(`packets +${recs.length - 1} `));
  // JSON report
  const j = await ids("replay", path, "--json");
  assert.equal(j.code, 1);
  const r = JSON.parse(j.out);
  assert.equal(r.packets, recs.length - 1);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].offset, lastStart);
  assert.equal(r.errors[0].packets, recs.length - 1);
  assert.match(r.errors[0].message, new RegExp(`^${path}: Cannot read packet record: file truncated at byte ${cut} `));
  // a truncated .gz
  const gz = await gzip(whole);
  const gzPath = await temp(gz.slice(0, gz.length - 6), ".pcap.gz");
  const g = await ids("replay", gzPath, "--json");
  assert.equal(g.code, 1);
  assert.match(JSON.parse(g.out).errors[0].message, /gzip data/);
  // a file with a truncated record header after good records, followed by a good file: both read
  const partial = await temp(cat(pcapFile(recs.slice(0, 2)), pcapRecord(recs[2]).subarray(0, 9)));
  const good = await temp(pcapFile(recs));
  const two = await ids("replay", partial, good, "--json");
  assert.equal(two.code, 1);
  const t = JSON.parse(two.out);
  assert.equal(t.packets, 2 + recs.length);
  assert.equal(t.errors.length, 1);
  assert.match(t.errors[0].message, /partial record header of 9 bytes/);
});

Deno.test("replay of a file truncated after one packet: '1 packet read before it' (report and --json's stderr line)", async () => {
  const recs = records();
  const path = await temp(cat(pcapFile(recs.slice(0, 1)), pcapRecord(recs[1]).subarray(0, 9)));
  const human = await ids("replay", path);
  assert.equal(human.code, 1);
  assert.match(human.err, /^error +.*partial record header of 9 bytes.* \(1 packet read before it\)$/m);
  const j = await ids("replay", path, "--json");
  assert.equal(j.code, 1);
  assert.match(j.err, /^ids replay: .*partial record header of 9 bytes.* \(1 packet read before it\)$/m);
  const two = await ids("replay", await temp(cat(pcapFile(recs.slice(0, 2)), pcapRecord(recs[2]).subarray(0, 9))));
  assert.match(two.err, /\(2 packets read before it\)$/m);
});

Deno.test("replay: bad usage exits 2, unreadable files exit 1, --help exits 0", async () => {
  const path = await temp(pcapFile(records()));
  const none = await ids("replay");
  assert.equal(none.code, 2);
  assert.match(none.err, /needs at least one capture FILE/);
  const bogus = await ids("replay", path, "--bogus");
  assert.equal(bogus.code, 2);
  assert.match(bogus.err, /unknown option --bogus/);
  const badFlows = await ids("replay", path, "--max-flows", "3");
  assert.equal(badFlows.code, 2);
  assert.match(badFlows.err, /--max-flows/);
  const noValue = await ids("replay", path, "--max-flows");
  assert.equal(noValue.code, 2);
  const unknownCmd = await ids("replai", path);
  assert.equal(unknownCmd.code, 2);
  const help = await ids("replay", "--help");
  assert.equal(help.code, 0);
  assert.match(help.out, /^Usage: ids replay FILE\.\.\./);
  assert.equal((await ids("replay", "-h")).code, 0);
  const missing = await ids("replay", "/nonexistent/capture.pcap");
  assert.equal(missing.code, 1);
  assert.equal(missing.err, "ids replay: Cannot open capture: /nonexistent/capture.pcap: no such file");
  const notCapture = await ids("replay", await temp(new TextEncoder().encode("just some text\n"), ".txt"));
  assert.equal(notCapture.code, 1);
  assert.match(notCapture.err, /^ids replay: Cannot open capture: .*: not a pcap or pcapng file \(magic 0x7473756a\)$/);
  const empty = await ids("replay", await temp(new Uint8Array(0)));
  assert.equal(empty.code, 1);
  assert.match(empty.err, /^ids replay: Cannot open capture: .*: empty or shorter than 4 bytes$/);
});

Deno.test("replay: unpaced and not served, the capture runs on this thread (every detector too); paced, in its Worker", async () => {
  const path = await temp(pcapFile(records()));
  const made: string[] = [];
  const Real = globalThis.Worker;
  globalThis.Worker = class extends Real {
    constructor(url: string | URL, options?: WorkerOptions) {
      made.push(String(url).split("/").pop()!);
      super(url, options);
    }
  };
  try {
    const runs: Record<string, string[]> = {};
    for (const args of [[], ["--no-detect"], ["--speed", "max"], ["--speed", "1000"]]) {
      made.length = 0;
      const { code, out } = await ids("replay", path, "--json", ...args);
      assert.equal(code, 0);
      assert.equal(JSON.parse(out).packets, records().length);
      runs[args.join(" ") || "every detector"] = [...made];
    }
    assert.deepEqual(runs, {
      "every detector": [],
      "--no-detect": [],
      "--speed max": [],
      "--speed 1000": ["capture_worker.ts"],
    });
  } finally {
    globalThis.Worker = Real;
  }
});

Deno.test("clean up temp files", async () => {
  for (const p of temps) await Deno.remove(p).catch(() => {});
});

Deno.test("replay progress line: one packet and one alert in the singular, more in the plural", async () => {
  const { formatProgress } = await import("./replay.ts");
  const counters = (packets: number, alerts: Record<string, number>) => ({
    iface: "x.pcap",
    linkType: 1,
    packets,
    bytes: 60 * packets,
    received: 0,
    droppedKernel: 0,
    droppedIface: 0,
    decodeEvents: 0,
    flows: 1,
    alerts,
    rate: 10,
    uptime: 1,
  });
  const one = formatProgress(counters(1, { port_scan: 1 }));
  assert.match(one, /: 1 packet, /);
  assert.match(one, /, 1 alert, /);
  const many = formatProgress(counters(2_000, { port_scan: 1, syn_flood: 2 }));
  assert.match(many, /: 2,000 packets, /);
  assert.match(many, /, 3 alerts, /);
});
