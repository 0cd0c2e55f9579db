/** Flow table: keys, directions, counters, TCP states, packet-time timeouts, the hard cap, hash chains. */
import assert from "node:assert/strict";
import { type IpKey, IpProto, Packet, TcpFlag } from "../decode/packet.ts";
import { DEFAULT_FLOW_TIMEOUTS, type FlowEndReason, FlowState, FlowTable, type FlowTimeouts } from "./flow_table.ts";

const { SYN, ACK, FIN, RST, PSH } = TcpFlag;
const T0 = 1_700_000_000_000_000;
const SEC = 1_000_000;

interface P {
  src: IpKey;
  dst: IpKey;
  sp?: number;
  dp?: number;
  proto?: number;
  flags?: number;
  ts: number;
  len?: number;
  l4?: boolean;
}

const pkt = new Packet();
/** Fills the shared packet record like the decoder would. */
function mk(p: P): Packet {
  pkt.reset();
  pkt.ipVersion = typeof p.src === "number" ? 4 : 6;
  pkt.src = p.src;
  pkt.dst = p.dst;
  pkt.proto = p.proto ?? IpProto.TCP;
  pkt.hasL4 = p.l4 ?? true;
  if (pkt.hasL4 && (pkt.proto === IpProto.TCP || pkt.proto === IpProto.UDP)) {
    pkt.srcPort = p.sp ?? 0;
    pkt.dstPort = p.dp ?? 0;
  }
  if (pkt.proto === IpProto.TCP) pkt.tcpFlags = p.flags ?? 0;
  pkt.tsUs = p.ts;
  pkt.wireLen = p.len ?? 60;
  return pkt;
}

/** A table recording every flow end. */
function table(opts: { maxFlows?: number; timeouts?: Partial<FlowTimeouts> } = {}) {
  const ended: { id: number; reason: FlowEndReason; initiator: IpKey; port: number }[] = [];
  const t = new FlowTable({
    ...opts,
    onEnd: (ft, slot, reason) => {
      const i = ft.initiator(slot);
      ended.push({ id: ft.flowId(slot), reason, initiator: i.ip, port: i.port });
    },
  });
  return { t, ended, up: (p: P) => t.update(mk(p)) };
}

const A4 = 0x0a000001, B4 = 0x0a000002; // 10.0.0.1, 10.0.0.2
const A6 = "2001:db8::1", B6 = "fe80::1:2";

Deno.test("both directions of a TCP connection hit one flow (IPv4 and IPv6), with per-direction counters", () => {
  for (const [a, b] of [[A4, B4], [B4, A4], [A6, B6], [B6, A6]] as [IpKey, IpKey][]) {
    const { t, up } = table();
    const s1 = up({ src: a, dst: b, sp: 40000, dp: 80, flags: SYN, ts: T0, len: 74 });
    assert.equal(pkt.flowNew, true);
    assert.equal(pkt.dir, 0);
    const s2 = up({ src: b, dst: a, sp: 80, dp: 40000, flags: SYN | ACK, ts: T0 + 100, len: 70 });
    assert.equal(s2, s1);
    assert.equal(pkt.flowNew, false);
    assert.equal(pkt.dir, 1);
    up({ src: a, dst: b, sp: 40000, dp: 80, flags: ACK, ts: T0 + 200, len: 66 });
    assert.equal(pkt.dir, 0);
    up({ src: a, dst: b, sp: 40000, dp: 80, flags: PSH | ACK, ts: T0 + 300, len: 500 });
    up({ src: b, dst: a, sp: 80, dp: 40000, flags: PSH | ACK, ts: T0 + 400, len: 1500 });
    assert.equal(t.size, 1);
    assert.equal(t.created, 1);
    assert.equal(t.packets(s1, 0), 3);
    assert.equal(t.packets(s1, 1), 2);
    assert.equal(t.bytes(s1, 0), 74 + 66 + 500);
    assert.equal(t.bytes(s1, 1), 70 + 1500);
    assert.equal(t.firstUs(s1), T0);
    assert.equal(t.lastUs(s1), T0 + 400);
    assert.deepEqual(t.initiator(s1), { ip: a, port: 40000 });
    assert.deepEqual(t.responder(s1), { ip: b, port: 80 });
    assert.equal(t.initiatorIp(s1), a);
    assert.equal(t.responderIp(s1), b);
    assert.equal(t.responderPort(s1), 80);
    assert.equal(t.proto(s1), IpProto.TCP);
    assert.equal(t.state(s1), FlowState.SYN | FlowState.SYN_ACK | FlowState.ESTABLISHED | FlowState.REPLIED);
    // a different port, protocol or address is a different flow
    assert.notEqual(up({ src: a, dst: b, sp: 40001, dp: 80, flags: SYN, ts: T0 + 500 }), s1);
    assert.notEqual(up({ src: a, dst: b, sp: 40000, dp: 80, proto: IpProto.UDP, ts: T0 + 600 }), s1);
    assert.equal(t.size, 3);
  }
});

