import assert from "node:assert/strict";
import { IpProto, Packet } from "../decode/packet.ts";
import { F, fillPacket, MS, type PacketSpec, SEC, T0 } from "../detectors/_test_packets.ts";
import { FlowTable } from "../flow/flow_table.ts";
import { mulberry32 } from "../core/prng.ts";
import { FEATURE_COUNT, FEATURE_NAMES, FeatureExtractor } from "./features.ts";

class Rig {
  flows: FlowTable;
  fx: FeatureExtractor;
  pkt = new Packet();
  constructor(maxFlows = 1024, maxHosts?: number) {
    this.flows = new FlowTable({ maxFlows });
    this.fx = new FeatureExtractor({ maxFlows, maxHosts });
  }
  send(s: PacketSpec): number {
    fillPacket(this.pkt, s);
    this.flows.update(this.pkt);
    this.fx.onPacket(this.pkt, this.flows);
    return this.pkt.flow;
  }
  row(slot: number): Record<string, number> {
    const out = new Float32Array(FEATURE_COUNT);
    this.fx.write(this.flows, slot, out);
    return Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, out[i]]));
  }
}

const A = "10.0.0.5", B = "10.0.0.1";

Deno.test("features: a completed TCP exchange has both directions, a handshake and sane shares", () => {
  const r = new Rig();
  const tcp = (t: number, src: string, dst: string, sp: number, dp: number, flags: number, payload = "") =>
    r.send({ tsUs: T0 + t, src, dst, proto: IpProto.TCP, sp, dp, flags, payload });
  tcp(0, A, B, 40000, 80, F.S);
  tcp(1 * MS, B, A, 80, 40000, F.SA);
  tcp(2 * MS, A, B, 40000, 80, F.A);
  tcp(3 * MS, A, B, 40000, 80, F.PA, "GET / HTTP/1.1\r\n\r\n");
  const slot = tcp(10 * MS, B, A, 80, 40000, F.PA, "x".repeat(500));
  const f = r.row(slot);
  assert.equal(f.proto_tcp, 1);
  assert.equal(f.resp_port_low, 1);
  assert.equal(f.fwd_pkts_log, Math.fround(Math.log1p(3)));
  assert.equal(f.bwd_pkts_log, Math.fround(Math.log1p(2)));
  assert.equal(f.handshake, 1);
  assert.equal(f.replied, 1);
  assert.equal(f.midstream, 0);
  // no absolute size, port number or TCP window is a feature (v3): they name the tool, not the behaviour
  for (const n of ["fwd_len_min", "bwd_len_max", "resp_port_log", "init_win_fwd", "src_bytes_1s"]) {
    assert.equal(f[n], undefined, n);
  }
  assert.equal(f.syn_frac, Math.fround(2 / 5));
  assert.ok(f.down_up_ratio > 0, "more bytes down than up");
  assert.equal(f.iat_max_log, Math.fround(Math.log1p(7)));
  assert.equal(f.src_unanswered, 0);
});

Deno.test("features: a SYN sweep over many ports shows in the source's context and not in another's", () => {
  const r = new Rig();
  let slot = -1;
  for (let p = 1; p <= 100; p++) {
    slot = r.send({ tsUs: T0 + p * 5 * MS, src: A, dst: B, proto: IpProto.TCP, sp: 50000, dp: p, flags: F.S });
  }
  const scan = r.row(slot);
  // 100 ports in 0.5 s: the 1 s damped count has lost some, the 10 s one almost none
  assert.ok(scan.src_ports_1s > Math.log1p(60), `distinct ports ${Math.expm1(scan.src_ports_1s)}`);
  assert.ok(scan.src_ports_10s > Math.log1p(95), `distinct ports ${Math.expm1(scan.src_ports_10s)}`);
  const hosts = Math.expm1(scan.src_hosts_10s); // one host, damped a little over 0.5 s
  assert.ok(hosts > 0.9 && hosts <= 1, `hosts ${hosts}`);
  assert.equal(scan.src_syn_ratio, 1);
  assert.equal(scan.src_unanswered, 1);
  assert.ok(scan.dst_flows_in_10s > Math.log1p(95));
  // an ordinary client to the same victim afterwards: its own context is small
  const other = r.send({
    tsUs: T0 + 600 * MS,
    src: "10.0.0.9",
    dst: B,
    proto: IpProto.TCP,
    sp: 40001,
    dp: 80,
    flags: F.S,
  });
  const o = r.row(other);
  assert.equal(o.src_ports_10s, Math.fround(Math.log1p(1)));
  assert.ok(o.dst_flows_in_1s > Math.log1p(50), "the victim's context still shows the sweep");
});

