import assert from "node:assert/strict";
import { F, Harness, ip, MS, SEC, T0, testConfig } from "./_test_packets.ts";
import { PortScanDetector } from "./port_scan.ts";

const ATK = ip("10.77.0.66"), SRV = ip("10.77.0.1"), CLI = ip("10.77.0.2");

function harness(patch = {}) {
  return new Harness(new PortScanDetector(testConfig(patch)));
}

/** nmap -sS style: a SYN per port; the victim answers RST-ACK (closed) or SYN-ACK then the scanner RSTs. */
function synScan(
  h: Harness,
  t: number,
  ports: number[],
  gapUs = MS,
  src: number | string = ATK,
  dst: number | string = SRV,
) {
  ports.forEach((p, i) => {
    const ts = t + i * gapUs;
    h.tcp(ts, src, dst, [45000, p], F.S);
    if (p % 3 === 0) {
      h.tcp(ts + 100, dst, src, [p, 45000], F.SA);
      h.tcp(ts + 200, src, dst, [45000, p], F.R);
    } else {
      h.tcp(ts + 100, dst, src, [p, 45000], F.RA);
    }
  });
}

const range = (a: number, n: number) => Array.from({ length: n }, (_, i) => a + i);

Deno.test("port_scan: threshold-1 distinct ports are silent, threshold fire", () => {
  const h = harness();
  synScan(h, T0, range(1, 9));
  h.flush();
  assert.equal(h.of().length, 0);
  const h2 = harness();
  synScan(h2, T0, range(1, 10));
  assert.equal(h2.of().length, 0); // judged once the grace period passed
  h2.icmp(T0 + 3 * SEC, CLI, SRV);
  const d = h2.of("port_scan");
  assert.equal(d.length, 1);
  assert.equal(d[0].src, ATK);
  assert.equal(d[0].dst, SRV);
  assert.equal(d[0].severity, 2);
  assert.equal(d[0].tags, undefined);
  assert.equal(d[0].tsUs, T0 + 3 * SEC);
  assert.match(d[0].reason, /^10 distinct ports probed without answer in 60 s$/);
});

Deno.test("port_scan: the victim's RSTs, SYN-ACKs and ICMP unreachables never make it a scanner", () => {
  const h = harness();
  synScan(h, T0, range(1, 1000), 100);
  for (let i = 0; i < 500; i++) {
    h.udp(T0 + i * MS, ATK, SRV, [50000, 1000 + i]);
    h.icmp(T0 + i * MS + 50, SRV, ATK, 3, 3);
  }
  h.flush();
  const d = h.of();
  assert.ok(d.length >= 1);
  for (const x of d) assert.equal(x.src, ATK);
});

Deno.test("port_scan: window expiry — 9 ports per minute is silent on the fast rule", () => {
  const h = harness({ port_scan: { slow_threshold: 1000 } });
  synScan(h, T0, range(1, 30), 7 * SEC); // ~8.6 ports per 60 s
  assert.equal(h.of().length, 0);
});

Deno.test("port_scan: low-and-slow scan fires with tag slow", () => {
  const h = harness();
  synScan(h, T0, range(100, 15), 30 * SEC); // 15 ports in 7 minutes
  h.flush();
  const d = h.of("port_scan");
  assert.equal(d.length, 1);
  assert.deepEqual(d[0].tags, ["slow"]);
  assert.equal(d[0].severity, 3);
  assert.match(d[0].reason, /^15 distinct ports probed without answer in 600 s$/);
});

Deno.test("port_scan: UDP scan counts, mid-stream server answers do not", () => {
  const h = harness();
  for (let i = 0; i < 12; i++) h.udp(T0 + i * MS, ATK, SRV, [50000, 100 + i]);
  h.flush();
  assert.equal(h.of().length, 1);
  const h2 = harness();
  for (let i = 0; i < 50; i++) h2.udp(T0 + i * MS, SRV, CLI, [53, 30000 + i]); // replies whose queries we missed
  for (let i = 0; i < 50; i++) h2.udp(T0 + i * MS, CLI, SRV, [33434 + i, 33434 + i]); // traceroute
  h2.flush();
  assert.equal(h2.of().length, 0);
});