Deno.test("same address both ends (loopback): the ports tell the directions apart", () => {
  const { t, up } = table();
  const s = up({ src: 0x7f000001, dst: 0x7f000001, sp: 5000, dp: 80, flags: SYN, ts: T0 });
  assert.equal(up({ src: 0x7f000001, dst: 0x7f000001, sp: 80, dp: 5000, flags: SYN | ACK, ts: T0 + 1 }), s);
  assert.equal(pkt.dir, 1);
  assert.equal(up({ src: "::1", dst: "::1", sp: 80, dp: 5000, proto: IpProto.UDP, ts: T0 + 2 }) !== s, true);
  assert.equal(up({ src: "::1", dst: "::1", sp: 5000, dp: 80, proto: IpProto.UDP, ts: T0 + 3 }), pkt.flow);
  assert.equal(pkt.dir, 1);
  assert.equal(t.size, 2);
});

Deno.test("IPv4 and IPv6 flows never collide; ICMP ignores ports; packets without IP are ignored", () => {
  const { t, up } = table();
  const v4 = up({ src: A4, dst: B4, proto: IpProto.ICMP, ts: T0 });
  const v6 = up({ src: A6, dst: B6, proto: IpProto.ICMPV6, ts: T0 + 1 });
  assert.notEqual(v4, v6);
  assert.equal(up({ src: B4, dst: A4, proto: IpProto.ICMP, ts: T0 + 2 }), v4);
  assert.equal(pkt.dir, 1);
  assert.equal(up({ src: B6, dst: A6, proto: IpProto.ICMPV6, ts: T0 + 3 }), v6);
  assert.equal(t.size, 2);
  const none = new Packet();
  none.reset();
  assert.equal(t.update(none), -1);
  assert.equal(none.flow, -1);
  assert.equal(t.size, 2);
});

Deno.test("TCP states: SYN, SYN-ACK, ESTABLISHED only after the third ACK, FIN, RST, MIDSTREAM", () => {
  const { t, up } = table();
  const c = { src: A4, dst: B4, sp: 1111, dp: 22 }, s = { src: B4, dst: A4, sp: 22, dp: 1111 };
  const f = up({ ...c, flags: SYN, ts: T0 });
  assert.equal(t.state(f), FlowState.SYN);
  up({ ...s, flags: SYN | ACK, ts: T0 + 1 });
  assert.equal(t.state(f), FlowState.SYN | FlowState.SYN_ACK | FlowState.REPLIED);
  // an ACK from the responder does not complete the handshake
  up({ ...s, flags: ACK, ts: T0 + 2 });
  assert.equal(t.state(f) & FlowState.ESTABLISHED, 0);
  up({ ...c, flags: ACK, ts: T0 + 3 });
  assert.ok(t.state(f) & FlowState.ESTABLISHED);
  assert.equal(t.state(f) & FlowState.MIDSTREAM, 0);
  up({ ...c, flags: FIN | ACK, ts: T0 + 4 });
  assert.ok(t.state(f) & FlowState.FIN);
  const r = up({ src: A4, dst: B4, sp: 2222, dp: 23, flags: SYN, ts: T0 + 5 });
  up({ src: B4, dst: A4, sp: 23, dp: 2222, flags: RST | ACK, ts: T0 + 6 });
  assert.equal(t.state(r), FlowState.SYN | FlowState.RST | FlowState.REPLIED);
  // ACK without a SYN-ACK before it: not established
  const h = up({ src: A4, dst: B4, sp: 3333, dp: 24, flags: SYN, ts: T0 + 7 });
  up({ src: A4, dst: B4, sp: 3333, dp: 24, flags: ACK, ts: T0 + 8 });
  assert.equal(t.state(h), FlowState.SYN);
  // a flow picked up mid-stream
  for (const flags of [ACK, PSH | ACK, SYN | ACK, FIN, RST, 0]) {
    const m = up({ src: A4, dst: B4, sp: 4000 + flags, dp: 25, flags, ts: T0 + 9 });
    assert.ok(t.state(m) & FlowState.MIDSTREAM, `flags ${flags}`);
    assert.equal(t.state(m) & FlowState.ESTABLISHED, 0);
  }
  // a TCP packet whose header did not decode (no L4) is not a SYN but not mid-stream either
  const frag = up({ src: A4, dst: B4, flags: 0, ts: T0 + 10, l4: false });
  assert.equal(t.state(frag), 0);
  // UDP has no TCP states; a reply sets REPLIED
  const u = up({ src: A4, dst: B4, sp: 53, dp: 53, proto: IpProto.UDP, ts: T0 + 11 });
  assert.equal(t.state(u), 0);
  up({ src: B4, dst: A4, sp: 53, dp: 53, proto: IpProto.UDP, ts: T0 + 12 });
  assert.equal(t.state(u), FlowState.REPLIED);
});