Deno.test("features: context decays on packet time", () => {
  const r = new Rig();
  let slot = -1;
  for (let i = 0; i < 200; i++) {
    slot = r.send({ tsUs: T0 + i * MS, src: A, dst: B, proto: IpProto.UDP, sp: 1000 + i, dp: 53 });
  }
  const hot = r.row(slot);
  const later = r.send({ tsUs: T0 + 30 * SEC, src: A, dst: B, proto: IpProto.UDP, sp: 999, dp: 53 });
  const cold = r.row(later);
  assert.ok(hot.src_pkts_1s > Math.log1p(150), `hot ${hot.src_pkts_1s}`);
  assert.ok(cold.src_pkts_1s < Math.log1p(1.01), `after 30 s the 1 s counter is ~1 packet: ${cold.src_pkts_1s}`);
  assert.ok(cold.src_pkts_10s < hot.src_pkts_10s);
});

Deno.test("features: a reused flow slot starts from zero", () => {
  const r = new Rig(16);
  const first = r.send({ tsUs: T0, src: A, dst: B, proto: IpProto.UDP, sp: 1, dp: 53, payload: "x".repeat(900) });
  r.send({ tsUs: T0 + 500, src: B, dst: A, proto: IpProto.UDP, sp: 53, dp: 1, payload: "y".repeat(200) });
  assert.ok(r.row(first).iat_max_log > 0 && r.row(first).bwd_pkts_log > 0);
  for (let i = 0; i < 40; i++) r.send({ tsUs: T0 + (i + 1) * MS, src: "10.0.1." + i, dst: B, proto: IpProto.UDP });
  // the table holds 16 flows: the first slot was reused by a later flow
  const again = r.send({ tsUs: T0 + 100 * MS, src: A, dst: B, proto: IpProto.UDP, sp: 1, dp: 53 });
  const f = r.row(again);
  assert.equal(f.fwd_pkts_log, Math.fround(Math.log1p(1)));
  assert.equal(f.bwd_pkts_log, 0, `slot ${first} → ${again}: the old reply is gone`);
  assert.equal(f.iat_max_log, 0, "the old gaps are gone");
  assert.equal(f.down_up_ratio, 0, "the old bytes are gone");
});

Deno.test("features: a flow table asked for fewer slots than it has keeps every flow's host context", () => {
  // the flow table rounds a small maxFlows up (MIN_FLOW_SLOTS): the extractor must cover every slot it uses
  const r = new Rig(8, 64);
  let last = -1;
  for (let i = 0; i < 14; i++) {
    for (let k = 0; k < 2; k++) {
      last = r.send({ tsUs: T0 + i * 10 + k, src: A, dst: `10.0.1.${i}`, proto: IpProto.UDP, sp: 1000 + i, dp: 53 });
    }
  }
  assert.ok(last >= 8, `the last flow sits in slot ${last}, past the 8 asked for`);
  assert.equal(r.fx.hosts, 15);
  const f = r.row(last);
  assert.equal(Math.round(Math.expm1(f.src_pkts_1s)), 28);
  assert.equal(Math.round(Math.expm1(f.src_flows_1s)), 14);
});

Deno.test("features: the host table is capped and evicts the least recently active", () => {
  const r = new Rig(4096, 64);
  for (let i = 0; i < 5000; i++) {
    r.send({
      tsUs: T0 + i * 10,
      src: (0x0b000000 + i) >>> 0,
      dst: B,
      proto: IpProto.TCP,
      sp: 1234,
      dp: 80,
      flags: F.S,
    });
  }
  assert.ok(r.fx.hosts <= 64, `hosts ${r.fx.hosts}`);
  assert.ok(r.fx.hostEvictions > 4900);
  // the victim receives every packet and so stays in the table
  const slot = r.send({ tsUs: T0 + 60 * MS, src: A, dst: B, proto: IpProto.TCP, sp: 1, dp: 80, flags: F.S });
  assert.ok(r.row(slot).dst_srcs_1s > Math.log1p(1000));
});

