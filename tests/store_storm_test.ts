/**
 * Storm: 10 000 alerts per second for 10 s through the hub into the store (and into a stuck
 * output): memory stays bounded, every row the store committed is there, overflow is counted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import process from "node:process";
import { Hub } from "../sensor/hub.ts";
import { Store } from "../store/store.ts";
import { StoreWriter } from "../store/writer.ts";
import { testAlert } from "../store/_test_alerts.ts";

function rssMb(): number {
  return Deno.memoryUsage().rss / 1e6;
}

Deno.test("storm: 10 k alerts/s for 10 s through the hub: bounded memory, no committed row lost, overflow counted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ids-storm-" });
  const store = Store.open(join(dir, "data"));
  try {
    const hub = new Hub();
    const writer = new StoreWriter(store, { onProblem: (l) => assert.fail(l) });
    const storeSub = hub.subscribe(writer, { queue: 50_000, batch: 1000 });
    // an output that hangs (a collector that never answers): its queue fills, overflow is counted
    const stuck = hub.subscribe({ name: "stuck", handle: () => new Promise<void>(() => {}) }, { queue: 5_000 });
    const perTick = 100; // every 10 ms
    const ticks = 1000; // 10 s
    const rss: number[] = [];
    let i = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let tick = 0; tick < ticks; tick++) {
      for (let k = 0; k < perTick; k++) hub.publish({ kind: "alert", alert: testAlert(i++) });
      if (tick % 100 === 0) rss.push(rssMb());
      const due = t0 + (tick + 1) * 10;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const stuckBefore = stuck.stats();
    for (let wait = 0; wait < 200 && storeSub.stats().queued > 0; wait++) await new Promise((r) => setTimeout(r, 50));
    await hub.close({ timeoutMs: 500 }); // the stuck output never drains; the store flushes on close
    rss.push(rssMb());
    assert.equal(i, 100_000);
    // the hub and the store keep up with 10 k alerts/s: their work fits well within the storm's 10 s of one core
    // (~2.5 s idle). CPU time, not wall time: on a busy machine the storm itself takes longer than 10 s
    assert.ok(cpuSeconds < 8, `publishing took ${cpuSeconds.toFixed(1)} s of CPU (${seconds.toFixed(1)} s)`);
    const s = storeSub.stats();
    const rows = store.stats({ sinceUs: 0 }).total;
    assert.equal(writer.stats.failed, 0);
    assert.equal(rows, writer.stats.written, "every row the writer committed is in the database");
    assert.equal(s.delivered + s.dropped, 100_000, "each alert was either stored or counted as dropped");
    assert.equal(rows, s.delivered);
    assert.ok(rows >= 90_000, `the store kept up: ${rows} rows, ${s.dropped} dropped`);
    assert.equal(
      stuckBefore.dropped,
      100_000 - 5_000 - 1,
      "the stuck output dropped all but its queue and one in flight",
    );
    assert.equal(stuck.stats().dropped, 100_000 - 1, "what it still held at close is counted too");
    const growth = Math.max(...rss) - rss[0];
    assert.ok(growth < 150, `RSS grew ${growth.toFixed(0)} MB (${rss.map((r) => r.toFixed(0)).join(", ")})`);
    console.log(
      `storm: ${seconds.toFixed(1)} s, ${
        cpuSeconds.toFixed(1)
      } s CPU; ${rows} rows stored, ${s.dropped} dropped by the store queue, RSS ${
        rss.map((r) => r.toFixed(0)).join("→")
      } MB`,
    );
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