Deno.test("port_scan: FIN/NULL/Xmas probes count; mid-stream ACKs do not", () => {
  const h = harness();
  for (let i = 0; i < 12; i++) h.tcp(T0 + i * MS, ATK, SRV, [50000, 200 + i], [0x01, 0x00, 0x29][i % 3]);
  h.flush();
  assert.equal(h.of().length, 1);
  const h2 = harness();
  for (let i = 0; i < 50; i++) h2.tcp(T0 + i * MS, SRV, CLI, [443, 30000 + i], F.PA, "data");
  h2.flush();
  assert.equal(h2.of().length, 0);
});

Deno.test("port_scan: horizontal sweep of one port with tag sweep; completed connections are not a sweep", () => {
  const h = harness();
  for (let i = 0; i < 12; i++) h.tcp(T0 + i * 10 * MS, ATK, (0x0a4d0100 + i) >>> 0, [40000 + i, 445], F.S);
  h.icmp(T0 + 5 * SEC, CLI, SRV); // time passes: the probes are judged
  const d = h.of("port_scan");
  assert.equal(d.length, 1);
  assert.deepEqual(d[0].tags, ["sweep"]);
  assert.equal(d[0].dstPort, 445);
  assert.match(d[0].reason, /^10 hosts probed on tcp\/445 without answer in 60 s$/);

  const h2 = harness(); // a browser: 30 web servers, all handshakes complete
  let t = T0;
  for (let i = 0; i < 30; i++) t = h2.session(t + MS, CLI, (0x5db80000 + i) >>> 0, { ports: [50000 + i, 443] });
  h2.icmp(t + 5 * SEC, CLI, SRV);
  h2.flush();
  assert.equal(h2.of().length, 0);
});

Deno.test("port_scan: connections that complete (FTP passive data ports) are not probes", () => {
  const h = harness();
  let t = T0;
  for (let i = 0; i < 40; i++) t = h.session(t + 100 * MS, CLI, SRV, { ports: [41000 + i, 30000 + i * 7] });
  h.flush();
  assert.equal(h.of().length, 0);
});

Deno.test("port_scan: ICMP echo sweep of unanswering hosts", () => {
  const h = harness();
  for (let i = 0; i < 20; i++) h.icmp(T0 + i * MS, ATK, (0x0a4d0200 + i) >>> 0);
  h.flush();
  const d = h.of("port_scan");
  assert.equal(d.length, 1);
  assert.match(d[0].reason, /hosts probed on icmp echo/);
});

Deno.test("port_scan: a normal client (web, DNS, NTP, multicast discovery) is silent", () => {
  const h = harness();
  let t = T0;
  for (let i = 0; i < 50; i++) {
    t = h.session(t + 100 * MS, CLI, SRV, { ports: [40000 + i, i % 2 ? 80 : 443] });
    t = h.query(t + MS, CLI, SRV, [50000 + i, 53]);
    h.udp(t + MS, CLI, ip("239.255.255.250"), [50000 + i, 1900]);
    h.udp(t + MS, CLI, ip("224.0.0.251"), [5353, 5353]);
    h.udp(t + MS, CLI, ip("255.255.255.255"), [68, 67]);
  }
  h.query(t + SEC, CLI, SRV, [123, 123]);
  h.flush();
  assert.equal(h.of().length, 0);
});

