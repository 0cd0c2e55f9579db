import assert from "node:assert/strict";
import { onStopSignals, StopLatch, stopSignals } from "./_signals.ts";

Deno.test("stop signals: Ctrl-C and Ctrl-Break on Windows (Deno refuses SIGTERM there), SIGINT and SIGTERM elsewhere", () => {
  assert.deepEqual(stopSignals("windows"), ["SIGINT", "SIGBREAK"]);
  assert.deepEqual(stopSignals("linux"), ["SIGINT", "SIGTERM"]);
  assert.deepEqual(stopSignals("darwin"), ["SIGINT", "SIGTERM"]);
});

Deno.test({
  name: "stop signals: a real SIGTERM reaches the handler and the listeners come off",
  ignore: Deno.build.os === "windows",
  async fn() {
    let stopped = 0;
    const off = onStopSignals(() => stopped++);
    try {
      Deno.kill(Deno.pid, "SIGTERM");
      for (let i = 0; i < 100 && stopped === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(stopped, 1);
    } finally {
      off();
    }
  },
});

/** Runs `body` with a latch whose exits are recorded in `exits` (instead of ending the test runner), closed after. */
async function withLatch(body: (latch: StopLatch, exits: number[]) => Promise<void>): Promise<void> {
  const exits: number[] = [];
  const latch = new StopLatch({ exit: (c) => exits.push(c) });
  try {
    await body(latch, exits);
  } finally {
    latch.close();
  }
}

/** Waits (at most 1 s) until `ok()`. */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
}

Deno.test({
  name: "stop latch: a signal before anyone listens is handed over when the stop handler comes; a second one then too",
  ignore: Deno.build.os === "windows",
  fn: () =>
    withLatch(async (latch, exits) => {
      assert.equal(latch.requested, false);
      Deno.kill(Deno.pid, "SIGTERM");
      await until(() => latch.requested);
      assert.equal(latch.requested, true);
      let stopped = 0;
      const off = latch.onStop(() => stopped++);
      assert.equal(stopped, 1, "handed over at once");
      Deno.kill(Deno.pid, "SIGTERM");
      await until(() => stopped === 2);
      assert.equal(stopped, 2);
      off();
      assert.deepEqual(exits, []);
    }),
});

Deno.test({
  name: "stop latch: a second signal while no stop handler listens exits with 128 + the signal's number",
  ignore: Deno.build.os === "windows",
  fn: () =>
    withLatch(async (latch, exits) => {
      Deno.kill(Deno.pid, "SIGTERM");
      await until(() => latch.requested);
      assert.deepEqual(exits, []);
      Deno.kill(Deno.pid, "SIGTERM");
      await until(() => exits.length > 0);
      assert.deepEqual(exits, [143]);
    }),
});

Deno.test({
  name: "stop latch: the first signal while a start-up step waits for another process exits at once; not after it",
  ignore: Deno.build.os === "windows",
  fn: () =>
    withLatch(async (latch, exits) => {
      const step = Promise.withResolvers<string>();
      const waited = latch.waiting("a reader of the FIFO", step.promise);
      Deno.kill(Deno.pid, "SIGTERM"); // (SIGINT would stop the test runner)
      await until(() => exits.length > 0);
      assert.deepEqual(exits, [143], "the first signal while it waits");
      step.resolve("opened");
      assert.equal(await waited, "opened");
      Deno.kill(Deno.pid, "SIGTERM");
      await until(() => latch.requested);
      assert.equal(latch.requested, true, "after the wait a signal is caught for the stop handler again");
      assert.deepEqual(exits, [143]);
    }),
});

Deno.test({
  name: "stop latch: a signal that came before a start-up step waits for another process exits when the wait begins",
  ignore: Deno.build.os === "windows",
  fn: () =>
    withLatch(async (latch, exits) => {
      Deno.kill(Deno.pid, "SIGTERM");
      await until(() => latch.requested);
      assert.deepEqual(exits, [], "one signal with nothing waiting is kept for the stop handler");
      // a step that never ends (a FIFO nobody opens): the signal above must not be lost while it waits
      const never = new Promise<never>(() => {});
      void latch.waiting("a reader of the FIFO", never);
      assert.deepEqual(exits, [143], "exits as the wait begins, with 128 + SIGTERM's number");
    }),
});