Deno.test("features: the host table evicts exactly the least recently active host, before and after it first filled", () => {
  // random packets among 12 hosts through a 5-host table, within one decay step (no decay: a held host's
  // src_pkts_1s is log1p of the packets it sent since it entered the table); a reference LRU list says
  // which hosts are held, and every flow's row is checked against it after every packet
  const MAX = 5, HOSTS = 12;
  const ip = (h: number) => 0x0a000100 + h;
  for (let seed = 1; seed <= 12; seed++) {
    const r = new Rig(1024, MAX);
    const random = mulberry32(seed);
    const lru: number[] = []; // oldest → newest
    const sent = new Map<number, number>();
    let evictions = 0;
    const touch = (h: number) => {
      const i = lru.indexOf(h);
      if (i >= 0) lru.splice(i, 1);
      else {
        if (lru.length >= MAX) {
          sent.delete(lru.shift()!);
          evictions++;
        }
        sent.set(h, 0);
      }
      lru.push(h);
    };
    const initiators = new Map<number, number>(); // flow slot → its initiator
    for (let i = 0; i < 240; i++) {
      // the first 80 packets among 5 hosts (the table fills, nothing is evicted yet), then among all 12
      const n = i < 80 ? MAX : HOSTS;
      const a = Math.floor(random() * n);
      const b = (a + 1 + Math.floor(random() * (n - 1))) % n;
      // (b → a after a → b is the same flow: its hosts come from the flow's remembered slots)
      const slot = r.send({ tsUs: T0 + i, src: ip(a), dst: ip(b), proto: IpProto.UDP, sp: 1000 + a, dp: 1000 + b });
      if (!initiators.has(slot)) initiators.set(slot, a);
      touch(a);
      touch(b);
      sent.set(a, sent.get(a)! + 1);
      for (const [s, ini] of initiators) {
        const want = sent.has(ini) ? Math.fround(Math.log1p(sent.get(ini)!)) : 0;
        assert.equal(r.row(s).src_pkts_1s, want, `seed ${seed}, packet ${i}: host ${ini} (held: ${lru.join(",")})`);
      }
    }
    assert.equal(r.fx.hostEvictions, evictions);
    assert.ok(evictions > 20, `evictions ${evictions}`);
  }
});

Deno.test("features: no row holds an address", () => {
  const r = new Rig();
  const a = r.send({ tsUs: T0, src: "10.1.2.3", dst: B, proto: IpProto.TCP, sp: 40000, dp: 80, flags: F.S });
  const rowA = r.row(a);
  const r2 = new Rig();
  const b = r2.send({
    tsUs: T0,
    src: "192.168.200.7",
    dst: "172.16.0.9",
    proto: IpProto.TCP,
    sp: 40000,
    dp: 80,
    flags: F.S,
  });
  assert.deepEqual(r2.row(b), rowA);
});

Deno.test("features: repeated connections to one service and exploit-port probes show in the source's context", () => {
  const r = new Rig();
  let slot = -1;
  // ten logins to the same SSH service, each a new flow (new source port)
  for (let i = 0; i < 10; i++) {
    slot = r.send({ tsUs: T0 + i * 300 * MS, src: A, dst: B, proto: IpProto.TCP, sp: 41000 + i, dp: 22, flags: F.S });
  }
  const brute = r.row(slot);
  assert.ok(Math.expm1(brute.src_repeat_10s) > 8, `repeats ${Math.expm1(brute.src_repeat_10s)}`);
  assert.equal(brute.resp_port_exploit, 1);
  assert.equal(brute.src_exploit_share_60s, 1, "the only port it probed is an exploit port");
  // another source probing ordinary ports: no repeats, no exploit share
  let other = -1;
  for (let p = 8000; p < 8010; p++) {
    other = r.send({
      tsUs: T0 + 4 * SEC + p,
      src: "10.0.0.7",
      dst: B,
      proto: IpProto.TCP,
      sp: 50000,
      dp: p,
      flags: F.S,
    });
  }
  const scan = r.row(other);
  assert.equal(scan.src_repeat_60s, 0);
  assert.equal(scan.src_exploit_share_60s, 0);
  assert.equal(scan.resp_port_exploit, 0);
  assert.ok(Math.expm1(scan.src_ports_60s) > 9);
});

