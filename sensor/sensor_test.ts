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

Deno.test({
  name: "Sensor.open: the feedback CSV's FIFO is waited for before the store's run starts (a stop there leaves no run)",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "ids-sensor-csv-fifo-" });
    try {
      const fifo = join(dir, "feedback.fifo");
      const data = join(dir, "data");
      assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success);
      const config = validateConfig({ outputs: { feedback_csv: { enabled: true, path: fifo } } });
      // what the store holds while the open waits for a reader: a stop signal then ends the process at once
      // (StopLatch.waiting), so a run started before it would stay `running`
      let runsWhileWaiting: unknown[] | undefined;
      let reader: Deno.FsFile | undefined;
      const sensor = await Sensor.open({
        config,
        data,
        onProblem: () => {},
        waiting: async (what, step) => {
          assert.match(what, /^a reader of the feedback CSV /);
          let store: Store | undefined;
          try {
            store = Store.open(data);
            runsWhileWaiting = store.listRuns(5);
          } catch {
            runsWhileWaiting = []; // (no data directory yet)
          } finally {
            store?.close();
          }
          reader = await Deno.open(fifo, { read: true });
          return await step;
        },
      });
      try {
        assert.deepEqual(runsWhileWaiting, [], "no run started before the FIFO's reader came");
        assert.equal(sensor.store?.listRuns(1).length, 1, "the run starts once the CSV is open");
      } finally {
        await sensor.close();
        reader?.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
