/**
 * Evasion captures (tests/evasion/, real tools in namespaces, see generate.sh there) replayed
 * through the whole sensor: each attack is detected or reported.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { Alert } from "../core/alert.ts";
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