Deno.test("features: a flow whose hosts were evicted from the context table starts their context afresh", () => {
  const r = new Rig(1024, 4);
  let slot = -1;
  for (let i = 0; i < 50; i++) {
    slot = r.send({ tsUs: T0 + i * MS, src: A, dst: B, proto: IpProto.UDP, sp: 5000, dp: 53 });
  }
  assert.ok(Math.expm1(r.row(slot).src_pkts_10s) > 40);
  // other hosts push A and B out of the 4-entry table while the flow stays in the flow table
  for (let i = 0; i < 10; i++) {
    r.send({ tsUs: T0 + 60 * MS + i, src: "10.9.0." + i, dst: "10.9.1." + i, proto: IpProto.UDP, sp: 1, dp: 2 });
  }
  const again = r.send({ tsUs: T0 + 80 * MS, src: A, dst: B, proto: IpProto.UDP, sp: 5000, dp: 53 });
  assert.equal(again, slot, "same flow");
  const f = r.row(again);
  assert.ok(Math.expm1(f.src_pkts_10s) < 1.01, `fresh context: ${Math.expm1(f.src_pkts_10s)}`);
  assert.ok(r.fx.hosts <= 4);
});

Deno.test("features: short TCP sessions (failed-login-like) count for their initiator; keep-alive sessions do not", () => {
  const r = new Rig();
  const C = "10.0.0.9";
  const tcp = (t: number, src: string, dst: string, sp: number, dp: number, flags: number, payload = "") =>
    r.send({ tsUs: T0 + t, src, dst, proto: IpProto.TCP, sp, dp, flags, payload });
  // A: 12 login attempts to B:22, each a new connection that the server closes after a few packets
  let slot = -1;
  for (let i = 0; i < 12; i++) {
    const t = i * 400 * MS, sp = 41000 + i;
    tcp(t, A, B, sp, 22, F.S);
    tcp(t + 1 * MS, B, A, 22, sp, F.SA);
    tcp(t + 2 * MS, A, B, sp, 22, F.A);
    tcp(t + 3 * MS, A, B, sp, 22, F.PA, "password attempt");
    tcp(t + 50 * MS, B, A, 22, sp, F.PA, "Permission denied");
    slot = tcp(t + 60 * MS, B, A, 22, sp, F.FA);
    tcp(t + 61 * MS, A, B, sp, 22, F.FA);
  }
  const brute = r.row(slot);
  assert.ok(brute.src_short_10s > Math.log1p(8), `short sessions ${brute.src_short_10s}`);
  assert.ok(brute.src_short_60s >= brute.src_short_10s * 0.9);
  assert.ok(brute.src_short_share_60s > 0.9, `share ${brute.src_short_share_60s}`);
  // C: 3 keep-alive connections carrying 40 requests each, still open
  let kslot = -1;
  for (let c = 0; c < 3; c++) {
    const sp = 42000 + c;
    tcp(c * MS, C, B, sp, 80, F.S);
    tcp(c * MS + 100, B, C, 80, sp, F.SA);
    tcp(c * MS + 200, C, B, sp, 80, F.A);
    for (let q = 0; q < 40; q++) {
      tcp(c * MS + (q + 1) * 20 * MS, C, B, sp, 80, F.PA, "GET /page HTTP/1.1\r\n\r\n");
      kslot = tcp(c * MS + (q + 1) * 20 * MS + 5 * MS, B, C, 80, sp, F.PA, "x".repeat(300));
    }
  }
  const keep = r.row(kslot);
  assert.equal(keep.src_short_10s, 0);
  assert.equal(keep.src_short_share_60s, 0);
  // a long session that finally closes is not short either (over 40 packets)
  tcp(3 * SEC, C, B, 42000, 80, F.FA);
  assert.equal(r.row(kslot).src_short_60s, 0);
});

