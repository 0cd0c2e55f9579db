import assert from "node:assert/strict";
import { F, Harness, ip, MS, SEC, T0, testConfig } from "./_test_packets.ts";
import { DdosDetector } from "./ddos.ts";
import { QuietBit } from "./detector.ts";

const SRV = ip("10.77.0.1");
const BOTS = [ip("10.77.0.66"), ip("10.77.0.67"), ip("10.77.0.68")];

function harness(patch = {}) {
  return new Harness(new DdosDetector(testConfig(patch)));
}

/** `total` unanswered UDP packets to SRV:80 spread over `spanUs`, round-robin over `sources`. */
function udpFlood(h: Harness, t: number, total: number, sources: (number | string)[], spanUs = 900 * MS) {
  for (let i = 0; i < total; i++) {
    h.udp(t + Math.floor((i * spanUs) / total), sources[i % sources.length], SRV, [10000 + (i % 50000), 80]);
  }
}

Deno.test("ddos: min_sources sources over the threshold fire; one fewer packet is silent", () => {
  const h = harness();
  udpFlood(h, T0, 499, BOTS);
  assert.equal(h.of().length, 0);
  const h2 = harness();
  udpFlood(h2, T0, 500, BOTS);
  const d = h2.of("ddos");
  assert.equal(d.length, 1);
  assert.ok(BOTS.includes(d[0].src as number));
  assert.equal(d[0].dst, SRV);
  assert.deepEqual(d[0].tags, ["sources:3"]);
  assert.equal(d[0].spoofed, undefined);
  assert.match(d[0].reason, /^500 unanswered packets from 3 sources to one host in 1 s$/);
});

Deno.test("ddos: fewer than min_sources sources are silent", () => {
  const h = harness();
  udpFlood(h, T0, 5000, BOTS.slice(0, 2));
  assert.equal(h.of().length, 0);
});

Deno.test("ddos: one bulk transfer on an established flow is silent, even with bystanders", () => {
  const h = harness();
  const cli = ip("10.77.0.2");
  let t = h.handshake(T0, cli, SRV, [40000, 80]);
  for (let i = 0; i < 100_000; i++) {
    t += 10; // 100 k packets/s
    if (i % 2) h.tcp(t, SRV, cli, [80, 40000], F.A, "x".repeat(10));
    else h.tcp(t, cli, SRV, [40000, 80], F.A);
    if (i % 5000 === 0) { for (const b of BOTS) h.icmp(t, b, SRV); }
  }
  assert.equal(h.of().length, 0);
});

Deno.test("ddos: a single-source flood with two bystanders is not a DDoS", () => {
  const h = harness();
  for (let i = 0; i < 3000; i++) {
    h.udp(T0 + i * 300, BOTS[0], SRV, [10000 + i, 53]);
    if (i % 100 === 0) {
      h.icmp(T0 + i * 300, BOTS[1], SRV);
      h.icmp(T0 + i * 300, BOTS[2], SRV);
    }
  }
  assert.equal(h.of().length, 0);
});

Deno.test("ddos: a busy DNS server answering quickly is silent", () => {
  const h = harness();
  for (let i = 0; i < 3000; i++) {
    const client = (0x0a010000 + (i % 200)) >>> 0;
    h.query(T0 + i * 300, client, SRV, [20000 + i, 53], 500); // 3300 queries/s, answered in 0.5 ms
  }
  assert.equal(h.of().length, 0);
});

Deno.test("ddos: many clients opening connections that complete are silent", () => {
  const h = harness();
  for (let i = 0; i < 3000; i++) {
    const client = (0x0a020000 + (i % 300)) >>> 0;
    h.handshake(T0 + i * 300, client, SRV, [20000 + i, 443], 400);
  }
  assert.equal(h.of().length, 0);
});

Deno.test("ddos: every heavy source of a distributed SYN flood is reported", () => {
  const h = harness();
  for (let i = 0; i < 6000; i++) h.tcp(T0 + i * 250, BOTS[i % 3], SRV, [1024 + (i % 60000), 80], F.S);
  const d = h.of("ddos");
  assert.deepEqual(new Set(d.map((x) => x.src)), new Set(BOTS));
  assert.ok(d.length <= 3 * 2, `got ${d.length}`); // once per window per source
  for (const x of d) {
    assert.equal(x.dst, SRV);
    assert.deepEqual(x.tags, ["sources:3"]);
  }
});