Deno.test("timeouts run on packet time: idle flows expire when a later packet arrives", async () => {
  const { t, ended, up } = table({
    timeouts: { tcp_new: 30, tcp_established: 600, tcp_closed: 10, udp: 60, icmp: 30, other: 60 },
  });
  const udpFlow = up({ src: A4, dst: B4, sp: 1, dp: 53, proto: IpProto.UDP, ts: T0 });
  const udpId = t.flowId(udpFlow);
  const est = up({ src: A4, dst: B4, sp: 2, dp: 80, flags: SYN, ts: T0 });
  up({ src: B4, dst: A4, sp: 80, dp: 2, flags: SYN | ACK, ts: T0 });
  up({ src: A4, dst: B4, sp: 2, dp: 80, flags: ACK, ts: T0 });
  const estId = t.flowId(est);
  const closed = up({ src: A4, dst: B4, sp: 3, dp: 80, flags: SYN, ts: T0 });
  up({ src: B4, dst: A4, sp: 80, dp: 3, flags: RST | ACK, ts: T0 });
  const closedId = t.flowId(closed);
  // a long wall-clock pause changes nothing
  await new Promise((r) => setTimeout(r, 300));
  const tick = (ts: number) => up({ src: 0x01010101, dst: 0x02020202, proto: IpProto.ICMP, ts });
  const icmpId = t.flowId(tick(T0 + 1));
  assert.equal(t.size, 4);
  assert.equal(ended.length, 0);
  // exactly at the timeout: still alive (idle must be *past* the timeout)
  tick(T0 + 10 * SEC);
  assert.equal(t.size, 4);
  tick(T0 + 10 * SEC + 1);
  assert.deepEqual(ended.map((e) => [e.id, e.reason]), [[closedId, "closed"]]);
  tick(T0 + 35 * SEC);
  tick(T0 + 60 * SEC + 1);
  assert.deepEqual(ended.map((e) => [e.id, e.reason]), [[closedId, "closed"], [udpId, "timeout"]]);
  assert.equal(t.size, 2);
  assert.equal(t.expired, 2);
  assert.equal(pkt.flowNew, false, "the ICMP flow lived on");
  // advance() expires on an idle link
  t.advance(T0 + 601 * SEC);
  assert.deepEqual(
    ended.slice(2).map((e) => [e.id, e.reason]).sort(),
    [[estId, "timeout"], [icmpId, "timeout"]].sort(),
  );
  assert.equal(t.size, 0);
  assert.equal(t.expired, 4);
  // time never runs backwards: an older packet does not un-expire anything
  up({ src: A4, dst: B4, sp: 9, dp: 9, proto: IpProto.UDP, ts: T0 });
  assert.equal(t.nowUs, T0 + 601 * SEC);
});

