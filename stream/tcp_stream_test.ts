/** One TCP direction: order, overlaps against delivered and queued bytes, policies, gaps, bounds. */
import assert from "node:assert/strict";
import { SEG_DIFFERENT, SEG_OVERLAP, type StreamSink, TcpDirection } from "./tcp_stream.ts";
import type { OverlapPolicy } from "../defrag/overlap.ts";
import { mulberry32 } from "../core/prng.ts";

const enc = (s: string) => new TextEncoder().encode(s);

function dir(policy: OverlapPolicy = "bsd", depth = 1 << 20, maxQueued = 65536) {
  const d = new TcpDirection({ policy, depth, maxQueued });
  let out = "";
  let gaps = 0;
  const sink: StreamSink = { data: (b) => out += new TextDecoder().decode(b), gap: () => gaps++ };
  return { d, sink, out: () => out, gaps: () => gaps };
}

Deno.test("in-order, retransmitted and reordered segments come out once, in order", () => {
  const t = dir();
  t.d.start(100);
  assert.equal(t.d.push(100, enc("hello "), t.sink), 0);
  assert.equal(t.d.push(112, enc("again"), t.sink), 0); // ahead of a hole: queued
  assert.equal(t.out(), "hello ");
  assert.equal(t.d.push(106, enc("world "), t.sink), 0);
  assert.equal(t.out(), "hello world again");
  assert.equal(t.d.push(100, enc("hello "), t.sink), SEG_OVERLAP, "same bytes again: an overlap, not different");
  assert.equal(t.out(), "hello world again");
});

Deno.test("a later copy of delivered bytes with different data is reported; the first copy stays", () => {
  const t = dir();
  t.d.start(0);
  t.d.push(0, enc("GET /?id=1 HTTP/1.1\r\n"), t.sink);
  const r = t.d.push(0, enc("GET /?id=1' OR 1=1--"), t.sink);
  assert.equal(r, SEG_OVERLAP | SEG_DIFFERENT);
  assert.deepEqual([t.d.diffStart, t.d.diffEnd], [10, 20]);
  assert.equal(t.out(), "GET /?id=1 HTTP/1.1\r\n");
});

Deno.test("queued overlaps follow the policy: bsd keeps the first copy at the same offset, last the later", () => {
  for (const [policy, want] of [["bsd", "AAAABBBB"], ["first", "AAAABBBB"], ["last", "AAAAXXXX"]] as const) {
    const t = dir(policy);
    t.d.start(0);
    t.d.push(4, enc("BBBB"), t.sink);
    const r = t.d.push(4, enc("XXXX"), t.sink);
    assert.equal(r, SEG_OVERLAP | SEG_DIFFERENT, policy);
    t.d.push(0, enc("AAAA"), t.sink);
    assert.equal(t.out(), want, policy);
  }
  // bsd: a later copy that starts before the queued one wins
  const t = dir("bsd");
  t.d.start(0);
  t.d.push(6, enc("CC"), t.sink);
  t.d.push(4, enc("DDDD"), t.sink);
  t.d.push(0, enc("AAAA"), t.sink);
  assert.equal(t.out(), "AAAADDDD");
});

Deno.test("sequence numbers wrap around 2^32", () => {
  const t = dir();
  t.d.start(0xfffffffc);
  t.d.push(0xfffffffc, enc("abcd"), t.sink);
  t.d.push(0, enc("efgh"), t.sink);
  assert.equal(t.out(), "abcdefgh");
});

Deno.test("a hole is given up when the peer acknowledges past it, or the queue is full", () => {
  const t = dir("bsd", 1 << 20, 64);
  t.d.start(0);
  t.d.push(0, enc("aaaa"), t.sink);
  t.d.push(10, enc("cccc"), t.sink);
  t.d.acked(4, t.sink); // nothing past what was delivered: keep waiting
  assert.equal(t.gaps(), 0);
  t.d.acked(12, t.sink); // the receiver has bytes 4-9 we never saw: give the hole up
  assert.equal(t.gaps(), 1);
  assert.equal(t.out(), "aaaacccc");
  const q = dir("bsd", 1 << 20, 16);
  q.d.start(0);
  q.d.push(100, enc("0123456789"), q.sink);
  q.d.push(200, enc("0123456789"), q.sink); // 20 bytes > 16 queued: the first hole is given up
  assert.equal(q.gaps(), 1);
  assert.equal(q.out(), "0123456789");
});

