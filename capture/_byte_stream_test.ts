import assert from "node:assert/strict";
import { StopRace } from "./_byte_stream.ts";

Deno.test("StopRace: a settled read keeps nothing (a long stdin replay does not grow with its reads)", async () => {
  const race = new StopRace(new AbortController().signal);
  for (let i = 0; i < 1_000; i++) await race.race(Promise.resolve(i));
  const before = Deno.memoryUsage().heapUsed;
  let sum = 0;
  for (let i = 0; i < 300_000; i++) sum += (await race.race(Promise.resolve(1))) ?? 0;
  const grownMb = (Deno.memoryUsage().heapUsed - before) / 1e6;
  assert.equal(sum, 300_000);
  assert.equal(race.pending, 0);
  assert.equal(race.hit, false);
  // a reaction kept per read (one promise raced for the whole run) is ~300 bytes each: ~90 MB here
  assert.ok(grownMb < 40, `heap grew ${grownMb.toFixed(1)} MB over 300,000 reads`);
});

Deno.test("StopRace: the stop ends a pending read at once, and every read after it", async () => {
  const ac = new AbortController();
  const race = new StopRace(ac.signal);
  const pending = race.race(new Promise<number>(() => {}));
  assert.equal(race.pending, 1);
  ac.abort();
  assert.equal(await pending, null);
  assert.equal(race.hit, true);
  assert.equal(race.pending, 0);
  // an abandoned read that fails later is not an unhandled rejection
  assert.equal(await race.race(Promise.reject(new Error("late"))), null);
  assert.equal(await race.race(Promise.resolve(5)), null);
});