Deno.test("each flow expires after its own timeout, whatever flows of other protocols sit before it", () => {
  // UDP (60 s) first, then a TCP SYN (tcp_new 30 s), then ICMP (30 s): at +45 s the TCP and ICMP
  // flows are idle past their timeouts and must go, although the older UDP flow has not expired yet.
  const { t, ended, up } = table({ timeouts: DEFAULT_FLOW_TIMEOUTS });
  up({ src: A4, dst: B4, sp: 1, dp: 53, proto: IpProto.UDP, ts: T0 });
  const syn = up({ src: A4, dst: B4, sp: 2, dp: 80, flags: SYN, ts: T0 + SEC });
  const synId = t.flowId(syn);
  const ping = up({ src: A4, dst: B4, proto: IpProto.ICMP, ts: T0 + 2 * SEC });
  const pingId = t.flowId(ping);
  const other = up({ src: A4, dst: B4, proto: 47, l4: false, ts: T0 + 3 * SEC });
  const otherId = t.flowId(other);
  up({ src: "::1", dst: "::2", proto: IpProto.UDP, sp: 1, dp: 2, ts: T0 + 45 * SEC });
  assert.deepEqual(ended.map((e) => e.id).sort(), [synId, pingId].sort());
  assert.ok(ended.every((e) => e.reason === "timeout"));
  assert.equal(t.size, 3);
  up({ src: "::1", dst: "::2", proto: IpProto.UDP, sp: 1, dp: 2, ts: T0 + 63 * SEC + 1 });
  assert.deepEqual(ended.slice(2).map((e) => e.id).sort(), [1, otherId].sort());
  assert.equal(t.size, 1);
});

Deno.test("hard cap: cap + N flows leave cap flows, N evictions, the least recently active first", () => {
  const cap = 100, extra = 37;
  const { t, ended, up } = table({ maxFlows: cap });
  assert.equal(t.capacity, cap);
  for (let i = 0; i < cap; i++) up({ src: A4, dst: B4, sp: 10000 + i, dp: 80, flags: SYN, ts: T0 + i });
  // touch flow 0 so it becomes the most recent
  up({ src: B4, dst: A4, sp: 80, dp: 10000, flags: SYN | ACK, ts: T0 + cap });
  for (let i = 0; i < extra; i++) up({ src: A4, dst: B4, sp: 20000 + i, dp: 80, flags: SYN, ts: T0 + cap + 1 + i });
  assert.equal(t.size, cap);
  assert.equal(t.evictions, extra);
  assert.equal(t.created, cap + extra);
  assert.equal(ended.length, extra);
  assert.ok(ended.every((e) => e.reason === "evicted"));
  assert.deepEqual(ended.map((e) => e.port), Array.from({ length: extra }, (_, i) => 10001 + i));
  // flow 0 survived and is still found
  up({ src: A4, dst: B4, sp: 10000, dp: 80, flags: ACK, ts: T0 + 1000 });
  assert.equal(pkt.flowNew, false);
  assert.ok(t.state(pkt.flow) & FlowState.ESTABLISHED);
  // the minimum cap is 16
  assert.equal(new FlowTable({ maxFlows: 3 }).capacity, 16);
  assert.equal(new FlowTable().capacity, 262144);
});

Deno.test("eviction picks the least recently active flow across TCP, UDP and closed flows", () => {
  const { ended, up } = table({ maxFlows: 16 });
  // 16 flows in different timeout classes, oldest is a closed TCP flow... then refresh all but #7
  for (let i = 0; i < 16; i++) {
    const proto = i % 3 === 0 ? IpProto.TCP : i % 3 === 1 ? IpProto.UDP : IpProto.ICMP;
    up({ src: A4 + i, dst: B4, sp: 1, dp: 2, proto, flags: i % 2 ? SYN : FIN, ts: T0 + i });
  }
  for (let i = 0; i < 16; i++) {
    if (i === 7) continue;
    const proto = i % 3 === 0 ? IpProto.TCP : i % 3 === 1 ? IpProto.UDP : IpProto.ICMP;
    up({ src: B4, dst: A4 + i, sp: 2, dp: 1, proto, flags: ACK, ts: T0 + 100 + i });
  }
  up({ src: 0x01010101, dst: B4, proto: IpProto.ICMP, ts: T0 + 200 });
  assert.equal(ended.length, 1);
  assert.equal(ended[0].initiator, A4 + 7);
});

