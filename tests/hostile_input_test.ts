/**
 * Hostile capture files lose no alerts (issue 7 items 3 and 4): out-of-range packet times are a decode event and
 * the packet is still processed with a clamped time; gzip is read as `gzip -d` reads it.
 */
import assert from "node:assert/strict";
import {
  concat,
  gzip,
  type NgBlock,
  pcapFile,
  pcapngFile,
  type PcapRecord,
  tempFile,
} from "../capture/_test_pcap_writer.ts";
import { validateEve } from "../alerts/eve_schema_test_util.ts";
import { toEve } from "../alerts/eve.ts";
import type { Alert } from "../core/alert.ts";
import { cat, eth, ipv4, tcp } from "../decode/_test_frames.ts";
import { EtherType } from "../decode/link.ts";
import { TcpFlag } from "../decode/packet.ts";
import { replayFiles } from "../sensor/replay.ts";
import { runMain } from "../testing/run_main.ts";

const ATTACKER = "10.77.9.9", VICTIM = "10.77.0.1";
const T0_US = 1_700_000_000_000_000;

/** A port scan: SYNs from ATTACKER to 30 ports of VICTIM, 10 ms apart, never answered. */
function scanFrames(): Uint8Array[] {
  return Array.from(
    { length: 30 },
    (_, i) =>
      cat(
        eth(EtherType.IPV4),
        ipv4({ src: ATTACKER, dst: VICTIM, proto: 6 }, tcp({ sp: 50000, dp: 1000 + i, flags: TcpFlag.SYN })),
      ),
  );
}

function scanPcap(): PcapRecord[] {
  return scanFrames().map((data, i) => ({ sec: T0_US / 1e6, frac: i * 10_000, data }));
}

function scanPcapng(idb: Partial<Extract<NgBlock, { type: "idb" }>>, ticks: (i: number) => bigint): Uint8Array {
  const blocks: NgBlock[] = [{ type: "idb", linkType: 1, ...idb }];
  scanFrames().forEach((data, i) => blocks.push({ type: "epb", iface: 0, ticks: ticks(i), data }));
  return pcapngFile([{ blocks }]);
}

const temps: string[] = [];
async function temp(bytes: Uint8Array, suffix = ".pcap"): Promise<string> {
  const p = await tempFile(bytes, suffix);
  temps.push(p);
  return p;
}

/** `ids replay FILE --eve OUT --json`: exit code, EVE records, report. */
async function replayEve(path: string) {
  const eve = await temp(new Uint8Array(0), ".eve.json");
  const r = await runMain("replay", path, "--eve", eve, "--json");
  const lines = (await Deno.readTextFile(eve)).split("\n").filter((l) => l !== "");
  return { ...r, records: lines.map((l) => JSON.parse(l)), report: r.out ? JSON.parse(r.out) : undefined };
}

function assertScanAlerted(records: Record<string, unknown>[], what: string): void {
  assert.ok(records.length >= 1, `${what}: no EVE record`);
  for (const rec of records) assert.deepEqual(validateEve(rec), [], `${what}: ${JSON.stringify(rec)}`);
  assert.ok(
    records.some((r) =>
      (r.alert as { metadata: { tag: string[] } }).metadata.tag[0] === "port_scan" &&
      r.src_ip === ATTACKER
    ),
    `${what}: no port_scan from ${ATTACKER}: ${JSON.stringify(records)}`,
  );
}

const BAD_TIMES: [string, () => Uint8Array][] = [
  ["pcapng if_tsoffset of 2^50 s", () => scanPcapng({ tsoffset: 2n ** 50n }, (i) => BigInt(T0_US + i * 10_000))],
  ["pcapng if_tsresol of 0 (ticks are seconds)", () => scanPcapng({ tsresol: 0 }, (i) => BigInt(T0_US + i * 10_000))],
  ["pcapng negative if_tsoffset", () => scanPcapng({ tsoffset: -(2n ** 40n) }, (i) => BigInt(T0_US + i * 10_000))],
  ["pcapng ticks near 2^64", () => scanPcapng({}, (i) => 2n ** 64n - 1000n + BigInt(i))],
];