Deno.test("ddos: a spoofed SYN flood is left to syn_flood; a spoofed ACK flood is a spoofed DDoS", () => {
  const h = harness();
  for (let i = 0; i < 2000; i++) h.tcp(T0 + i * 200, (0x0b000000 + i * 7919) >>> 0, SRV, [1024 + i, 80], F.S);
  assert.equal(h.of().length, 0);
  for (let i = 0; i < 2000; i++) {
    const t = T0 + SEC + i * 200, src = (0x0c000000 + i * 7919) >>> 0;
    h.tcp(t, src, SRV, [1024 + i, 80], F.A);
    h.tcp(t + 50, SRV, src, [80, 1024 + i], F.R); // the victim resets each
  }
  const d = h.of("ddos");
  assert.equal(d.length, 1);
  assert.equal(d[0].dst, SRV);
  assert.equal(d[0].spoofed, true);
  assert.deepEqual(d[0].tags, ["sources:64+"]);
  assert.match(d[0].reason, /^500 unanswered TCP non-SYN packets from 64\+ sources to one host in 1 s$/);
});

Deno.test("ddos: ICMP echo flood from several sources; the answering victim is never the attacker", () => {
  const h = harness();
  for (let i = 0; i < 1500; i++) {
    const t = T0 + i * 500;
    h.icmp(t, BOTS[i % 3], SRV, 8);
    h.icmp(t + 50, SRV, BOTS[i % 3], 0);
  }
  const d = h.of("ddos");
  assert.ok(d.length >= 1);
  for (const x of d) {
    assert.notEqual(x.src, SRV);
    assert.equal(x.dst, SRV);
  }
});

Deno.test("ddos: window expiry — the same packets over 3 s are silent", () => {
  const h = harness();
  udpFlood(h, T0, 1200, BOTS, 3 * SEC);
  assert.equal(h.of().length, 0);
});

Deno.test("ddos: IPv6 sources and trusted sources", () => {
  const h = harness();
  const v6 = ["fd77::66", "fd77::67", "fd77::68"];
  udpFlood(h, T0, 600, v6); // IPv6 sources to an IPv4 address: the detector does not care
  const d = h.of("ddos");
  assert.ok(d.length >= 1 && d.every((x) => v6.includes(x.src as string)));
  const h2 = harness({ ddos: { use_trusted: true }, trusted_cidrs: ["10.77.0.0/24"] });
  udpFlood(h2, T0, 2000, BOTS);
  assert.equal(h2.of().length, 0);
});

Deno.test("ddos: a single-source ACK or RST flood (a new source port per packet) is reported with single_source", () => {
  for (const flags of [F.A, F.R]) {
    const h = harness();
    for (let i = 0; i < 499; i++) {
      const t = T0 + i * 400;
      h.tcp(t, BOTS[0], SRV, [1024 + i, 80], flags);
      if (flags === F.A) h.tcp(t + 50, SRV, BOTS[0], [80, 1024 + i], F.R); // the victim resets each
    }
    assert.equal(h.of().length, 0, "one fewer than the threshold is silent");
    h.tcp(T0 + 499 * 400, BOTS[0], SRV, [1024 + 499, 80], flags);
    const d = h.of("ddos");
    assert.equal(d.length, 1);
    assert.equal(d[0].src, BOTS[0]);
    assert.equal(d[0].dst, SRV);
    assert.deepEqual(d[0].tags, ["single_source", "unverified_source"]);
    assert.match(d[0].reason, /^500 TCP packets without SYN or handshake from one source to one host in 1 s$/);
  }
});

Deno.test("ddos: one-sided or mid-stream transfers, answered mid-stream flows and fast ACK scans are no single-source flood", () => {
  const cli = ip("10.77.0.2");
  // a one-sided capture of an upload picked up mid-stream: one flow, 20,000 packets in 1 s
  const one = harness();
  for (let i = 0; i < 20_000; i++) one.tcp(T0 + i * 50, cli, SRV, [40000, 80], F.A, "upload chunk");
  assert.equal(one.of().length, 0);
  // a capture starting amid 2,000 connections of a proxy to its backend, each answered
  const mid = harness();
  for (let i = 0; i < 2000; i++) {
    const t = T0 + i * 200;
    mid.tcp(t, cli, SRV, [20000 + i, 8080], F.PA, "GET / HTTP/1.1\r\n\r\n");
    mid.tcp(t + 20, SRV, cli, [8080, 20000 + i], F.A);
    mid.tcp(t + 40, SRV, cli, [8080, 20000 + i], F.PA, "HTTP/1.1 200 OK\r\n\r\n");
  }
  assert.equal(mid.of().length, 0);
  // an ACK scan at 2,000 ports/s: many ports, left to port_scan
  const scan = harness();
  for (let i = 0; i < 2000; i++) {
    scan.tcp(T0 + i * 500, BOTS[0], SRV, [50000, 1 + i], F.A);
    scan.tcp(T0 + i * 500 + 50, SRV, BOTS[0], [1 + i, 50000], F.R);
  }
  assert.equal(scan.of().length, 0);
});

