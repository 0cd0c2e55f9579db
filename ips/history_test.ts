import assert from "node:assert/strict";
import type { BlockEvent } from "../core/block.ts";
import { validateConfig } from "../config/schema.ts";
import { FakeWindows } from "./_fake_windows.ts";
import { type BlockHistory, HistoryLedger } from "./history.ts";
import { Ips, type IpsEvent } from "./ips.ts";
import { SafetyRails } from "./rails.ts";
import { toBlockEvent } from "./stage.ts";
import { WindowsFirewallBlocker } from "./windows_firewall.ts";

const T0 = Date.parse("2026-11-29T22:00:00.000Z");

/** A store stand-in: one row per block id, latest event wins (what store/ does with the hub's events). */
class EventTable implements BlockHistory {
  rows = new Map<string, BlockEvent>();
  liveBlocks(): BlockEvent[] {
    return [...this.rows.values()].filter((e) => e.status === "active" || e.status === "simulated");
  }
  countBlocksSince(ip: string, sinceMs: number): number {
    return [...this.rows.values()].filter((e) => e.ip === ip && e.startMs >= sinceMs && e.status !== "failed").length;
  }
  recordBlock(event: BlockEvent): void {
    this.rows.set(event.id, event);
  }
}

Deno.test("HistoryLedger: a restarted IPS picks up the store's blocks, escalates across runs, closes stale rows", async () => {
  let now = T0;
  const machine = new FakeWindows();
  const table = new EventTable();
  const mk = () => {
    const events: IpsEvent[] = [];
    const ips = new Ips({
      blocker: new WindowsFirewallBlocker({ runner: machine.runner, now: () => now }),
      rails: new SafetyRails(),
      config: validateConfig({ ips: { enabled: true, escalation: true } }),
      ledger: new HistoryLedger(table),
      // the hub → store path
      publish: (e) => {
        events.push(e);
        if (e.kind !== "cap") table.recordBlock(toBlockEvent(e.record));
      },
      log: () => {},
      now: () => now,
    });
    return { ips, events };
  };
  const first = mk();
  const d = await first.ips.decide({ ip: "203.0.113.5", type: "syn_flood", label: "SYN Flood (Heuristic)" });
  table.recordBlock(toBlockEvent(d.record!)); // the decision stage publishes the first event after the alert
  await first.ips.decide({ ip: "203.0.113.6", type: "syn_flood", label: "SYN Flood (Heuristic)" });
  table.recordBlock(toBlockEvent(first.ips.active().find((r) => r.ip === "203.0.113.6")!));
  first.ips.close(); // crash

  now = T0 + 30_000;
  machine.rules = machine.rules.filter((r) => r.remoteip !== "203.0.113.6"); // removed by hand meanwhile
  const second = mk();
  const report = await second.ips.start();
  assert.deepEqual([report.kept, report.vanished, report.adopted], [1, 1, 0]);
  assert.deepEqual(
    [...table.rows.values()].map((e) => [e.ip, e.status]).sort(),
    [["203.0.113.5", "active"], ["203.0.113.6", "unblocked"]],
  );
  assert.equal((await second.ips.decide({ ip: "203.0.113.5", type: "syn_flood", label: "x" })).action, "blocked");
  now = T0 + 61_000;
  await second.ips.expireDue();
  assert.equal(table.rows.get(`203.0.113.5@${T0}`)?.status, "expired");
  // a repeat offender after a restart: the store remembers the earlier block
  const again = await second.ips.decide({ ip: "203.0.113.5", type: "syn_flood", label: "x" });
  assert.equal(again.record?.seconds, 120);
  second.ips.close();
});

Deno.test("HistoryLedger with writeThrough records unblocks made outside a sensor run", () => {
  const table = new EventTable();
  table.recordBlock({
    id: `203.0.113.9@${T0}`,
    ip: "203.0.113.9",
    status: "active",
    atMs: T0,
    startMs: T0,
    durationS: 600,
    expiresMs: T0 + 600_000,
    backend: "nftables",
    type: "port_scan",
  });
  const ledger = new HistoryLedger(table, { writeThrough: true });
  const [row] = ledger.live();
  assert.deepEqual([row.ip, row.status, row.backend, row.expiresAt], [
    "203.0.113.9",
    "ACTIVE",
    "nftables",
    T0 + 600_000,
  ]);
  assert.equal(ledger.finish(row.id, "UNBLOCKED", T0 + 5_000), true);
  const e = table.rows.get(`203.0.113.9@${T0}`)!;
  assert.deepEqual([e.status, e.atMs, e.reason], ["unblocked", T0 + 5_000, "unblocked by hand"]);
});