Deno.test("features: lookups in flight: a sequential client has none, a pipelining one overlaps, unanswered ones fade", () => {
  const r = new Rig();
  const C = "10.0.0.7", D = "10.0.0.8", E = "10.0.0.9";
  const udp = (t: number, src: string, dst: string, sp: number, dp: number) =>
    r.send({ tsUs: T0 + t, src, dst, proto: IpProto.UDP, sp, dp, payload: "q" });
  // C: 50 queries, each answered 0.2 ms later before the next one (one `dig -f` batch)
  let slot = -1;
  for (let i = 0; i < 50; i++) {
    udp(i * MS, C, B, 30000 + i, 53);
    slot = udp(i * MS + 200, B, C, 53, 30000 + i);
  }
  let f = r.row(slot);
  assert.equal(f.src_overlap_share_10s, 0);
  assert.ok(f.src_pending_1s < 0.01, `nothing waits: ${f.src_pending_1s}`);
  // D: four queries at once, then their answers, 50 times (four processes at once)
  for (let i = 0; i < 50; i++) {
    for (let k = 0; k < 4; k++) udp(100 * MS + i * MS + k, D, B, 40000 + 4 * i + k, 53);
    for (let k = 0; k < 4; k++) slot = udp(100 * MS + i * MS + 300 + k, B, D, 53, 40000 + 4 * i + k);
  }
  f = r.row(slot);
  assert.ok(
    Math.abs(f.src_overlap_share_10s - 0.75) < 0.01,
    `3 of every 4 start with another waiting: ${f.src_overlap_share_10s}`,
  );
  assert.ok(f.src_pending_1s < 0.01, "all answered");
  // E: 20 queries never answered wait, then fade with packet time (τ = 1 s)
  for (let i = 0; i < 20; i++) slot = udp(200 * MS + i * MS, E, B, 50000 + i, 53);
  f = r.row(slot);
  assert.ok(Math.abs(f.src_pending_1s - Math.log1p(20)) < 0.05, `20 wait: ${f.src_pending_1s}`);
  assert.ok(f.src_overlap_share_10s > 0.9);
  udp(200 * MS + 3 * SEC, E, B, 50100, 53);
  f = r.row(slot);
  assert.ok(f.src_pending_1s < Math.log1p(2.1), `faded to ~1 + 20 e^-3: ${f.src_pending_1s}`);
});

Deno.test("features: POST requests show on their flow and in the sender's context, GET requests do not", () => {
  const r = new Rig();
  const C = "10.0.0.7";
  const session = (t: number, src: string, sp: number, request: string) => {
    r.send({ tsUs: t, src, dst: B, proto: IpProto.TCP, sp, dp: 8081, flags: F.S });
    r.send({ tsUs: t + 1 * MS, src: B, dst: src, proto: IpProto.TCP, sp: 8081, dp: sp, flags: F.SA });
    r.send({ tsUs: t + 2 * MS, src, dst: B, proto: IpProto.TCP, sp, dp: 8081, flags: F.A });
    return r.send({ tsUs: t + 3 * MS, src, dst: B, proto: IpProto.TCP, sp, dp: 8081, flags: F.PA, payload: request });
  };
  let login = -1, page = -1;
  for (let i = 0; i < 4; i++) {
    login = session(T0 + i * 100 * MS, A, 41000 + i, "POST /login HTTP/1.1\r\nContent-Length: 9\r\n\r\nuser=x&p=");
    page = session(T0 + i * 100 * MS + 50 * MS, C, 42000 + i, "GET /login HTTP/1.1\r\n\r\n");
  }
  // a POST by the responder (not a request) and a body that merely contains "POST " count nothing
  r.send({
    tsUs: T0 + 500 * MS,
    src: B,
    dst: C,
    proto: IpProto.TCP,
    sp: 8081,
    dp: 42003,
    flags: F.PA,
    payload: "POST x",
  });
  r.send({
    tsUs: T0 + 501 * MS,
    src: C,
    dst: B,
    proto: IpProto.TCP,
    sp: 42003,
    dp: 8081,
    flags: F.PA,
    payload: "a POST b",
  });
  const l = r.row(login), g = r.row(page);
  assert.equal(l.http_posts, Math.fround(Math.log1p(1)));
  assert.equal(g.http_posts, 0);
  // four POSTs over four flows (damped alike): one per flow
  assert.ok(l.src_post_share_60s > 0.99 && l.src_post_share_60s <= 1, `share ${l.src_post_share_60s}`);
  assert.equal(g.src_post_share_60s, 0);
});

