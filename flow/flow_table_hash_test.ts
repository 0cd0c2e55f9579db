/**
 * Flow table: hash flooding. Keys crafted to share a home bucket (under the former fixed hash, or under one seed)
 * make a long probe run only in a table keyed with the seed they were crafted for.
 */
import assert from "node:assert/strict";
import { IpProto, Packet, TcpFlag } from "../decode/packet.ts";
import { fmix32, PROCESS_HASH_SEED, seedWord } from "../core/hash_seed.ts";
import { FlowTable } from "./flow_table.ts";

const T0 = 1_700_000_000_000_000;
const DST = 0xc0a80001, SP = 40000, DP = 80, PORTS = SP << 16 | DP;
/** Keys crafted per test (each a spoofed source toward DST:DP from port SP). */
const N = 300;
/** Home bits matched: every bucket count a 4,096-flow table has (at most 8,192 buckets). */
const HOME_MASK = 8191;

/** The flow hash before keyed hashing (a fixed, public function). */
function oldHash(a: number, b: number, ports: number, proto: number): number {
  return (Math.imul((a | 0) ^ Math.imul(b | 0, 0x9e3779b1), 0x85ebca6b) ^ Math.imul(ports, 0xc2b2ae35) ^ proto) | 0;
}

/** The keyed flow hash of an IPv4 key under `seed` (as FlowTable computes it). */
function keyedHash(seed: number): (a: number, b: number, ports: number, proto: number) => number {
  const sa = seedWord(seed, 0), sb = seedWord(seed, 1), sp = seedWord(seed, 2) | 1;
  return (a, b, ports, proto) => fmix32(a ^ sa) ^ fmix32(b ^ sb) ^ fmix32(ports ^ Math.imul(proto, sp));
}

/** `N` sources in 10.0.0.0/8 (below DST: the canonical "a") whose flows' hashes share their home's low bits. */
function craft(hash: (a: number, b: number, ports: number, proto: number) => number): number[] {
  const out: number[] = [];
  for (let src = 0x0a000001; out.length < N; src++) {
    const h = hash(src, DST, PORTS, IpProto.TCP);
    if (((h ^ (h >>> 15)) & HOME_MASK) === 0) out.push(src);
  }
  return out;
}

/** A table (4,096 flows) holding a SYN from each source. */
function fill(sources: number[], hashSeed?: number): FlowTable {
  const t = new FlowTable({ maxFlows: 4096, hashSeed });
  const pkt = new Packet();
  for (let i = 0; i < sources.length; i++) {
    pkt.reset();
    pkt.ipVersion = 4;
    pkt.src = sources[i];
    pkt.dst = DST;
    pkt.proto = IpProto.TCP;
    pkt.hasL4 = true;
    pkt.srcPort = SP;
    pkt.dstPort = DP;
    pkt.tcpFlags = TcpFlag.SYN;
    pkt.tsUs = T0 + i;
    pkt.wireLen = 60;
    t.update(pkt);
    assert.ok(pkt.flowNew);
  }
  assert.equal(t.size, sources.length);
  return t;
}

/** Spread keys: 300 flows in 4,096 buckets lie a few buckets from home at most. */
const SPREAD = 12;

function assertSpread(t: { maxProbeDistance(): number }): void {
  const d = t.maxProbeDistance();
  assert.ok(d < SPREAD, `probe distance ${d}`);
}

Deno.test("flow table: sources crafted to share a home bucket under the former fixed hash are spread", () => {
  const sources = craft(oldHash);
  assertSpread(fill(sources, 1));
  assertSpread(fill(sources));
});

Deno.test("flow table: sources crafted for one seed make a long probe run under it only", () => {
  const S = 0x1234567, sources = craft(keyedHash(S));
  const attacked = fill(sources, S);
  assert.ok(attacked.maxProbeDistance() >= N - 1, `probe distance ${attacked.maxProbeDistance()}`);
  assertSpread(fill(sources, S ^ 1));
  assertSpread(fill(sources, 0x7654321));
  // every flow is still found (the hash of each site agrees), and each removal keeps the rest found
  const pkt = new Packet();
  for (let i = 0; i < sources.length; i++) {
    pkt.reset();
    pkt.ipVersion = 4;
    pkt.src = DST;
    pkt.dst = sources[i];
    pkt.proto = IpProto.TCP;
    pkt.hasL4 = true;
    pkt.srcPort = DP;
    pkt.dstPort = SP;
    pkt.tcpFlags = TcpFlag.SYN | TcpFlag.ACK;
    pkt.tsUs = T0 + N;
    attacked.update(pkt);
    assert.ok(!pkt.flowNew);
    assert.equal(pkt.dir, 1);
  }
  const ended: number[] = [];
  const t = new FlowTable({ maxFlows: 4096, hashSeed: S, onEnd: (_t, slot) => ended.push(slot) });
  for (let i = 0; i < sources.length; i++) {
    pkt.reset();
    pkt.ipVersion = 4;
    pkt.src = sources[i];
    pkt.dst = DST;
    pkt.proto = IpProto.TCP;
    pkt.hasL4 = true;
    pkt.srcPort = SP;
    pkt.dstPort = DP;
    pkt.tcpFlags = TcpFlag.SYN;
    // the first half times out (30 s) while the second half arrives: removals from the middle of the run
    pkt.tsUs = T0 + (i < N / 2 ? 0 : 40_000_000 + i);
    t.update(pkt);
    assert.ok(pkt.flowNew);
  }
  assert.equal(ended.length, N / 2);
  assert.equal(t.size, N / 2);
});

Deno.test("flow table: without a seed option the table is keyed with the process seed", () => {
  const sources = craft(keyedHash(PROCESS_HASH_SEED));
  assert.ok(fill(sources).maxProbeDistance() >= N - 1);
  assertSpread(fill(sources, PROCESS_HASH_SEED ^ 1));
});
