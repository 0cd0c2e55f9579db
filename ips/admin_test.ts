import assert from "node:assert/strict";
import { FakeWindows } from "./_fake_windows.ts";
import { listBlocks, unblock } from "./admin.ts";
import { MemoryLedger } from "./ledger.ts";
import { WindowsFirewallBlocker } from "./windows_firewall.ts";

const T0 = Date.parse("2026-11-29T22:00:00.000Z");

function rig() {
  const machine = new FakeWindows();
  const blocker = new WindowsFirewallBlocker({ runner: machine.runner, now: () => T0 });
  const ledger = new MemoryLedger();
  const row = (ip: string, status: "ACTIVE" | "SIMULATED", backend: "windows" | "simulated") =>
    ledger.insert({
      ts: T0 - 1000,
      ip,
      type: "syn_flood",
      label: "SYN Flood (Heuristic)",
      seconds: 60,
      expiresAt: T0 + 59_000,
      status,
      backend,
      error: "",
      updatedAt: T0 - 1000,
    });
  return { machine, blocker, ledger, row };
}

Deno.test("listBlocks() joins the firewall's entries with the live rows", async () => {
  const { blocker, ledger, row } = rig();
  await blocker.block("203.0.113.1", 59, "syn_flood"); // has a row
  await blocker.block("203.0.113.2", 30, "port_scan"); // no row (made by a run without a store)
  row("203.0.113.1", "ACTIVE", "windows");
  row("203.0.113.3", "SIMULATED", "simulated");
  row("203.0.113.4", "ACTIVE", "windows"); // its rule is gone
  const list = await listBlocks({ blocker, ledger, now: () => T0 });
  blocker.close();
  assert.deepEqual(
    list.map((b) => [b.ip, b.status, b.backend, b.type, b.inFirewall, (b.expiresAt - T0) / 1000]),
    [
      ["203.0.113.2", "ACTIVE", "windows", "port_scan", true, 30],
      ["203.0.113.1", "ACTIVE", "windows", "syn_flood", true, 59],
      ["203.0.113.3", "SIMULATED", "simulated", "syn_flood", false, 59],
      ["203.0.113.4", "ACTIVE", "windows", "syn_flood", false, 59],
    ],
  );
});

Deno.test("unblock() removes one address or everything, keeping the rows as UNBLOCKED", async () => {
  const { blocker, ledger, row, machine } = rig();
  await blocker.block("203.0.113.1", 59, "syn_flood");
  await blocker.block("203.0.113.2", 59, "syn_flood");
  row("203.0.113.1", "ACTIVE", "windows");
  row("203.0.113.3", "SIMULATED", "simulated");
  assert.deepEqual(await unblock({ ip: "203.0.113.1", blocker, ledger, now: () => T0 }), {
    removed: ["203.0.113.1"],
    rows: 1,
  });
  assert.deepEqual(await unblock({ ip: "203.0.113.9", blocker, ledger, now: () => T0 }), { removed: [], rows: 0 });
  await assert.rejects(unblock({ ip: "203.0.113.1 -Action Allow", blocker, ledger }), TypeError);
  assert.deepEqual(await unblock({ all: true, blocker, ledger, now: () => T0 }), { removed: ["203.0.113.2"], rows: 1 });
  blocker.close();
  assert.deepEqual(machine.rules, []);
  assert.deepEqual(ledger.recent(10).map((r) => r.status), ["UNBLOCKED", "UNBLOCKED"]);
});
