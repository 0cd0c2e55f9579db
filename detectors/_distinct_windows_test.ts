import assert from "node:assert/strict";
import { DistinctWindow } from "./_distinct.ts";
import { DistinctWindows } from "./_distinct_windows.ts";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function compare<M extends number | string>(member: (r: () => number) => M, seed: number): void {
  const r = rng(seed);
  const slots = 30, W = 200_000;
  const cols = new DistinctWindows<M>();
  const ref: DistinctWindow<M>[] = [];
  for (let s = 0; s < slots; s++) {
    cols.reset(s);
    ref.push(new DistinctWindow<M>());
  }
  let ts = 1_700_000_000_000_000;
  for (let i = 0; i < 40_000; i++) {
    const s = Math.floor(r() * slots);
    ts += Math.round(r() < 0.02 ? W * 2 * r() : r() < 0.15 ? -W * r() : 40_000 * r());
    const op = r();
    const cap = r() < 0.25 ? 1 : r() < 0.5 ? 4 : 64;
    if (op < 0.8) {
      const m = member(r);
      assert.equal(cols.add(s, m, ts, W, cap), ref[s].add(m, ts, W, cap), `add #${i}`);
      assert.equal(cols.added, ref[s].added, `added #${i}`);
    } else if (op < 0.97) {
      assert.equal(cols.expire(s, ts, W), ref[s].expire(ts, W), `expire #${i}`);
    } else {
      cols.reset(s);
      ref[s].clear();
    }
  }
}

Deno.test("DistinctWindows gives what one DistinctWindow per slot gives (number members)", () => {
  compare((r) => Math.floor(r() * (r() < 0.5 ? 3 : 200)) + (r() < 0.3 ? 3_000_000_000 : 0), 7);
});

Deno.test("DistinctWindows gives what one DistinctWindow per slot gives (number and text members)", () => {
  compare<number | string>((r) => r() < 0.5 ? `2001:db8::${Math.floor(r() * 20)}` : Math.floor(r() * 20), 11);
});
