import assert from "node:assert/strict";
import { LinkType, newFrame } from "../capture/packet_source.ts";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import { cat, eth, icmp, ipv4, tcp, udp } from "../decode/_test_frames.ts";
import type { Detection } from "../detectors/detection.ts";
import { createDetectors } from "../detectors/mod.ts";
import { type Detector, type PacketInterest, PacketKind } from "../detectors/detector.ts";
import { Pipeline } from "./pipeline.ts";

const T0 = 1_780_000_000_000_000;

function synFrame(dport: number) {
  return cat(
    eth(0x0800),
    ipv4({ src: "10.1.0.66", dst: "10.1.0.1", proto: 6 }, tcp({ sp: 40000, dp: dport, flags: 0x02 })),
  );
}

function scan(p: Pipeline, ports: number) {
  const f = newFrame();
  f.linkType = LinkType.ETHERNET;
  for (let i = 0; i < ports; i++) {
    f.buf = synFrame(1000 + i);
    f.caplen = f.len = f.buf.length;
    f.tsUs = T0 + i * 1000;
    p.handle(f);
  }
}

Deno.test("pipeline.tick: a port scan followed by silence is reported when packet time advances without packets", () => {
  const got: Detection[] = [];
  const p = new Pipeline({ detectors: createDetectors(DEFAULT_CONFIG), emit: (d) => got.push(d) });
  scan(p, 30);
  assert.equal(got.filter((d) => d.type === "port_scan").length, 0, "probes wait for their grace period");
  p.tick(T0 + 1_000_000); // too early: nothing due yet
  assert.equal(got.filter((d) => d.type === "port_scan").length, 0);
  p.tick(T0 + 5_000_000);
  const scans = got.filter((d) => d.type === "port_scan");
  assert.equal(scans.length, 1);
  assert.equal(scans[0].src, (10 << 24 | 1 << 16 | 66) >>> 0);
});

Deno.test("pipeline.tick never moves packet time backwards", () => {
  const p = new Pipeline({ detectors: createDetectors(DEFAULT_CONFIG) });
  scan(p, 3);
  const now = p.flows.nowUs;
  p.tick(now - 10_000_000);
  assert.equal(p.flows.nowUs, now);
});

Deno.test("pipeline dispatch: a detector sees only the packets it declares, onDue the others, in detector order", () => {
  const calls: string[] = [];
  const fake = (name: string, packets?: PacketInterest, withDue = false): Detector => {
    const d: Detector = {
      type: "port_scan",
      onPacket: (pkt) => void calls.push(`${name}:${pkt.proto}/${pkt.proto === 6 ? pkt.tcpFlags : "-"}`),
      configure: () => {},
      size: () => 0,
    };
    if (packets !== undefined) Object.assign(d, { packets });
    if (withDue) d.onDue = (_flows, nowUs) => void calls.push(`${name}:due@${nowUs - T0}`);
    return d;
  };
  const p = new Pipeline({
    detectors: [
      fake("all"),
      fake("syn", { kinds: PacketKind.TCP, tcpFlags: 0x02 }, true),
      fake("udp", { kinds: PacketKind.UDP, tcpFlags: 0 }),
      fake("icmp", { kinds: PacketKind.ICMP, tcpFlags: 0 }),
      fake("tcpudp", { kinds: PacketKind.TCP | PacketKind.UDP, tcpFlags: 0 }, true),
      fake("none", { kinds: 0, tcpFlags: 0 }),
    ],
    stream: false,
  });
  const frames = [
    ipv4({ src: "10.1.0.66", dst: "10.1.0.1", proto: 6 }, tcp({ sp: 40000, dp: 80, flags: 0x02 })),
    ipv4({ src: "10.1.0.66", dst: "10.1.0.1", proto: 6 }, tcp({ sp: 40000, dp: 80, flags: 0x10 })),
    ipv4({ src: "10.1.0.66", dst: "10.1.0.1", proto: 17 }, udp(5000, 53, [1, 2, 3])),
    ipv4({ src: "10.1.0.66", dst: "10.1.0.1", proto: 1 }, icmp(8, 0, [0, 1, 0, 1])),
    ipv4({ src: "10.1.0.66", dst: "10.1.0.1", proto: 47 }, new Uint8Array(8)),
  ];
  const f = newFrame();
  f.linkType = LinkType.ETHERNET;
  frames.forEach((ip, i) => {
    f.buf = cat(eth(0x0800), ip);
    f.caplen = f.len = f.buf.length;
    f.tsUs = T0 + i;
    p.handle(f);
  });
  assert.deepEqual(calls, [
    "all:6/2",
    "syn:6/2",
    "tcpudp:6/2",
    "all:6/16",
    "syn:due@1",
    "tcpudp:6/16",
    "all:17/-",
    "syn:due@2",
    "udp:17/-",
    "tcpudp:17/-",
    "all:1/-",
    "syn:due@3",
    "icmp:1/-",
    "tcpudp:due@3",
    "all:47/-",
    "syn:due@4",
    "tcpudp:due@4",
  ]);
});

