import assert from "node:assert/strict";
import { join } from "node:path";
import { validateConfig } from "../config/schema.ts";
import { Store } from "../store/store.ts";
import { Sensor } from "./sensor.ts";

/** Files this process holds open (Linux: /proc/self/fd), as paths. */
function openFiles(): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync("/proc/self/fd")) {
    try {
      out.push(Deno.readLinkSync(`/proc/self/fd/${e.name}`));
    } catch { /* closed meanwhile */ }
  }
  return out;
}

Deno.test({
  name: "Sensor.open: a step failing after the EVE file and the store were opened closes both, and says so in the run",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "ids-sensor-open-" });
    try {
      const eve = join(dir, "eve.json");
      const data = join(dir, "data");
      // a configuration whose syslog section cannot be read: the step after the EVE file, the store and their
      // subscriptions fails (as a module that does not load would)
      const config = structuredClone(validateConfig({}));
      Object.defineProperty(config.outputs, "syslog", {
        get() {
          throw new Error("Cannot read outputs.syslog: broken on purpose");
        },
      });
      await assert.rejects(Sensor.open({ config, eve, data, onProblem: () => {} }), /broken on purpose/);
      const held = openFiles().filter((p) => p.startsWith(dir));
      assert.deepEqual(held, [], "nothing of the data directory or the EVE file stays open");
      const store = Store.open(data);
      try {
        const [run] = store.listRuns(1);
        assert.equal(run.status, "failed to start", "the run does not stay 'running'");
        assert.ok(run.stoppedMs !== null);
      } finally {
        store.close();
      }
      // a working configuration opens and closes normally afterwards
      const sensor = await Sensor.open({ config: validateConfig({}), eve, data, onProblem: () => {} });
      await sensor.close();
      assert.deepEqual(openFiles().filter((p) => p.startsWith(dir)), []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