Deno.test("depth: a direction stops after depth bytes and releases its buffers", () => {
  const t = dir("bsd", 10);
  t.d.start(0);
  t.d.push(0, enc("0123456"), t.sink);
  t.d.push(7, enc("789abc"), t.sink);
  assert.equal(t.out(), "0123456789");
  assert.equal(t.d.done, true);
  assert.equal(t.d.heldBytes, 0);
  assert.equal(t.d.push(13, enc("more"), t.sink), 0);
});

Deno.test("a segment before the first byte seen is not compared with bytes never delivered", () => {
  const t = dir();
  t.d.push(1000, enc("GET / HTTP/1.1\r\n"), t.sink); // mid-stream start
  assert.equal(t.d.push(990, enc("0123456789GET / HT"), t.sink), SEG_OVERLAP);
});

Deno.test("the comparison window wraps: a late copy with one byte changed is found at its offset", () => {
  const t = dir();
  t.d.start(0);
  const bytes = Uint8Array.from({ length: 3000 }, (_, i) => i % 251);
  for (let at = 0; at < 3000; at += 700) t.d.push(at, bytes.subarray(at, Math.min(3000, at + 700)), t.sink);
  assert.equal(t.d.delivered, 3000);
  const copy = bytes.slice(2500, 2600);
  assert.equal(t.d.push(2500, copy, t.sink), SEG_OVERLAP, "the same bytes again");
  copy[50] ^= 0xff;
  assert.equal(t.d.push(2500, copy, t.sink), SEG_OVERLAP | SEG_DIFFERENT);
  assert.deepEqual([t.d.diffStart, t.d.diffEnd], [2550, 2551]);
});

Deno.test("a reset direction is as new: its reused window holds none of the old connection's bytes", () => {
  const t = dir();
  t.d.start(0);
  t.d.push(0, enc("x".repeat(3000)), t.sink);
  t.d.stop();
  t.d.reset({ policy: "bsd", depth: 1 << 20, maxQueued: 65536 });
  assert.equal(t.d.heldBytes, 0);
  assert.equal(t.d.done, false);
  t.d.start(500);
  t.d.push(500, enc("hello"), t.sink);
  assert.equal(t.d.heldBytes, 64, "a short stream holds a short window again");
  assert.equal(t.d.push(500, enc("hello"), t.sink), SEG_OVERLAP);
  assert.equal(t.d.push(500, enc("jello"), t.sink), SEG_OVERLAP | SEG_DIFFERENT);
  assert.deepEqual([t.d.diffStart, t.d.diffEnd], [0, 1]);
  assert.ok(t.out().endsWith("xhello"));
});

Deno.test("retransmissions of delivered bytes: the first differing run is found wherever the window wraps", () => {
  const random = mulberry32(5);
  for (let trial = 0; trial < 300; trial++) {
    const t = dir();
    t.d.start(1000);
    // a stream of random length delivered in random pieces (the window grows with it, then wraps)
    const total = 1 + Math.floor(random() * 6000);
    const stream = new Uint8Array(total).map(() => Math.floor(random() * 4));
    for (let at = 0; at < total;) {
      const n = Math.min(total - at, 1 + Math.floor(random() * 900));
      t.d.push(1000 + at, stream.subarray(at, at + n), t.sink);
      at += n;
    }
    // a copy of a random delivered range, a few bytes changed (or none)
    const a = Math.floor(random() * total), b = a + 1 + Math.floor(random() * Math.min(total - a, 1500) - 1e-9);
    const copy = stream.slice(a, b);
    for (let k = Math.floor(random() * 4); k > 0; k--) copy[Math.floor(random() * copy.length)] ^= 1 + (k & 1);
    // what the window can still compare: the last 2048 bytes delivered
    const from = Math.max(a, total - 2048);
    let first = -1;
    for (let o = from; o < b; o++) {
      if (copy[o - a] !== stream[o]) {
        first = o;
        break;
      }
    }
    let last = first + 1;
    if (first >= 0) { while (last < b && copy[last - a] !== stream[last]) last++; }
    const r = t.d.push(1000 + a, copy, t.sink);
    assert.equal(r, first < 0 ? SEG_OVERLAP : SEG_OVERLAP | SEG_DIFFERENT, `trial ${trial}`);
    if (first >= 0) assert.deepEqual([t.d.diffStart, t.d.diffEnd], [first, last], `trial ${trial}`);
  }
});
