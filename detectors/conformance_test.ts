/**
 * One conformance suite for every detector in {@link DETECTOR_FACTORIES}: garbage never throws,
 * tables stay capped, only the detector's own type is reported, detections name addresses seen in
 * packets, benign traffic is silent, and results depend on packet time only.
 */
import assert from "node:assert/strict";
import type { Config } from "../config/defaults.ts";
import { type IpKey, IpProto, Packet } from "../decode/packet.ts";
import { FlowTable } from "../flow/flow_table.ts";
import { F, Harness, ip, MS, SEC, T0, testConfig } from "./_test_packets.ts";
import type { AttackType } from "./attack_type.ts";
import type { Detection } from "./detection.ts";
import type { Detector } from "./detector.ts";
import { DETECTOR_FACTORIES, type DetectorFactory } from "./mod.ts";
import { mulberry32 } from "../core/prng.ts";

const FACTORIES = Object.entries(DETECTOR_FACTORIES) as [AttackType, DetectorFactory][];
/** The types this suite expects the attack scenario to trigger. */
const MUST_FIRE: AttackType[] = [
  "syn_flood",
  "ddos",
  "port_scan",
  "udp_flood",
  "icmp_flood",
  "exploit_probe",
  "brute_force",
  "sql_injection",
];
/** Most tables one detector holds, each capped at `limits.max_tracked_ips`. */
const MAX_TABLES = 3;

const V6_POOL = ["fd77::1", "fd77::66", "2001:db8::1", "::1", "ff02::1", "fe80::1", "::ffff:10.0.0.1", "::"];
const PORTS = [0, 21, 22, 23, 53, 69, 80, 135, 139, 443, 445, 3389, 5900, 8080, 33434, 65535];
const SQLI = "GET /item?id=1+UNION+SELECT+username,password+FROM+users-- HTTP/1.1\r\nHost: x\r\n\r\n";

/** Fills `pkt` with a random, often nonsensical, decoded packet. */
function randomPacket(pkt: Packet, r: () => number, tsUs: number): void {
  pkt.reset();
  pkt.tsUs = tsUs;
  const v6 = r() < 0.15;
  pkt.ipVersion = v6 ? 6 : 4;
  const addr = (): IpKey => {
    if (v6) {
      return r() < 0.7
        ? V6_POOL[Math.floor(r() * V6_POOL.length)]
        : `2001:db8::${Math.floor(r() * 65536).toString(16)}`;
    }
    const x = r();
    if (x < 0.4) return (0x0a000000 + Math.floor(r() * 16)) >>> 0;
    if (x < 0.45) return [0, 0xffffffff, 0xe0000001, 0x7f000001][Math.floor(r() * 4)];
    return Math.floor(r() * 4294967296) >>> 0;
  };
  pkt.src = addr();
  pkt.dst = r() < 0.05 ? pkt.src : addr();
  const protos = [IpProto.TCP, IpProto.TCP, IpProto.UDP, IpProto.ICMP, IpProto.ICMPV6, 47, 0, 255];
  pkt.proto = protos[Math.floor(r() * protos.length)];
  pkt.hasL4 = r() < 0.9;
  pkt.isFragment = r() < 0.05;
  pkt.isLaterFragment = pkt.isFragment && !pkt.hasL4;
  if (pkt.hasL4) {
    pkt.srcPort = r() < 0.5 ? PORTS[Math.floor(r() * PORTS.length)] : Math.floor(r() * 65536);
    pkt.dstPort = r() < 0.5 ? PORTS[Math.floor(r() * PORTS.length)] : Math.floor(r() * 65536);
    pkt.tcpFlags = r() < 0.5 ? [F.S, F.SA, F.A, F.PA, F.FA, F.R, F.RA][Math.floor(r() * 7)] : Math.floor(r() * 256);
    pkt.icmpType = Math.floor(r() * 257) - 1;
    pkt.icmpCode = Math.floor(r() * 257) - 1;
  }
  pkt.ttl = Math.floor(r() * 256);
  pkt.wireLen = Math.floor(r() * 9000);
  pkt.ipLen = pkt.wireLen;
  if (r() < 0.1) {
    const bytes = r() < 0.5
      ? new TextEncoder().encode(SQLI)
      : new Uint8Array(Math.floor(r() * 64)).map(() => r() * 256);
    pkt.buf = bytes;
    pkt.payloadOff = Math.floor(r() * 4);
    pkt.payloadLen = Math.max(0, bytes.length - pkt.payloadOff - Math.floor(r() * 4));
  }
}