Deno.test("port_scan: IPv6 scan and trusted sources", () => {
  const h = harness();
  synScan(h, T0, range(1, 20), MS, "fd77::66", "fd77::1");
  h.flush();
  const d = h.of("port_scan");
  assert.equal(d.length, 1);
  assert.equal(d[0].src, "fd77::66");
  assert.equal(d[0].dst, "fd77::1");
  const h2 = harness({ port_scan: { use_trusted: true }, trusted_ips: ["fd77::66"] });
  synScan(h2, T0, range(1, 20), MS, "fd77::66", "fd77::1");
  h2.flush();
  assert.equal(h2.of().length, 0);
});

Deno.test("port_scan: re-alerts only when, after the spacing, the scan adds another threshold of new ports", () => {
  const h = harness();
  synScan(h, T0, range(1, 200)); // one fast scan: a single alert
  h.tcp(T0 + 3 * SEC, CLI, SRV, [50000, 80], F.S);
  synScan(h, T0 + 15 * SEC, [5353]); // one more port later (e.g. a flood to one port): not a new scan
  synScan(h, T0 + 20 * SEC, [5354]);
  h.flush();
  assert.equal(h.of("port_scan").filter((d) => !d.tags?.includes("sweep")).length, 1);
  const h2 = harness();
  synScan(h2, T0, range(1, 10));
  h2.tcp(T0 + 3 * SEC, CLI, SRV, [50000, 80], F.S); // any later packet lets the first verdict be judged
  synScan(h2, T0 + 15 * SEC, range(1000, 10)); // the scan goes on: 10 new ports after the spacing
  h2.flush();
  assert.equal(h2.of("port_scan").filter((d) => !d.tags?.includes("sweep")).length, 2);
});

Deno.test("port_scan: ACK and Maimon (FIN/ACK) scans count; the victim's RSTs never do", () => {
  for (const flags of [F.A, F.FA]) {
    const h = harness();
    for (let i = 0; i < 12; i++) {
      h.tcp(T0 + i * MS, ATK, SRV, [50000, 300 + i], flags);
      h.tcp(T0 + i * MS + 100, SRV, ATK, [300 + i, 50000], F.R);
    }
    h.flush();
    const d = h.of("port_scan");
    assert.equal(d.length, 1, `flags ${flags}`);
    assert.equal(d[0].src, ATK);
  }
  // idle connections picked up mid-stream: a keep-alive ACK answered with an ACK is a conversation
  const h2 = harness();
  for (let i = 0; i < 12; i++) {
    h2.tcp(T0 + i * MS, CLI, SRV, [40000 + i, 300 + i], F.A);
    h2.tcp(T0 + i * MS + 100, SRV, CLI, [300 + i, 40000 + i], F.A);
  }
  h2.flush();
  assert.equal(h2.of().length, 0);
});

Deno.test("port_scan: who spoke first decides — a UDP scan from source port 53 counts after the first second", () => {
  const h = harness();
  h.icmp(T0, CLI, SRV); // the sensor's first packet
  for (let i = 0; i < 12; i++) h.udp(T0 + 2 * SEC + i * MS, ATK, SRV, [53, 1000 + i * 7]);
  h.flush();
  assert.equal(h.of("port_scan").length, 1);
});

Deno.test("port_scan: unicast answers to LLMNR/mDNS multicast queries are not probes", () => {
  const h = harness();
  h.icmp(T0, CLI, SRV);
  const llmnr = ip("224.0.0.252");
  for (let i = 0; i < 15; i++) {
    const t = T0 + 2 * SEC + i * SEC;
    h.udp(t, CLI, llmnr, [40000 + i, 5355], "query");
    h.udp(t + MS, SRV, CLI, [5355, 40000 + i], "answer"); // the responder answers from 5355, unicast
  }
  h.flush();
  assert.equal(h.of().length, 0);
  // the same datagrams without the queries are probes
  const h2 = harness();
  h2.icmp(T0, CLI, SRV);
  for (let i = 0; i < 15; i++) h2.udp(T0 + 2 * SEC + i * SEC, SRV, CLI, [5355, 40000 + i], "answer");
  h2.flush();
  assert.equal(h2.of("port_scan").length, 1);
});