Deno.test("pipeline dispatch: a flow a detector went quiet on skips its onPacket (onDue instead); other flows still reach it", () => {
  const calls: string[] = [];
  const quiet: Detector = {
    type: "ddos",
    quietBit: 4,
    onPacket: (pkt, flows) => {
      calls.push(`packet:${pkt.srcPort}`);
      flows.setQuiet(pkt.flow, 4); // done with this flow after its first packet
    },
    onDue: (_flows, nowUs) => void calls.push(`due@${nowUs - T0}`),
    configure: () => {},
    size: () => 0,
  };
  const loud: Detector = {
    type: "port_scan",
    onPacket: (pkt) => void calls.push(`loud:${pkt.srcPort}`),
    configure: () => {},
    size: () => 0,
  };
  const p = new Pipeline({ detectors: [quiet, loud], stream: false });
  const f = newFrame();
  f.linkType = LinkType.ETHERNET;
  [40000, 40000, 40001, 40000].forEach((sp, i) => {
    f.buf = cat(eth(0x0800), ipv4({ src: "10.1.0.66", dst: "10.1.0.1", proto: 17 }, udp(sp, 53, [1])));
    f.caplen = f.len = f.buf.length;
    f.tsUs = T0 + i;
    p.handle(f);
  });
  assert.deepEqual(calls, [
    "packet:40000",
    "loud:40000",
    "due@1",
    "loud:40000",
    "packet:40001",
    "loud:40001",
    "due@3",
    "loud:40000",
  ]);
});

Deno.test("pipeline dispatch: on a quiet flow, TCP segments with a quietUnlessTcpFlags flag still reach onPacket", () => {
  const calls: string[] = [];
  const d: Detector = {
    type: "exploit_probe",
    quietBit: 4,
    quietUnlessTcpFlags: 0x02, // SYN
    onPacket: (pkt, flows) => {
      calls.push(`packet:${pkt.tcpFlags}`);
      flows.setQuiet(pkt.flow, 4);
    },
    onDue: (_flows, nowUs) => void calls.push(`due@${nowUs - T0}`),
    configure: () => {},
    size: () => 0,
  };
  const p = new Pipeline({ detectors: [d], stream: false });
  const f = newFrame();
  f.linkType = LinkType.ETHERNET;
  // SYN (goes quiet), ACK, PSH+ACK, SYN again (let through), ACK, FIN+ACK
  [0x02, 0x10, 0x18, 0x02, 0x10, 0x11].forEach((flags, i) => {
    f.buf = cat(eth(0x0800), ipv4({ src: "10.1.0.66", dst: "10.1.0.1", proto: 6 }, tcp({ sp: 40000, dp: 80, flags })));
    f.caplen = f.len = f.buf.length;
    f.tsUs = T0 + i;
    p.handle(f);
  });
  assert.deepEqual(calls, ["packet:2", "due@1", "due@2", "packet:2", "due@4", "due@5"]);
});

Deno.test("pipeline dispatch: a detector's gated onDue is called only once something may be due (Detector.dueGate)", () => {
  const calls: number[] = [];
  const gate = { dueTs: -Infinity, graceUs: 2 };
  const d: Detector = {
    type: "syn_flood",
    packets: { kinds: PacketKind.ICMP, tcpFlags: 0 }, // the UDP packets below go to onDue
    dueGate: gate,
    onPacket: () => {},
    onDue: (_flows, nowUs) => {
      calls.push(nowUs - T0);
      gate.dueTs = nowUs - T0 === 0 ? T0 + 3 : Infinity; // one event at +3, then none
    },
    configure: () => {},
    size: () => 0,
  };
  const p = new Pipeline({ detectors: [d], stream: false });
  const f = newFrame();
  f.linkType = LinkType.ETHERNET;
  for (let i = 0; i < 8; i++) {
    f.buf = cat(eth(0x0800), ipv4({ src: "10.1.0.66", dst: "10.1.0.1", proto: 17 }, udp(40000, 53, [1])));
    f.caplen = f.len = f.buf.length;
    f.tsUs = T0 + i;
    p.handle(f);
  }
  // +0: the first call (-Infinity); +5: the event at +3 is due after its 2 µs of grace; then nothing
  assert.deepEqual(calls, [0, 5]);
});