/** Runs a detector over random packets; returns detections and the addresses the packets carried. */
function fuzz(det: Detector, n: number, seed: number): { out: Detection[]; seen: Set<IpKey> } {
  const out: Detection[] = [];
  const emit = (d: Detection) => out.push(d);
  const flows = new FlowTable({ maxFlows: 4096, onEnd: (t, s, why) => det.onFlowEnd?.(t, s, why, emit) });
  const r = mulberry32(seed);
  const pkt = new Packet();
  const seen = new Set<IpKey>();
  let ts = T0;
  for (let i = 0; i < n; i++) {
    const x = r();
    ts += x < 0.9 ? Math.floor(r() * 2000) : x < 0.97 ? -Math.floor(r() * 10 * SEC) : Math.floor(r() * 3600 * SEC);
    randomPacket(pkt, r, ts);
    seen.add(pkt.src);
    seen.add(pkt.dst);
    flows.update(pkt);
    det.onPacket(pkt, flows, emit);
  }
  flows.flush();
  return { out, seen };
}

/** Thresholds at their lowest so fuzzing reaches every reporting path. */
const HAIR_TRIGGER: Config = testConfig({
  syn_flood: { threshold: 2, dest_threshold: 3, window_s: 0.05 },
  ddos: { threshold: 3, min_sources: 2, window_s: 0.05 },
  port_scan: { threshold: 2, slow_threshold: 3, window_s: 1, slow_window_s: 5, sweep_hosts: 2 },
  udp_flood: { threshold: 3, source_threshold: 3, window_s: 0.05 },
  icmp_flood: { threshold: 3, source_threshold: 3, window_s: 0.05 },
  exploit_probe: { sweep_ports: 2, window_s: 1 },
  brute_force: { threshold: 2, window_s: 1, max_session_s: 5 },
  limits: { max_flows: 4096, max_tracked_ips: 500, max_http_streams: 500 },
});

function checkDetections(type: AttackType, out: Detection[], seen: Set<IpKey>): void {
  for (const d of out) {
    assert.equal(d.type, type);
    assert.ok(seen.has(d.src), `src ${d.src} was never in a packet`);
    assert.ok(seen.has(d.dst), `dst ${d.dst} was never in a packet`);
    assert.ok(d.severity === 1 || d.severity === 2 || d.severity === 3);
    assert.ok(Number.isFinite(d.tsUs));
    assert.ok(Number.isInteger(d.flow) && d.flow >= -1);
    assert.ok(Number.isInteger(d.srcPort) && d.srcPort >= 0 && d.srcPort <= 65535);
    assert.ok(Number.isInteger(d.dstPort) && d.dstPort >= 0 && d.dstPort <= 65535);
    assert.equal(typeof d.reason, "string");
    assert.ok(d.reason.length > 0 && !d.reason.includes("\n"));
  }
}

