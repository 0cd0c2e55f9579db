import assert from "node:assert/strict";
import type { HubEvent } from "../core/hub_event.ts";
import { formatHubProblems, Hub } from "./hub.ts";

const notice = (i: number): HubEvent => ({ kind: "notice", level: "info", source: "test", message: String(i) });
const num = (e: HubEvent) => Number((e as { message: string }).message);

Deno.test("Hub delivers every event in order to every subscriber that wants its kind", async () => {
  const hub = new Hub();
  const all: HubEvent[] = [];
  const notices: number[] = [];
  const alertsOnly: HubEvent[] = [];
  hub.subscribe({ name: "all", handle: (e) => void all.push(e) });
  hub.subscribe({ name: "notices", kinds: ["notice"], handle: (e) => void notices.push(num(e)) });
  hub.subscribe({ name: "alerts", kinds: ["alert"], handle: (e) => void alertsOnly.push(e) });
  for (let i = 0; i < 50; i++) hub.publish(notice(i));
  hub.publish({ kind: "traffic", lines: [] });
  await hub.flush();
  assert.equal(all.length, 51);
  assert.deepEqual(notices, Array.from({ length: 50 }, (_, i) => i));
  assert.equal(alertsOnly.length, 0);
  assert.equal(hub.published, 51);
  const stats = hub.stats();
  assert.deepEqual(stats.map((s) => [s.name, s.delivered, s.dropped, s.queued]), [
    ["all", 51, 0, 0],
    ["notices", 50, 0, 0],
    ["alerts", 0, 0, 0],
  ]);
});

Deno.test("Hub: a stuck subscriber fills only its own queue; overflow is counted per subscriber", async () => {
  const hub = new Hub();
  const release = Promise.withResolvers<void>();
  const slowGot: number[] = [];
  const fastGot: number[] = [];
  hub.subscribe({
    name: "slow",
    handle: async (e) => {
      slowGot.push(num(e));
      await release.promise;
    },
  }, { queue: 10 });
  hub.subscribe({ name: "fast", handle: (e) => void fastGot.push(num(e)) }, { queue: 1000 });
  for (let i = 0; i < 100; i++) hub.publish(notice(i)); // never waits
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(fastGot.length, 100, "the fast subscriber got everything while the slow one was stuck");
  assert.deepEqual(slowGot, [0]);
  const slow = hub.stats()[0];
  assert.equal(slow.dropped, 90, "10 queued, 90 dropped");
  assert.equal(slow.queued, 9, "one in flight");
  release.resolve();
  await hub.flush();
  assert.deepEqual(slowGot, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(hub.stats()[1].dropped, 0);
  assert.match(formatHubProblems(hub.stats()), /^slow: 90 dropped \(queue of 10 full\), 0 failed, 10 delivered$/);
});

Deno.test("Hub: a throwing or rejecting subscriber is counted, reported once, and keeps receiving", async () => {
  const reported: string[] = [];
  const hub = new Hub({ onError: (name, e) => reported.push(`${name}: ${(e as Error).message}`) });
  let calls = 0;
  hub.subscribe({
    name: "bad",
    handle: (e) => {
      calls++;
      if (num(e) % 2 === 0) throw new Error("boom");
    },
  });
  hub.subscribe({ name: "rejects", handle: () => Promise.reject(new Error("nope")) });
  for (let i = 0; i < 10; i++) hub.publish(notice(i));
  await hub.flush();
  assert.equal(calls, 10);
  const [bad, rejects] = hub.stats();
  assert.equal(bad.failed, 5);
  assert.equal(bad.delivered, 5);
  assert.equal(rejects.failed, 10);
  assert.deepEqual(reported, ["bad: boom", "rejects: nope"]);
});

Deno.test("Hub: handleBatch gets ordered batches no bigger than asked", async () => {
  const hub = new Hub();
  const batches: number[][] = [];
  hub.subscribe({ name: "store", handleBatch: (es) => void batches.push(es.map(num)) }, { batch: 64 });
  for (let i = 0; i < 200; i++) hub.publish(notice(i));
  await hub.flush();
  assert.ok(batches.every((b) => b.length <= 64));
  assert.deepEqual(batches.flat(), Array.from({ length: 200 }, (_, i) => i));
  assert.equal(hub.stats()[0].delivered, 200);
});

Deno.test("Hub: dropOldest keeps the newest events", async () => {
  const hub = new Hub();
  const release = Promise.withResolvers<void>();
  const got: number[] = [];
  hub.subscribe({
    name: "live-view",
    handle: async (e) => {
      got.push(num(e));
      await release.promise;
    },
  }, { queue: 3, dropOldest: true });
  for (let i = 0; i < 10; i++) hub.publish(notice(i));
  await new Promise((r) => setTimeout(r, 0));
  release.resolve();
  await hub.flush();
  // 0..9 offered to a queue of 3 before delivery started: 7, 8, 9 remain
  assert.deepEqual(got, [7, 8, 9]);
  assert.equal(hub.stats()[0].dropped, 7);
});

Deno.test("Hub: synchronous deliveries yield to the event loop between slices", async () => {
  const hub = new Hub({ sliceEvents: 100 });
  let delivered = 0;
  let seenAtTimer = -1;
  hub.subscribe({ name: "sync", handle: () => void delivered++ }, { queue: 10_000 });
  for (let i = 0; i < 5000; i++) hub.publish(notice(i));
  setTimeout(() => seenAtTimer = delivered, 0);
  await hub.flush();
  assert.equal(delivered, 5000);
  assert.ok(seenAtTimer >= 0 && seenAtTimer < 5000, `a timer ran mid-burst (saw ${seenAtTimer})`);
});

Deno.test("Hub.close() drains, closes subscribers, ignores later events, counts leftovers at the deadline", async () => {
  const hub = new Hub();
  const got: number[] = [];
  let closed = 0;
  hub.subscribe({
    name: "ok",
    handle: async (e) => {
      await new Promise((r) => setTimeout(r, 1));
      got.push(num(e));
    },
    close: () => void closed++,
  });
  hub.subscribe({ name: "stuck", handle: () => new Promise<void>(() => {}), close: () => void closed++ });
  for (let i = 0; i < 5; i++) hub.publish(notice(i));
  const stats = await hub.close({ timeoutMs: 200 });
  assert.deepEqual(got, [0, 1, 2, 3, 4]);
  assert.equal(closed, 2);
  assert.equal(stats[1].dropped, 4, "4 queued behind the stuck one are counted at the deadline");
  hub.publish(notice(99));
  assert.equal(hub.published, 5);
});

Deno.test("Hub refuses a subscriber without a handler or with a bad queue", () => {
  const hub = new Hub();
  assert.throws(
    () => hub.subscribe({ name: "x" }),
    /Cannot subscribe x: it has neither handle\(\) nor handleBatch\(\)/,
  );
  assert.throws(() => hub.subscribe({ name: "y", handle: () => {} }, { queue: 0 }), RangeError);
});

Deno.test("Hub: unsubscribe stops delivery", async () => {
  const hub = new Hub();
  const got: number[] = [];
  const sub = hub.subscribe({ name: "a", handle: (e) => void got.push(num(e)) });
  hub.publish(notice(1));
  await hub.flush();
  sub.unsubscribe();
  hub.publish(notice(2));
  await hub.flush();
  assert.deepEqual(got, [1]);
  assert.equal(hub.stats().length, 0);
});