Deno.test("ddos: kept-alive connections the flow table keeps evicting (a full table) are no single-source flood", () => {
  // 20 kept-alive connections, 8 flow slots: every request comes back as a new flow without SYN
  const cli = ip("10.77.0.2");
  const h = new Harness(new DdosDetector(testConfig()), { maxFlows: 8 });
  for (let i = 0; i < 1500; i++) {
    const t = T0 + i * 600, port = 30000 + (i % 20);
    h.tcp(t, cli, SRV, [port, 80], F.PA, "GET / HTTP/1.1\r\n\r\n");
    h.tcp(t + 100, SRV, cli, [80, port], F.PA, "HTTP/1.1 200 OK\r\n\r\n");
  }
  assert.equal(h.of().length, 0);
  // the same victim under an ACK flood from that client is still reported: it only ever resets
  for (let i = 0; i < 600; i++) {
    const t = T0 + 2 * SEC + i * 400;
    h.tcp(t, cli, SRV, [1024 + i, 80], F.A);
    h.tcp(t + 50, SRV, cli, [80, 1024 + i], F.R);
  }
  assert.deepEqual(h.of("ddos").map((d) => d.tags), [["single_source", "unverified_source"]]);
});

Deno.test("ddos: a single-source ACK flood is still reported over 4-9 ports or with a SYN-ACK now and then", () => {
  // rotating over 4 (or 9) ports of the victim
  for (const ports of [4, 9]) {
    const h = harness();
    for (let i = 0; i < 600; i++) {
      const t = T0 + i * 400, port = 80 + (i % ports);
      h.tcp(t, BOTS[0], SRV, [1024 + i, port], F.A);
      h.tcp(t + 50, SRV, BOTS[0], [port, 1024 + i], F.R);
    }
    assert.deepEqual(h.of("ddos").map((d) => [d.src, d.tags]), [[BOTS[0], ["single_source", "unverified_source"]]]);
  }
  // one real SYN every 100 ms to the open port: its SYN-ACK answers a new connection, it is no conversation
  const h = harness();
  for (let i = 0; i < 600; i++) {
    const t = T0 + i * 400;
    h.tcp(t, BOTS[0], SRV, [1024 + i, 80], F.A);
    h.tcp(t + 50, SRV, BOTS[0], [80, 1024 + i], F.R);
    if (i % 250 === 0) {
      h.tcp(t + 60, BOTS[0], SRV, [61000 + i, 80], F.S);
      h.tcp(t + 70, SRV, BOTS[0], [80, 61000 + i], F.SA);
    }
  }
  assert.equal(h.of("ddos").length, 1);
});

Deno.test("ddos: bots adding a few decoy connections to other ports still flood their target (no scanners)", () => {
  const flood = (decoys: boolean) => {
    const h = harness();
    let sp = 20000;
    for (let i = 0; i < 900; i++) {
      const b = BOTS[i % 3], t = T0 + i * 1000;
      h.handshake(t, b, SRV, [sp++, 80]);
      // ten completed connections per bot to ten other ports of another host
      if (decoys && i < 30) h.handshake(t + 300, b, ip("10.77.0.9"), [sp++, 1000 + Math.floor(i / 3)]);
    }
    return h.of("ddos").map((d) => d.src).sort();
  };
  assert.deepEqual(flood(false), [...BOTS].sort());
  assert.deepEqual(flood(true), [...BOTS].sort());
});

Deno.test("ddos: sources whose SYNs reach many ports are scanners (a decoy scan), not flood sources", () => {
  const h = harness();
  for (let p = 0; p < 200; p++) {
    for (let b = 0; b < 3; b++) {
      const t = T0 + (p * 3 + b) * 500, port = 1 + p;
      h.tcp(t, BOTS[b], SRV, [40000 + b, port], F.S);
      h.tcp(t + 50, SRV, BOTS[b], [port, 40000 + b], F.RA); // closed ports reset
    }
  }
  assert.equal(h.of().length, 0);
});