/** Benign traffic for about two minutes: web, DNS, ping, NTP, discovery, one bulk download. */
function benign(h: Harness, t0: number): number {
  const clients = ["10.77.0.2", "10.77.0.3", "10.77.0.4", "fd77::2"].map(ip);
  const web = ip("10.77.0.1"), web6 = ip("fd77::1"), dns = ip("10.77.0.53");
  let t = t0;
  for (let round = 0; round < 60; round++) {
    for (const [ci, c] of clients.entries()) {
      const v6 = typeof c === "string";
      const server = v6 ? web6 : web;
      const sp = 20000 + round * 10 + ci;
      t = h.session(t + 5 * MS, c, server, { ports: [sp, round % 2 ? 80 : 443], exchanges: 3 });
      if (!v6) {
        t = h.query(t + MS, c, dns, [30000 + round * 10 + ci, 53]);
        if (round % 3 === 0) {
          h.send({
            tsUs: t + MS,
            src: c,
            dst: web,
            proto: IpProto.TCP,
            sp: sp + 5000,
            dp: 80,
            flags: F.S,
          });
          h.send({ tsUs: t + 2 * MS, src: web, dst: c, proto: IpProto.TCP, sp: 80, dp: sp + 5000, flags: F.SA });
          h.send({ tsUs: t + 3 * MS, src: c, dst: web, proto: IpProto.TCP, sp: sp + 5000, dp: 80, flags: F.A });
          h.send({
            tsUs: t + 4 * MS,
            src: c,
            dst: web,
            proto: IpProto.TCP,
            sp: sp + 5000,
            dp: 80,
            flags: F.PA,
            payload: "GET /search?q=hello+world&page=2&order=desc HTTP/1.1\r\nHost: web\r\n\r\n",
          });
          h.send({
            tsUs: t + 5 * MS,
            src: web,
            dst: c,
            proto: IpProto.TCP,
            sp: 80,
            dp: sp + 5000,
            flags: F.PA,
            payload: "HTTP/1.0 200 OK\r\n\r\nhello",
          });
          t += 6 * MS;
        }
      }
      h.icmp(t + MS, c, v6 ? web6 : web);
      h.icmp(t + 2 * MS, v6 ? web6 : web, c, v6 ? 129 : 0);
    }
    if (round % 4 === 0) {
      // an administrator's SSH login: completes, and the server sends host keys, channel data, output
      const c = clients[1], sp = 60000 + round;
      const t1 = h.handshake(t + MS, c, web, [sp, 22]);
      h.tcp(t1 + MS, web, c, [22, sp], F.PA, "k".repeat(6000));
      h.tcp(t1 + 2 * MS, c, web, [sp, 22], F.FA);
      h.tcp(t1 + 3 * MS, web, c, [22, sp], F.FA);
      h.tcp(t1 + 4 * MS, c, web, [sp, 22], F.A);
    }
    h.udp(t + MS, clients[0], ip("239.255.255.250"), [50000, 1900]);
    h.udp(t + MS, clients[1], ip("224.0.0.251"), [5353, 5353]);
    h.query(t + 3 * MS, clients[2], ip("10.77.0.123"), [123, 123]);
    t += 2 * SEC;
  }
  // a bulk download on one established flow, 100 k packets/s for 0.5 s
  const c = clients[0];
  t = h.handshake(t + SEC, c, web, [45000, 80]);
  for (let i = 0; i < 50_000; i++) {
    t += 10;
    if (i % 3) h.tcp(t, web, c, [80, 45000], F.A, "x");
    else h.tcp(t, c, web, [45000, 80], F.A);
  }
  return t;
}

/** Every attack the detectors know, mixed with benign traffic; `shift` moves every timestamp. */
export function attacks(h: Harness, shift: number): void {
  const t0 = T0 + shift;
  const srv = ip("10.77.0.1"), atk = ip("10.77.0.66"), atk2 = ip("10.77.0.67");
  let t = benign(h, t0) + 5 * SEC;
  // port scan: 200 ports
  for (let p = 1; p <= 200; p++) {
    h.tcp(t, atk, srv, [45000, p], F.S);
    h.tcp(t + 100, srv, atk, [p, 45000], F.RA);
    t += 300;
  }
  // SYN flood: 2000 pps for 1 s to port 80, half answered with SYN-ACK
  for (let i = 0; i < 2000; i++) {
    h.tcp(t, atk, srv, [1000 + i, 80], F.S);
    if (i % 2) h.tcp(t + 80, srv, atk, [80, 1000 + i], F.SA);
    t += 500;
  }
  // UDP flood with port unreachable answers
  for (let i = 0; i < 2000; i++) {
    h.udp(t, atk, srv, [2000 + i, 53]);
    h.icmp(t + 50, srv, atk, 3, 3);
    t += 300;
  }
  // ICMP echo flood, answered
  for (let i = 0; i < 2000; i++) {
    h.icmp(t, atk, srv, 8);
    h.icmp(t + 50, srv, atk, 0);
    t += 300;
  }
  // spoofed SYN flood (DDoS)
  for (let i = 0; i < 3000; i++) {
    h.tcp(t, (0x0b000000 + i * 7919) >>> 0, srv, [1024 + (i % 60000), 80], F.S);
    t += 200;
  }
  // distributed UDP flood from three real sources, 400 packets/s each
  const bots = [ip("10.77.0.70"), ip("10.77.0.71"), ip("10.77.0.72")];
  for (let i = 0; i < 2400; i++) {
    h.udp(t, bots[i % 3], srv, [3000 + (i % 60000), 9999]);
    t += 833;
  }
  // exploit probes
  for (const p of [445, 3389, 22]) h.tcp(t += MS, atk2, srv, [50000, p], F.S);
  // SQL injection over HTTP
  t = h.handshake(t + SEC, atk2, srv, [51000, 80]);
  h.tcp(t + MS, atk2, srv, [51000, 80], F.PA, SQLI);
  h.tcp(t + 2 * MS, srv, atk2, [80, 51000], F.PA, "HTTP/1.0 200 OK\r\n\r\n");
  // SSH brute force: 15 short sessions
  for (let i = 0; i < 15; i++) t = h.session(t + 500 * MS, atk2, srv, { ports: [52000 + i, 22], exchanges: 4 });
  h.flush();
}

