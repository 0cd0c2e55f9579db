/**
 * Feature extractor: hash flooding of the host index. Sources crafted to share a host bucket (under the former
 * unkeyed bucket choice, or under one seed) make a long chain only under the seed they were crafted for, and the
 * features do not depend on the seed.
 */
import assert from "node:assert/strict";
import { type IpKey, IpProto, Packet, TcpFlag } from "../decode/packet.ts";
import { fmix32, PROCESS_HASH_SEED, seedWord } from "../core/hash_seed.ts";
import { FlowTable } from "../flow/flow_table.ts";
import { FEATURE_COUNT, FeatureExtractor } from "./features.ts";

const T0 = 1_700_000_000_000_000;
const DST = 0xc0a80001;
/** Sources crafted per test. */
const N = 300;
/** 1,024 hosts have 2,048 buckets. */
const HOSTS = 1024, MASK = 2047;
/** Spread sources: 301 hosts in 2,048 buckets, a few per chain at most. */
const SPREAD = 8;

/** A host key's (unkeyed) hash, as features.ts computes it for an IPv4 address. */
const keyHash = (ip: number) => Math.imul(ip | 0, 0x9e3779b1);

/** `N` sources from 10.0.0.1 up whose bucket (by `bucket`) is 0. */
function craft(bucket: (hash: number) => number): number[] {
  const out: number[] = [];
  for (let ip = 0x0a000001; out.length < N; ip++) if (bucket(keyHash(ip)) === 0) out.push(ip);
  return out;
}

const oldBucket = (h: number) => (h ^ (h >>> 16)) & MASK;
const keyedBucket = (seed: number) => {
  const w = seedWord(seed, 0);
  return (h: number) => fmix32(h ^ w) & MASK;
};

/**
 * A SYN from each source to one server (DST, or 2001:db8::1 for IPv6 sources), through a flow table and an extractor;
 * returns it and every flow's features.
 */
function run(sources: IpKey[], hashSeed?: number): { fx: FeatureExtractor; rows: Float32Array } {
  const flows = new FlowTable({ maxFlows: 4096 });
  const fx = new FeatureExtractor({ maxFlows: 4096, maxHosts: HOSTS, hashSeed });
  const pkt = new Packet();
  const slots: number[] = [];
  for (let i = 0; i < sources.length; i++) {
    const v4 = typeof sources[i] === "number";
    pkt.reset();
    pkt.ipVersion = v4 ? 4 : 6;
    pkt.src = sources[i];
    pkt.dst = v4 ? DST : "2001:db8::1";
    pkt.proto = IpProto.TCP;
    pkt.hasL4 = true;
    pkt.srcPort = 40000 + i;
    pkt.dstPort = 80;
    pkt.tcpFlags = TcpFlag.SYN;
    pkt.tsUs = T0 + i * 1000;
    pkt.wireLen = v4 ? 60 : 80;
    flows.update(pkt);
    fx.onPacket(pkt, flows);
    slots.push(pkt.flow);
  }
  const rows = new Float32Array(slots.length * FEATURE_COUNT);
  for (let i = 0; i < slots.length; i++) fx.write(flows, slots[i], rows.subarray(i * FEATURE_COUNT));
  return { fx, rows };
}

Deno.test("features: sources crafted to share a host bucket under the former unkeyed choice are spread", () => {
  const sources = craft(oldBucket);
  const a = run(sources, 1), b = run(sources);
  assert.ok(a.fx.maxHostChain() < SPREAD, `chain ${a.fx.maxHostChain()}`);
  assert.ok(b.fx.maxHostChain() < SPREAD, `chain ${b.fx.maxHostChain()}`);
  assert.deepEqual(a.rows, b.rows);
});

Deno.test("features: sources crafted for one seed chain under it only; the features do not depend on the seed", () => {
  const S = 0x1234567, sources = craft(keyedBucket(S));
  const attacked = run(sources, S), other = run(sources, S ^ 1);
  assert.ok(attacked.fx.maxHostChain() >= N, `chain ${attacked.fx.maxHostChain()}`);
  assert.ok(other.fx.maxHostChain() < SPREAD, `chain ${other.fx.maxHostChain()}`);
  assert.deepEqual(attacked.rows, other.rows);
  assert.ok(attacked.rows.some((x) => x !== 0));
});

Deno.test("features: without a seed option the host index is keyed by the process seed", () => {
  const sources = craft(keyedBucket(PROCESS_HASH_SEED));
  assert.ok(run(sources).fx.maxHostChain() >= N);
});

/** FNV-1a over a text from state `h`, as features.ts hashes an IPv6 host (unkeyed). */
function fnv(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * 16 IPv6 texts whose unkeyed FNV-1a hashes are all equal: FNV's state is its 32-bit hash, so two blocks that collide
 * from one state can be followed by either of the next block's pair (four blocks of two groups: 2^4 texts). Each
 * pair is found by a birthday search over groups of four hex digits (the canonical text of such an address).
 */
function collidingV6(): string[] {
  const group = (x: number) => (0x1000 + x % 0xf000).toString(16);
  let texts = [""], h = 0x811c9dc5;
  let x = 1;
  for (let block = 0; block < 4; block++) {
    const sep = block < 3 ? ":" : "";
    const seen = new Map<number, string>();
    for (;;) {
      x = Math.imul(x, 0x2c1b3c6d) + 0x12345 | 0;
      const b = `${group(x >>> 16)}:${group(x & 0xffff)}${sep}`;
      const hb = fnv(h, b), other = seen.get(hb);
      if (other !== undefined && other !== b) {
        texts = texts.flatMap((t) => [t + other, t + b]);
        h = hb;
        break;
      }
      seen.set(hb, b);
    }
  }
  return texts;
}

Deno.test("features: IPv6 hosts whose unkeyed hashes collide fully do not share a chain; features equal", () => {
  const sources = collidingV6();
  assert.equal(sources.length, 16);
  assert.equal(new Set(sources).size, 16);
  assert.equal(new Set(sources.map((t) => fnv(0x811c9dc5, t))).size, 1, "the texts' FNV-1a hashes are equal");
  const runs = [1, 2, 3].map((seed) => run(sources, seed));
  for (const r of runs) assert.ok(r.fx.maxHostChain() < 4, `chain ${r.fx.maxHostChain()}`);
  assert.deepEqual(runs[0].rows, runs[1].rows);
  assert.ok(runs[0].rows.some((v) => v !== 0));
});