Deno.test("ddos: busy flows picked up mid-stream (capture started late) are silent", () => {
  const h = harness();
  const clients = Array.from({ length: 10 }, (_, i) => (0x0a030000 + i) >>> 0);
  for (let i = 0; i < 20_000; i++) {
    const c = clients[i % 10], t = T0 + i * 100;
    h.tcp(t, c, SRV, [40000 + (i % 10), 443], F.A, "upload chunk");
    h.tcp(t + 30, SRV, c, [443, 40000 + (i % 10)], F.A);
  }
  assert.equal(h.of().length, 0);
});

Deno.test("ddos: complete connections from several bots count as new connections per destination", () => {
  const h = harness();
  for (let i = 0; i < 900; i++) h.session(T0 + i * MS, BOTS[i % 3], SRV, { ports: [10000 + i, 80] });
  const d = h.of("ddos");
  assert.equal(new Set(d.map((x) => x.src)).size, 3, JSON.stringify(d.map((x) => x.reason)));
  assert.match(d[0].reason, /new connections from 3 sources to one host/);
  // keep-alive clients: 20 connections, many requests each, are quiet
  const k = harness();
  for (let c = 0; c < 20; c++) k.handshake(T0 + c * MS, BOTS[c % 3], SRV, [20000 + c, 80]);
  for (let r = 0; r < 2000; r++) {
    const c = r % 20;
    k.tcp(T0 + SEC + r * 700, BOTS[c % 3], SRV, [20000 + c, 80], F.PA, "GET / HTTP/1.1\r\n\r\n");
    k.tcp(T0 + SEC + r * 700 + 300, SRV, BOTS[c % 3], [80, 20000 + c], F.PA, "HTTP/1.1 200 OK\r\n\r\n");
  }
  assert.equal(k.of().length, 0);
});

Deno.test("ddos: HTTP requests on kept-alive connections from several bots count per destination", () => {
  const flood = (h: Harness, clients: readonly (number | string)[], n: number, gapUs: number) => {
    for (let c = 0; c < 6; c++) h.handshake(T0 + c * MS, clients[c % clients.length], SRV, [30000 + c, 8081]);
    for (let r = 0; r < n; r++) {
      const c = r % 6, cli = clients[c % clients.length];
      h.tcp(T0 + SEC + r * gapUs, cli, SRV, [30000 + c, 8081], F.PA, "GET / HTTP/1.1\r\nHost: shop\r\n\r\n");
      h.tcp(
        T0 + SEC + r * gapUs + 100,
        SRV,
        cli,
        [8081, 30000 + c],
        F.PA,
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
      );
    }
  };
  const h = new Harness(new DdosDetector(testConfig()), { tcpSeq: true });
  flood(h, BOTS, 3000, 300); // ~3,300 requests/s from 3 bots over 6 connections
  const d = h.of("ddos");
  assert.equal(new Set(d.map((x) => x.src)).size, 3);
  assert.match(d[0].reason, /HTTP requests from 3 sources to one host in 1 s$/);
  // one client at ~1,400 requests/s is a busy client, not a DDoS
  const k = new Harness(new DdosDetector(testConfig()), { tcpSeq: true });
  flood(k, [BOTS[0]], 3000, 700);
  assert.equal(k.of().length, 0);
});

Deno.test("ddos: an answered flow goes quiet (the pipeline skips its later packets); unanswered and ICMP flows do not", () => {
  const h = harness();
  const cli = ip("10.77.0.2");
  h.handshake(T0, cli, SRV, [40000, 80]);
  const tcpFlow = h.tcp(T0 + MS, cli, SRV, [40000, 80], F.A).flow;
  assert.equal(h.flows.quietBits(tcpFlow) & QuietBit.DDOS, QuietBit.DDOS);
  const udpFlow = h.udp(T0 + 2 * MS, cli, SRV, [5000, 53]).flow;
  assert.equal(h.flows.quietBits(udpFlow) & QuietBit.DDOS, 0); // not answered yet: it still counts
  h.udp(T0 + 3 * MS, SRV, cli, [53, 5000]);
  assert.equal(h.flows.quietBits(udpFlow) & QuietBit.DDOS, QuietBit.DDOS);
  const ping = h.icmp(T0 + 4 * MS, cli, SRV).flow;
  h.icmp(T0 + 5 * MS, SRV, cli, 0);
  h.icmp(T0 + 6 * MS, cli, SRV);
  assert.equal(h.flows.quietBits(ping) & QuietBit.DDOS, 0); // every echo request counts, answered or not
});
