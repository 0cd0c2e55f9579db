import assert from "node:assert/strict";
import { onStopSignals, stopSignals } from "./_signals.ts";

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
