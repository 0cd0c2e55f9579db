import assert from "node:assert/strict";
import { DelayQueue, newDelayItem, type PacketAddresses } from "./_delay_queue.ts";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

Deno.test("DelayQueue gives back what a reference FIFO holds, IPv4 and IPv6 mixed, across wraps and a clear", () => {
  for (const seed of [1, 2, 3]) {
    const r = rng(seed);
    const q = new DelayQueue(37);
    const ref: { ts: number; slot: number; id: number; pkt: PacketAddresses; first: number }[] = [];
    const out = newDelayItem();
    const addr = () => r() < 0.3 ? `2001:db8::${Math.floor(r() * 50)}` : Math.floor(r() * 2 ** 32);
    let ts = 1_795_000_000_000_000;
    for (let i = 0; i < 20_000; i++) {
      if (i === 10_000) {
        q.clear();
        ref.length = 0;
        assert.equal(q.peekTs(), Infinity);
      }
      if (r() < 0.55) {
        ts += Math.floor(r() * 1000);
        const pkt = {
          src: addr(),
          dst: addr(),
          srcPort: Math.floor(r() * 65536),
          dstPort: Math.floor(r() * 65536),
          proto: [6, 17, 1][Math.floor(r() * 3)],
        };
        const slot = Math.floor(r() * 1000), id = i, first = ts - Math.floor(r() * 10);
        const ok = q.push(ts, slot, id, pkt, first);
        assert.equal(ok, ref.length < 37, `push #${i}`);
        if (ok) ref.push({ ts, slot, id, pkt, first });
      } else {
        const ok = q.shift(out);
        assert.equal(ok, ref.length > 0, `shift #${i}`);
        if (!ok) continue;
        const e = ref.shift()!;
        assert.deepEqual(
          [out.tsUs, out.slot, out.flowId, out.src, out.dst, out.srcPort, out.dstPort, out.proto, out.firstUs],
          [e.ts, e.slot, e.id, e.pkt.src, e.pkt.dst, e.pkt.srcPort, e.pkt.dstPort, e.pkt.proto, e.first],
          `shift #${i}`,
        );
      }
      assert.equal(q.length, ref.length);
      assert.equal(q.peekTs(), ref.length > 0 ? ref[0].ts : Infinity);
    }
  }
});
