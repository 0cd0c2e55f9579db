/**
 * Evasion captures (tests/evasion/, real tools in namespaces, see generate.sh there) replayed
 * through the whole sensor: each attack is detected or reported.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { FileSource } from "../capture/file_source.ts";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import type { Alert } from "../core/alert.ts";
import { Decoder } from "../decode/decoder.ts";
import { Packet } from "../decode/packet.ts";
import { replayFiles } from "../sensor/replay.ts";

const DIR = fileURLToPath(new URL("./evasion/", import.meta.url));
const ATTACKER = "10.131.0.66";

async function replay(name: string) {
  const alerts: Alert[] = [];
  const { report } = await replayFiles([`${DIR}${name}`], { onAlert: (a) => alerts.push(a) });
  assert.deepEqual(report.errors, [], `${name} read without errors`);
  return { alerts, report };
}

for (const name of ["frag_nmap_f.pcap", "frag_nmap_mtu16.pcap"]) {
  Deno.test(`${name}: the fragmented SYN scan is reassembled and raised as a port scan`, async () => {
    const { alerts, report } = await replay(name);
    const ev = report.decode_events;
    assert.ok((ev["ipv4.frag_tiny_first"] ?? 0) > 100, `tiny first fragments counted: ${JSON.stringify(ev)}`);
    assert.equal(ev["tcp.truncated"], undefined, "no fragment is mistaken for a cut TCP header");
    assert.ok(report.defrag!.reassembled >= 200, `datagrams rebuilt: ${report.defrag!.reassembled}`);
    const scan = alerts.filter((a) => a.type === "port_scan");
    assert.ok(scan.length >= 1, `port_scan raised: ${alerts.map((a) => a.type).join(", ")}`);
    assert.equal(scan[0].src, ATTACKER);
    assert.equal(scan[0].dst, "10.131.0.1");
  });
}

Deno.test("frag_overlap.pcap: IPv4 and IPv6 fragments overlapping with different data are evasion alerts", async () => {
  const { alerts, report } = await replay("frag_overlap.pcap");
  const ev = alerts.filter((a) => a.type === "evasion");
  assert.deepEqual(ev.map((a) => a.src).sort(), [ATTACKER, "fd13::66"]);
  for (const a of ev) {
    assert.ok(a.tags?.includes("ip_fragment_overlap"), JSON.stringify(a.tags));
    assert.match(a.reason, /fragments overlap with different data/);
  }
  assert.equal(report.defrag!.overlaps_different, 2);
});

Deno.test("sqli_port9999_curl.pcap / sqli_port9999_sqlmap.pcap: HTTP on an unusual port is recognised by content", async () => {
  for (const name of ["sqli_port9999_curl.pcap", "sqli_port9999_sqlmap.pcap"]) {
    const { alerts } = await replay(name);
    const sqli = alerts.filter((a) => a.type === "sql_injection");
    assert.ok(sqli.length >= 1, `${name}: ${alerts.map((a) => a.type).join(", ") || "no alerts"}`);
    assert.equal(sqli[0].src, ATTACKER);
    assert.equal(sqli[0].dstPort, 9999);
  }
});

/** What the logging server recorded (tests/evasion/*_server.log, written by generate.sh). */
function serverKept(name: string): string {
  return Deno.readTextFileSync(`${DIR}${name}_server.log`).trim();
}

Deno.test("tcp_decoy_overlap.pcap: a same-sequence copy with different bytes is an evasion alert; both keep the first copy", async () => {
  // the server's kernel accepted the decoy and dropped the second copy as a retransmission
  assert.equal(serverKept("tcp_decoy_overlap"), "GET /item?id=1 HTTP/1.1");
  const { alerts, report } = await replay("tcp_decoy_overlap.pcap");
  const ev = alerts.filter((a) => a.type === "evasion");
  assert.equal(ev.length, 1, alerts.map((a) => `${a.type}: ${a.reason}`).join("\n"));
  assert.equal(ev[0].src, ATTACKER);
  assert.equal(ev[0].dstPort, 80);
  assert.ok(ev[0].tags?.includes("tcp_segment_overlap"));
  assert.match(ev[0].reason, /first copy was already accepted/);
  assert.equal(report.stream!.overlaps_different, 1);
  // the request the server processed was harmless, and so is the one the sensor parsed
  assert.equal(alerts.filter((a) => a.type === "sql_injection").length, 0);
});

Deno.test("tcp_badsum_insertion.pcap: the bad-checksum decoy is ignored, the injection the server kept is detected", async () => {
  assert.match(serverKept("tcp_badsum_insertion"), /UNION\+SELECT/);
  const { alerts, report } = await replay("tcp_badsum_insertion.pcap");
  assert.equal(report.stream!.bad_checksum_ignored, 1);
  const sqli = alerts.filter((a) => a.type === "sql_injection");
  assert.equal(sqli.length, 1);
  assert.equal(sqli[0].src, ATTACKER);
  assert.match(sqli[0].reason, /UNION/);
  assert.equal(alerts.filter((a) => a.type === "evasion").length, 0, "the ignored decoy is no overlap");
});

Deno.test("tso_post.pcap.gz: offloaded checksums are trusted, frames with IPv4 total length 0 decode, the POST is inspected", async () => {
  const { alerts, report } = await replay("tso_post.pcap.gz");
  assert.equal(report.decode_events["ipv4.length_too_small"], undefined);
  assert.equal(report.stream!.bad_checksum_ignored, 0, "partial checksums are not bad ones");
  assert.ok(report.stream!.offloaded_checksum_trusted > 0);
  const sqli = alerts.filter((a) => a.type === "sql_injection");
  assert.equal(sqli.length, 1, alerts.map((a) => a.type).join(", "));
  assert.equal(sqli[0].dstPort, 9999);
  // the capture really holds BIG TCP frames whose IPv4 total length field is 0
  const dec = new Decoder(), pkt = new Packet();
  let zeroLength = 0, big = 0;
  await new FileSource(`${DIR}tso_post.pcap.gz`).run((f) => {
    dec.decode(f, pkt);
    if (pkt.ipVersion === 4 && pkt.buf[pkt.l3Off + 2] === 0 && pkt.buf[pkt.l3Off + 3] === 0) zeroLength++;
    if (pkt.ipLen > 65535) big++;
  });
  assert.ok(zeroLength > 0 && big === zeroLength, `frames with total length 0: ${zeroLength}, over 64 KB: ${big}`);
  // validating every checksum ("yes") would drop the offloaded segments, and with them the request
  const strict = { ...DEFAULT_CONFIG, stream: { ...DEFAULT_CONFIG.stream, checksum_validation: "yes" as const } };
  const seen: Alert[] = [];
  await replayFiles([`${DIR}tso_post.pcap.gz`], { config: strict, onAlert: (a) => seen.push(a) });
  assert.equal(seen.filter((a) => a.type === "sql_injection").length, 0);
});