for (const [type, make] of FACTORIES) {
  Deno.test(`conformance ${type}: never throws on 300k random packets and reports only its type`, () => {
    for (const [cfg, seed] of [[testConfig(), 1], [HAIR_TRIGGER, 2]] as const) {
      const det = make(cfg);
      assert.equal(det.type, type);
      const { out, seen } = fuzz(det, 150_000, seed);
      checkDetections(type, out, seen);
    }
  });

  Deno.test(`conformance ${type}: tables stay capped under 1,000,000 random sources`, () => {
    const cap = 1000;
    const cfg = testConfig({ limits: { max_flows: 4096, max_tracked_ips: cap, max_http_streams: cap } });
    const det = make(cfg);
    const emit = () => {};
    const flows = new FlowTable({ maxFlows: 4096, onEnd: (t, s, why) => det.onFlowEnd?.(t, s, why, emit) });
    const r = mulberry32(7);
    const pkt = new Packet();
    const victims = [ip("10.77.0.1"), ip("10.77.0.2"), ip("fd77::1")];
    let ts = T0;
    let peak = 0;
    for (let i = 0; i < 1_000_000; i++) {
      pkt.reset();
      ts += 5;
      pkt.tsUs = ts;
      const v6 = i % 10 === 0;
      pkt.ipVersion = v6 ? 6 : 4;
      pkt.src = v6 ? `2001:db8:${(i >>> 16).toString(16)}::${(i & 0xffff).toString(16)}` : (0x0b000000 + i) >>> 0;
      pkt.dst = v6 ? victims[2] : victims[i & 1];
      pkt.proto = [IpProto.TCP, IpProto.TCP, IpProto.UDP, v6 ? IpProto.ICMPV6 : IpProto.ICMP][i & 3];
      pkt.hasL4 = true;
      pkt.srcPort = 1024 + Math.floor(r() * 60000);
      pkt.dstPort = PORTS[i % PORTS.length];
      pkt.tcpFlags = (i & 7) === 0 ? F.A : F.S;
      pkt.icmpType = v6 ? 128 : 8;
      pkt.icmpCode = 0;
      pkt.wireLen = 60;
      flows.update(pkt);
      det.onPacket(pkt, flows, emit);
      if ((i & 0x3fff) === 0) peak = Math.max(peak, det.size());
    }
    flows.flush();
    peak = Math.max(peak, det.size());
    assert.ok(peak <= MAX_TABLES * cap, `${type}: size ${peak} > ${MAX_TABLES} × ${cap}`);
  });

  Deno.test(`conformance ${type}: silent on no traffic and on benign traffic`, () => {
    const det = make(testConfig());
    const h = new Harness(det);
    h.flush();
    assert.equal(det.size(), 0);
    benign(h, T0);
    h.flush();
    assert.deepEqual(h.detections, []);
  });

  Deno.test(`conformance ${type}: works on packet time (a constant shift gives the same detections)`, () => {
    const runs: Detection[][] = [];
    const seen = new Set<IpKey>();
    for (const shift of [0, 1_234_567_891]) {
      const h = new Harness(make(testConfig()));
      const origRun = h.run.bind(h);
      h.run = (p) => {
        seen.add(p.src);
        seen.add(p.dst);
        return origRun(p);
      };
      attacks(h, shift);
      runs.push(h.detections.map((d) => ({ ...d, tsUs: d.tsUs - shift })));
    }
    assert.deepEqual(runs[1], runs[0]);
    checkDetections(type, runs[0], seen);
    if (MUST_FIRE.includes(type)) assert.ok(runs[0].length > 0, `${type} saw none of its attack`);
  });
}