Deno.test("features: a SYN with no TCP options (a raw-socket tool's) reads as bare, an OS stack's does not, not even MSS-only", () => {
  const r = new Rig();
  const syn = (sp: number, hdrLen: number) => {
    fillPacket(r.pkt, { tsUs: T0 + sp * MS, src: A, dst: B, proto: IpProto.TCP, sp, dp: 445, flags: F.S });
    r.pkt.tcpHdrLen = hdrLen;
    r.flows.update(r.pkt);
    r.fx.onPacket(r.pkt, r.flows);
    return r.pkt.flow;
  };
  assert.equal(r.row(syn(1000, 20)).syn_bare, 1); // hping3, masscan: no options
  assert.equal(r.row(syn(1001, 24)).syn_bare, 0); // MSS only: nmap -sS, but also embedded stacks, Linux without TS/SACK/WS
  assert.equal(r.row(syn(1002, 40)).syn_bare, 0); // Linux: MSS, SACK, timestamps, window scale
  assert.equal(r.row(syn(1003, 32)).syn_bare, 0); // Windows: MSS, window scale, SACK
  const udp = r.send({ tsUs: T0 + 2 * SEC, src: A, dst: B, proto: IpProto.UDP, sp: 5000, dp: 53 });
  assert.equal(r.row(udp).syn_bare, 0);
});

Deno.test("features: the onset shares are near 1 when a host just started and fall while it goes on steadily", () => {
  const r = new Rig(4096);
  let slot = -1;
  for (let i = 0; i < 20; i++) {
    slot = r.send({ tsUs: T0 + i * 10 * MS, src: A, dst: B, proto: IpProto.UDP, sp: 10000 + i, dp: 53 });
  }
  const start = r.row(slot);
  assert.ok(start.src_onset_10s > 0.85, `onset ${start.src_onset_10s}`);
  assert.ok(start.dst_onset_10s > 0.85, `onset ${start.dst_onset_10s}`);
  // 20 flows per second for 30 s: about (20 × 1 s) / (20 × 10 s)
  for (let i = 0; i < 600; i++) {
    slot = r.send({ tsUs: T0 + SEC + i * 50 * MS, src: A, dst: B, proto: IpProto.UDP, sp: 20000 + i, dp: 53 });
  }
  const steady = r.row(slot);
  assert.ok(steady.src_onset_10s > 0.08 && steady.src_onset_10s < 0.15, `onset ${steady.src_onset_10s}`);
  assert.ok(steady.dst_onset_10s > 0.08 && steady.dst_onset_10s < 0.15, `onset ${steady.dst_onset_10s}`);
});

Deno.test("features: a half-open connection (SYN-ACK answered by the initiator's RST) marks its initiator for a while; completed and refused connections do not", () => {
  const r = new Rig();
  const C = "10.0.0.9", D = "10.0.0.10";
  const tcp = (t: number, src: string, dst: string, sp: number, dp: number, flags: number, payload = "") =>
    r.send({ tsUs: T0 + t, src, dst, proto: IpProto.TCP, sp, dp, flags, payload });
  // A: a SYN scan of port 21 (nmap -sS: its kernel or nmap itself resets the SYN-ACK), then a version-detection session
  tcp(0, A, B, 40000, 21, F.S);
  const scan = tcp(1 * MS, B, A, 21, 40000, F.SA);
  assert.equal(r.row(scan).src_half_open_60s, 0, "not before the reset");
  tcp(2 * MS, A, B, 40000, 21, F.R);
  tcp(100 * MS, A, B, 40001, 21, F.S);
  tcp(101 * MS, B, A, 21, 40001, F.SA);
  tcp(102 * MS, A, B, 40001, 21, F.A);
  const session = tcp(110 * MS, B, A, 21, 40001, F.PA, "220 FTP server ready\r\n");
  const marked = r.row(session).src_half_open_60s;
  assert.ok(marked > 0.99 && marked <= 1, `just after the reset: ${marked}`);
  // it fades with packet time (τ = 60 s)
  const later = tcp(60 * SEC + 2 * MS, A, B, 40001, 21, F.A);
  assert.ok(Math.abs(r.row(later).src_half_open_60s - Math.exp(-1)) < 1e-3, `${r.row(later).src_half_open_60s}`);
  // C: a client's completed connection closed by its RST, and a SYN refused by the responder's RST: no mark
  tcp(0, C, B, 41000, 22, F.S);
  tcp(1 * MS, B, C, 22, 41000, F.SA);
  tcp(2 * MS, C, B, 41000, 22, F.A);
  tcp(3 * MS, C, B, 41000, 22, F.R);
  tcp(4 * MS, C, B, 41001, 23, F.S);
  const refused = tcp(5 * MS, B, C, 23, 41001, F.RA);
  assert.equal(r.row(refused).src_half_open_60s, 0);
  // D: never reset anything, and the responder's side of A's flows is not marked
  const clean = tcp(6 * MS, D, B, 42000, 80, F.S);
  assert.equal(r.row(clean).src_half_open_60s, 0);
  const reverse = tcp(7 * MS, B, A, 43000, 8080, F.S);
  assert.equal(r.row(reverse).src_half_open_60s, 0);
});

