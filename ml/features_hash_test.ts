/**
 * Feature extractor: hash flooding of the host index. Sources crafted to share a host bucket (under the former
 * unkeyed bucket choice, or under one seed) make a long chain only under the seed they were crafted for, and the
 * features do not depend on the seed.
 */
import assert from "node:assert/strict";
import { IpProto, Packet, TcpFlag } from "../decode/packet.ts";
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

/** A SYN from each source to DST, through a flow table and an extractor; returns it and every flow's features. */
function run(sources: number[], hashSeed?: number): { fx: FeatureExtractor; rows: Float32Array } {
  const flows = new FlowTable({ maxFlows: 4096 });
  const fx = new FeatureExtractor({ maxFlows: 4096, maxHosts: HOSTS, hashSeed });
  const pkt = new Packet();
  const slots: number[] = [];
  for (let i = 0; i < sources.length; i++) {
    pkt.reset();
    pkt.ipVersion = 4;
    pkt.src = sources[i];
    pkt.dst = DST;
    pkt.proto = IpProto.TCP;
    pkt.hasL4 = true;
    pkt.srcPort = 40000 + i;
    pkt.dstPort = 80;
    pkt.tcpFlags = TcpFlag.SYN;
    pkt.tsUs = T0 + i * 1000;
    pkt.wireLen = 60;
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