Deno.test("flowId is unique for the lifetime of the table; flush ends every flow", () => {
  const { t, ended, up } = table({ maxFlows: 16, timeouts: { udp: 1 } });
  const ids = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const s = up({ src: A4, dst: B4 + (i % 40), sp: i, dp: 53, proto: IpProto.UDP, ts: T0 + i * 50_000 });
    if (pkt.flowNew) {
      assert.ok(!ids.has(t.flowId(s)), `id ${t.flowId(s)} reused`);
      ids.add(t.flowId(s));
    }
  }
  assert.equal(ids.size, t.created);
  const live = t.size;
  const before = ended.length;
  t.flush();
  assert.equal(t.size, 0);
  assert.equal(ended.length - before, live);
  assert.ok(ended.slice(before).every((e) => e.reason === "flush"));
  // the table works after a flush
  up({ src: A4, dst: B4, sp: 1, dp: 2, flags: SYN, ts: T0 + 1e9 });
  assert.equal(pkt.flowNew, true);
  assert.equal(t.size, 1);
});

// ------------------------------------------------------------------------------ model-based test

/** xorshift32 */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

interface ModelFlow {
  id: number;
  initiator: string;
  state: number;
  last: number;
  pkts: [number, number];
  proto: number;
}

Deno.test("randomized model check: lookups, creation, expiry and eviction match a reference Map", () => {
  const timeouts: FlowTimeouts = { tcp_new: 3, tcp_established: 20, tcp_closed: 1, udp: 5, icmp: 2, other: 4 };
  const cap = 257;
  const ended: { id: number; reason: FlowEndReason }[] = [];
  const t = new FlowTable({
    maxFlows: cap,
    timeouts,
    onEnd: (ft, slot, reason) => ended.push({ id: ft.flowId(slot), reason }),
  });
  const rand = rng(12345);
  // a pool of endpoints: IPv4 and IPv6, few enough that tuples repeat often
  const hosts: IpKey[] = [];
  for (let i = 0; i < 10; i++) hosts.push((0x0a000000 + i * 7919) >>> 0);
  for (let i = 0; i < 10; i++) hosts.push(`2001:db8::${(i * 31).toString(16)}`);
  const model = new Map<string, ModelFlow>();
  const keyOf = (a: IpKey, b: IpKey, pa: number, pb: number, proto: number) => {
    const x = `${a}|${pa}`, y = `${b}|${pb}`;
    return `${proto}/${x < y ? x + "/" + y : y + "/" + x}`;
  };
  const timeoutOf = (f: ModelFlow) => {
    if (f.proto === IpProto.TCP) {
      if (f.state & (FlowState.FIN | FlowState.RST)) return timeouts.tcp_closed;
      if (f.state & (FlowState.ESTABLISHED | FlowState.MIDSTREAM)) return timeouts.tcp_established;
      return timeouts.tcp_new;
    }
    if (f.proto === IpProto.UDP) return timeouts.udp;
    if (f.proto === IpProto.ICMP || f.proto === IpProto.ICMPV6) return timeouts.icmp;
    return timeouts.other;
  };
  let now = T0, nextId = 1, evictions = 0, expired = 0;
  const STEPS = 60_000;
  const recent: { a: IpKey; b: IpKey; sp: number; dp: number; proto: number }[] = [];
  for (let step = 0; step < STEPS; step++) {
    now += 1 + rand(rand(300) === 0 ? 25 * SEC : 4_000); // strictly increasing
    let a: IpKey, b: IpKey, proto: number, sp: number, dp: number;
    if (recent.length > 0 && rand(2) === 0) {
      // half the packets reuse a recent tuple, in either direction: lookups of live (or just evicted) flows
      const r = recent[rand(recent.length)];
      [a, b, sp, dp] = rand(2) ? [r.a, r.b, r.sp, r.dp] : [r.b, r.a, r.dp, r.sp];
      proto = r.proto;
    } else {
      const v6 = rand(2) === 1;
      const ai = rand(10) + (v6 ? 10 : 0);
      let bi = rand(10) + (v6 ? 10 : 0);
      if (rand(20) === 0) bi = ai;
      a = hosts[ai];
      b = hosts[bi];
      const r = rand(10);
      proto = r < 5 ? IpProto.TCP : r < 8 ? IpProto.UDP : r < 9 ? (v6 ? IpProto.ICMPV6 : IpProto.ICMP) : 47;
      const ports = proto === IpProto.TCP || proto === IpProto.UDP;
      sp = ports ? 1000 + rand(4) : 0;
      dp = ports ? (rand(2) ? 80 : 443) : 0;
      if (recent.length < 400) recent.push({ a, b, sp, dp, proto });
      else recent[rand(400)] = { a, b, sp, dp, proto };
    }
    const fr = rand(10);
    const flags = proto !== IpProto.TCP
      ? 0
      : fr < 3
      ? SYN
      : fr < 5
      ? SYN | ACK
      : fr < 8
      ? ACK
      : fr < 9
      ? FIN | ACK
      : RST;

    // ---- model: expire, then look up / evict / create
    const endedBefore = ended.length;
    const expect: { id: number; reason: FlowEndReason }[] = [];
    for (const [k, f] of model) {
      if (now - f.last > timeoutOf(f) * SEC) {
        expect.push({ id: f.id, reason: f.state & (FlowState.FIN | FlowState.RST) ? "closed" : "timeout" });
        model.delete(k);
        expired++;
      }
    }
    const key = keyOf(a, b, sp, dp, proto);
    let f = model.get(key);
    let isNew = false;
    if (!f) {
      isNew = true;
      if (model.size === cap) {
        let victimKey = "", oldest = Infinity;
        for (const [k, g] of model) {
          if (g.last < oldest) {
            oldest = g.last;
            victimKey = k;
          }
        }
        expect.push({ id: model.get(victimKey)!.id, reason: "evicted" });
        model.delete(victimKey);
        evictions++;
      }
      f = {
        id: nextId++,
        initiator: `${a}|${sp}`,
        state: proto === IpProto.TCP && (flags & (SYN | ACK)) !== SYN ? FlowState.MIDSTREAM : 0,
        last: now,
        pkts: [0, 0],
        proto,
      };
      model.set(key, f);
    }
    const dir = `${a}|${sp}` === f.initiator ? 0 : 1;
    f.pkts[dir]++;
    f.last = now;
    if (dir === 1) f.state |= FlowState.REPLIED;
    if (proto === IpProto.TCP) {
      if (flags & SYN) {
        if (flags & ACK) {
          if (dir === 1) f.state |= FlowState.SYN_ACK;
        } else if (dir === 0) f.state |= FlowState.SYN;
      } else if ((flags & ACK) && dir === 0 && (f.state & FlowState.SYN_ACK)) f.state |= FlowState.ESTABLISHED;
      if (flags & FIN) f.state |= FlowState.FIN;
      if (flags & RST) f.state |= FlowState.RST;
    }

    // ---- the table
    const slot = t.update(mk({ src: a, dst: b, sp, dp, proto, flags, ts: now, l4: proto !== 47 }));
    const where = `step ${step}`;
    const got = ended.slice(endedBefore);
    const sortById = (x: { id: number }[]) => [...x].sort((p, q) => p.id - q.id);
    assert.deepEqual(sortById(got), sortById(expect), `${where}: flows ended`);
    assert.equal(pkt.flowNew, isNew, `${where}: flowNew`);
    assert.equal(t.flowId(slot), f.id, `${where}: flowId`);
    assert.equal(pkt.dir, dir, `${where}: dir`);
    assert.equal(t.state(slot) & ~FlowState.REPLIED, f.state & ~FlowState.REPLIED, `${where}: state`);
    assert.equal(t.size, model.size, `${where}: size`);
    assert.ok(t.size <= cap);
  }
  assert.equal(t.evictions, evictions);
  assert.equal(t.expired, expired);
  assert.ok(evictions > 300, `evictions ${evictions}`);
  assert.ok(expired > 1000, `expired ${expired}`);
  console.log(`model check: ${STEPS} packets, ${nextId - 1} flows, ${evictions} evicted, ${expired} expired`);
  // every live flow is still reachable through its hash chain, in both directions
  let checked = 0;
  for (const [k, f] of model) {
    const [protoS, x, y] = k.split("/");
    const [xa, xp] = x.split("|"), [ya, yp] = y.split("|");
    const addr = (s: string): IpKey => s.includes(":") ? s : Number(s);
    for (const [s, d, spp, dpp] of [[xa, ya, xp, yp], [ya, xa, yp, xp]]) {
      // lookups at the same instant: nothing expires
      const slot = t.update(mk({
        src: addr(s),
        dst: addr(d),
        sp: Number(spp),
        dp: Number(dpp),
        proto: Number(protoS),
        flags: ACK,
        ts: now,
        l4: Number(protoS) !== 47,
      }));
      assert.equal(pkt.flowNew, false, `live flow ${k} found`);
      assert.equal(t.flowId(slot), f.id);
      checked++;
    }
  }
  assert.equal(checked, model.size * 2);
  assert.equal(t.size, model.size);
});