Deno.test("features: a half-open mark lives in its host's row: it survives 300 k unrelated new flows and goes with its host's eviction", () => {
  // 200 scanners each leave one connection half-open
  const r = new Rig(4096);
  const scanner = (i: number) => (0x0c000000 + i) >>> 0;
  for (let i = 0; i < 200; i++) {
    r.send({ tsUs: T0 + i * 10, src: scanner(i), dst: B, proto: IpProto.TCP, sp: 40000, dp: 21, flags: F.S });
    r.send({ tsUs: T0 + i * 10 + 1, src: B, dst: scanner(i), proto: IpProto.TCP, sp: 21, dp: 40000, flags: F.SA });
    r.send({ tsUs: T0 + i * 10 + 2, src: scanner(i), dst: B, proto: IpProto.TCP, sp: 40000, dp: 21, flags: F.R });
  }
  // 300 k new flows of 1000 other hosts to ever other ports (each writes three "seen before" entries), in 3 s
  const t1 = T0 + 10 * MS;
  for (let i = 0; i < 300_000; i++) {
    r.send({
      tsUs: t1 + i * 10,
      src: (0x0d000000 + (i % 1000)) >>> 0,
      dst: B,
      proto: IpProto.TCP,
      sp: 50000,
      dp: 1 + (i % 65003),
      flags: F.S,
    });
  }
  const t2 = t1 + 3 * SEC + 10 * MS;
  let kept = 0;
  for (let i = 0; i < 200; i++) {
    const slot = r.send({ tsUs: t2 + i, src: scanner(i), dst: B, proto: IpProto.TCP, sp: 40001, dp: 22, flags: F.S });
    if (r.row(slot).src_half_open_60s > 0.9) kept++;
  }
  assert.equal(kept, 200, "every scanner keeps its mark (it decays by time only)");

  // a host pushed out of the context table loses its mark with the rest of its row
  const small = new Rig(4096, 64);
  small.send({ tsUs: T0, src: A, dst: B, proto: IpProto.TCP, sp: 40000, dp: 21, flags: F.S });
  small.send({ tsUs: T0 + 1, src: B, dst: A, proto: IpProto.TCP, sp: 21, dp: 40000, flags: F.SA });
  small.send({ tsUs: T0 + 2, src: A, dst: B, proto: IpProto.TCP, sp: 40000, dp: 21, flags: F.R });
  const before = small.send({ tsUs: T0 + 3, src: A, dst: B, proto: IpProto.TCP, sp: 40001, dp: 22, flags: F.S });
  assert.ok(small.row(before).src_half_open_60s > 0.99, "marked while its host is held");
  for (let i = 0; i < 100; i++) {
    small.send({ tsUs: T0 + 10 + i, src: (0x0e000000 + i) >>> 0, dst: "10.0.0.2", proto: IpProto.UDP, sp: 1, dp: 53 });
  }
  assert.ok(small.fx.hostEvictions > 0);
  const after = small.send({ tsUs: T0 + 200, src: A, dst: B, proto: IpProto.TCP, sp: 40002, dp: 23, flags: F.S });
  assert.equal(small.row(after).src_half_open_60s, 0, "evicted with its host");
});