for (const [name, make] of BAD_TIMES) {
  Deno.test(`bad timestamps: ${name}: replay --eve keeps every alert, counts frame.bad_timestamp, exit 0`, async () => {
    const r = await replayEve(await temp(make(), ".pcapng"));
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.err, /Cannot format EVE timestamp/);
    assert.equal(r.report.packets, 30);
    assert.equal(r.report.decode_events["frame.bad_timestamp"], 30, JSON.stringify(r.report.decode_events));
    assertScanAlerted(r.records, name);
  });
}

Deno.test("bad timestamps: a pcap microsecond field >= 1,000,000 is a decode event, not the end of the file", async () => {
  const recs = scanPcap();
  recs[3] = { ...recs[3], frac: 1_000_000 };
  recs[20] = { ...recs[20], frac: 0xffffffff };
  const r = await replayEve(await temp(pcapFile(recs)));
  assert.equal(r.code, 0, r.err);
  assert.equal(r.report.packets, 30, "every record read");
  assert.deepEqual(r.report.errors ?? [], []);
  assert.equal(r.report.decode_events["frame.bad_timestamp"], 2);
  assertScanAlerted(r.records, "pcap usec");
  // the clamped packets took the previous packet's time: the capture span is that of the good ones
  assert.ok(r.report.capture_span_seconds < 1, `span ${r.report.capture_span_seconds}`);
});

Deno.test("bad timestamps: random byte flips never abort a replay or the EVE formatting", async () => {
  const base = scanPcapng({}, (i) => BigInt(T0_US + i * 10_000));
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const path = await temp(new Uint8Array(0), ".pcapng");
  for (let round = 0; round < 60; round++) {
    const bytes = base.slice();
    for (let k = 0; k < 1 + (round % 3); k++) bytes[rnd() % bytes.length] ^= 1 << (rnd() % 8);
    await Deno.writeFile(path, bytes);
    const alerts: Alert[] = [];
    await replayFiles([path], { onAlert: (a) => alerts.push(a) });
    for (const a of alerts) assert.deepEqual(validateEve(toEve(a)), [], JSON.stringify(a));
  }
});

Deno.test("gzip: a multi-member file (gzip a; gzip b; cat) reads every packet of every member", async () => {
  const recs = scanPcap();
  const whole = pcapFile(recs);
  const cut = 24 + 16 * 10 + recs.slice(0, 10).reduce((n, r) => n + r.data.length, 0);
  const multi = concat(await gzip(whole.subarray(0, cut)), await gzip(whole.subarray(cut)));
  const path = await temp(multi, ".pcap.gz");
  const r = await replayEve(path);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.report.packets, 30);
  assertScanAlerted(r.records, "multi-member gzip");
  // three members, one of them empty, as `gzip -c /dev/null` writes
  const three = concat(
    await gzip(whole.subarray(0, 24)),
    await gzip(new Uint8Array(0)),
    await gzip(whole.subarray(24)),
  );
  const r3 = await replayEve(await temp(three, ".pcap.gz"));
  assert.equal(r3.code, 0, r3.err);
  assert.equal(r3.report.packets, 30);
});

Deno.test("gzip: trailing garbage after a valid gzip member warns and keeps every packet (as gzip -d)", async () => {
  const recs = scanPcap();
  const gz = await gzip(pcapFile(recs));
  for (
    const tail of [new Uint8Array(512).fill(0), new TextEncoder().encode("garbage after the end"), Uint8Array.of(0x1f)]
  ) {
    const r = await replayEve(await temp(concat(gz, tail), ".pcap.gz"));
    assert.equal(r.report.packets, 30, `tail ${tail.length} bytes: ${r.err}`);
    assertScanAlerted(r.records, `gzip + ${tail.length} trailing bytes`);
    assert.match(r.err, /trailing garbage ignored/, r.err);
    assert.doesNotMatch(r.err, /truncated/);
    assert.equal(r.code, 0, r.err);
  }
});

Deno.test("gzip: a member cut short is still reported as truncated, after its packets", async () => {
  const gz = await gzip(pcapFile(scanPcap()));
  const r = await replayEve(await temp(gz.subarray(0, gz.length - 100), ".pcap.gz"));
  assert.equal(r.code, 1);
  assert.ok(r.report.packets > 0);
  assert.match(r.err, /gzip data/);
});

globalThis.addEventListener("unload", () => {
  for (const p of temps) {
    try {
      Deno.removeSync(p);
    } catch { /* gone */ }
  }
});