Deno.test("the hash grows with the live flows: 60 000 flows (IPv4 and IPv6) are all found again, both ways, then expire", () => {
  const { t, ended, up } = table({ maxFlows: 100_000, timeouts: { udp: 10 } });
  const N = 60_000;
  const src = (i: number): IpKey => i % 4 === 3 ? `2001:db8::${i.toString(16)}` : (0xc0000000 + i * 7) >>> 0;
  const dst = (i: number): IpKey => i % 4 === 3 ? "2001:db8::1" : 0x0a000001;
  const slots: number[] = [];
  // every new flow may double the bucket array (from 4096 up): each must still be found afterwards
  for (let i = 0; i < N; i++) {
    slots.push(up({ src: src(i), dst: dst(i), sp: 1024 + (i % 50_000), dp: 53, proto: IpProto.UDP, ts: T0 + i }));
  }
  assert.equal(t.size, N);
  for (let i = N - 1; i >= 0; i--) {
    // the reply: the same flow, the responder's direction
    const s = up({ src: dst(i), dst: src(i), sp: 53, dp: 1024 + (i % 50_000), proto: IpProto.UDP, ts: T0 + N });
    assert.equal(s, slots[i]);
    assert.equal(pkt.dir, 1);
    assert.equal(t.packets(s, 0), 1);
    assert.equal(t.packets(s, 1), 1);
  }
  assert.equal(t.created, N);
  // a packet 11 s later ends every one of them (removal unchains each from its bucket), then starts its own
  up({ src: A4, dst: B4, sp: 1, dp: 2, proto: IpProto.UDP, ts: T0 + N + 11 * SEC });
  assert.equal(ended.length, N);
  assert.equal(t.size, 1);
  // and the chains are consistent afterwards: the first flow comes back as a new one
  up({ src: src(0), dst: dst(0), sp: 1024, dp: 53, proto: IpProto.UDP, ts: T0 + N + 12 * SEC });
  assert.equal(pkt.flowNew, true);
  assert.equal(t.size, 2);
});

Deno.test("quiet bits belong to the flow: a new flow taking a slot (here after an eviction) starts with none", () => {
  const { t, up } = table({ maxFlows: 16 });
  up({ src: A4, dst: B4, sp: 10000, dp: 80, flags: SYN, ts: T0 });
  const first = pkt.flow;
  assert.equal(t.quietBits(first), 0);
  t.setQuiet(first, 1);
  t.setQuiet(first, 4);
  up({ src: B4, dst: A4, sp: 80, dp: 10000, flags: SYN | ACK, ts: T0 + 1 });
  assert.equal(pkt.flow, first);
  assert.equal(pkt.dir, 1); // the bits sit beside the direction flag and leave it alone
  assert.equal(t.proto(first), IpProto.TCP);
  assert.equal(t.quietBits(first), 5); // the same flow keeps them
  for (let i = 1; i <= 16; i++) up({ src: A4, dst: B4, sp: 20000 + i, dp: 80, flags: SYN, ts: T0 + 1 + i });
  assert.equal(t.evictions, 1); // the first flow, the least recently active, made room
  const quiet = Array.from({ length: 16 }, (_, s) => s).filter((s) => t.quietBits(s) !== 0);
  assert.deepEqual(quiet, []); // its slot went to a new flow, without the bits
});
