/**
 * The IPS plugged into the sensor's decision stage: EVE `alert.action` is `blocked` only when the block
 * really happened, the block event follows its alert on the hub, and expiry/unblock events follow.
 */
import assert from "node:assert/strict";
import type { DetectionEvent } from "../core/detection.ts";
import type { HubEvent } from "../core/hub_event.ts";
import { validateConfig } from "../config/schema.ts";
import { FakeWindows } from "../ips/_fake_windows.ts";
import { Ips } from "../ips/ips.ts";
import { SafetyRails } from "../ips/rails.ts";
import { IpsStage, publishIpsEvent } from "../ips/stage.ts";
import { WindowsFirewallBlocker } from "../ips/windows_firewall.ts";
import { DecisionStage } from "../sensor/decision.ts";
import { Hub } from "../sensor/hub.ts";
import { toEve } from "../alerts/eve.ts";
import { HistoryLedger } from "../ips/history.ts";
import { Store } from "../store/store.ts";
import { StoreWriter } from "../store/writer.ts";

const T0 = Date.parse("2026-11-29T22:00:00.000Z");

function event(overrides: Partial<DetectionEvent> = {}): DetectionEvent {
  return {
    type: "syn_flood",
    tsUs: T0 * 1000,
    src: "203.0.113.66",
    dst: "10.77.0.1",
    srcPort: 41234,
    dstPort: 80,
    proto: 6,
    severity: 1,
    reason: "42 SYN without handshake in 0.5 s",
    flowId: 7,
    ...overrides,
  };
}

function rig(admin: boolean) {
  let now = T0;
  const machine = new FakeWindows({ admin });
  const hub = new Hub();
  const events: HubEvent[] = [];
  hub.subscribe({ name: "collect", handle: (e) => void events.push(e) }, { queue: 10_000 });
  const config = validateConfig({ ips: { enabled: true } });
  const ips = new Ips({
    blocker: new WindowsFirewallBlocker({ runner: machine.runner, now: () => now }),
    rails: new SafetyRails({ host: { addresses: ["10.77.0.1"], broadcasts: [], gateways: ["10.77.0.254"], dns: [] } }),
    config,
    publish: (e) => publishIpsEvent(hub, e),
    log: () => {},
    now: () => now,
  });
  const decision = new DecisionStage({ hub, config, ips: new IpsStage(ips) });
  return { machine, hub, events, ips, decision, advance: (ms: number) => now += ms };
}

Deno.test("decision stage + IPS: a real block makes action blocked, then the block event, then its expiry", async () => {
  const { hub, events, ips, decision, advance, machine } = rig(true);
  decision.submit(event());
  decision.submit(event({ type: "port_scan", src: "10.77.0.254", severity: 2 })); // the gateway: never blocked
  decision.submit(event({ src: "198.51.100.9", spoofed: true, tags: ["spoofed"] }));
  await decision.drain();
  await hub.flush();
  const kinds = events.map((e) =>
    e.kind === "alert"
      ? `alert ${e.alert.src} ${e.alert.action}`
      : e.kind === "block"
      ? `block ${e.block.ip} ${e.block.status}`
      : e.kind
  );
  assert.deepEqual(kinds, [
    "alert 203.0.113.66 blocked",
    "block 203.0.113.66 active",
    "alert 10.77.0.254 allowed",
    "alert 198.51.100.9 allowed",
  ]);
  const blocked = events[0].kind === "alert" ? events[0].alert : undefined;
  assert.equal(toEve(blocked!).alert.action, "blocked");
  const spoofed = events[3].kind === "alert" ? events[3].alert : undefined;
  assert.match(spoofed!.reason, /IPS: spoofed sources, not blocked per source/);
  assert.deepEqual(machine.rules.map((r) => r.name), ["ids-block-203.0.113.66"]);
  advance(60_001);
  await ips.expireDue();
  await hub.flush();
  const last = events.at(-1)!;
  assert.equal(last.kind, "block");
  assert.deepEqual(last.kind === "block" && [last.block.ip, last.block.status, last.block.reason], [
    "203.0.113.66",
    "expired",
    "expired",
  ]);
  ips.close();
  await hub.close();
});

Deno.test("decision stage + IPS: a single-source TCP flood without SYN (unverified source) alerts but never blocks", async () => {
  const { hub, events, ips, decision, machine } = rig(true);
  decision.submit(event({
    type: "ddos",
    src: "203.0.113.67",
    tags: ["single_source", "unverified_source"],
    reason: "500 TCP packets without SYN or handshake from one source to one host in 1 s",
  }));
  decision.submit(event({ type: "ddos", src: "203.0.113.68", tags: ["sources:3"] }));
  await decision.drain();
  await hub.flush();
  const alerts = events.flatMap((e) => e.kind === "alert" ? [e.alert] : []);
  assert.deepEqual(alerts.map((a) => [a.src, a.action]), [["203.0.113.67", "allowed"], ["203.0.113.68", "blocked"]]);
  assert.match(alerts[0].reason, /IPS: not blocked: unverified source/);
  assert.deepEqual(machine.rules.map((r) => r.name), ["ids-block-203.0.113.68"]);
  ips.close();
  await hub.close();
});

Deno.test("decision stage + IPS: without Administrator the block is simulated and the alert stays allowed", async () => {
  const { hub, events, ips, decision } = rig(false);
  decision.submit(event());
  await decision.drain();
  await hub.flush();
  const alert = events.find((e) => e.kind === "alert");
  const block = events.find((e) => e.kind === "block");
  assert.equal(alert?.kind === "alert" && alert.alert.action, "allowed");
  assert.match(alert?.kind === "alert" ? alert.alert.reason : "", /IPS: simulated block for 60 s/);
  assert.deepEqual(block?.kind === "block" && [block.block.status, block.block.backend], ["simulated", "simulated"]);
  assert.match(block?.kind === "block" ? block.block.error ?? "" : "", /requires elevation/);
  ips.close();
  await hub.close();
});

Deno.test("decision stage + IPS: a model-only alert (tag no-block) is never blocked, even of a critical type", async () => {
  const { hub, events, ips, decision, machine } = rig(true);
  decision.submit(event({ src: "203.0.113.77", severity: 3, tags: ["model-only", "no-block"] }));
  decision.submit(event({ src: "203.0.113.78", severity: 3, tags: ["model-only"] })); // ml.block_alerts on
  await decision.drain();
  await hub.flush();
  const alerts = events.filter((e) => e.kind === "alert").map((e) =>
    e.kind === "alert" && [e.alert.src, e.alert.action]
  );
  assert.deepEqual(alerts, [["203.0.113.77", "allowed"], ["203.0.113.78", "blocked"]]);
  // the block event carries the severity of the alert that caused it (the IPS table's Severity column)
  const block = events.find((e) => e.kind === "block");
  assert.equal(block?.kind === "block" && block.block.severity, 3);
  assert.deepEqual(machine.rules.map((r) => r.name), ["ids-block-203.0.113.78"]);
  ips.close();
  await hub.close();
});

Deno.test("decision stage + IPS + store (as `ids run` wires them): a block's row carries its alert's severity and seq", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ids-ips-store-" });
  const store = Store.open(dir);
  try {
    let now = T0;
    const hub = new Hub();
    const writer = new StoreWriter(store, { flushMs: 5 });
    hub.subscribe(writer, { queue: 10_000, batch: 1000 });
    const config = validateConfig({ ips: { enabled: true } });
    const ips = new Ips({
      blocker: new WindowsFirewallBlocker({ runner: new FakeWindows().runner, now: () => now }),
      rails: new SafetyRails({ host: { addresses: ["10.77.0.1"], broadcasts: [], gateways: [], dns: [] } }),
      config,
      // each block is written at once (cli/run.ts), the hub's block event after its alert fills in the rest
      ledger: new HistoryLedger(store, { writeThrough: true }),
      publish: (e) => publishIpsEvent(hub, e),
      log: () => {},
      now: () => now,
    });
    const decision = new DecisionStage({ hub, config, ips: new IpsStage(ips) });
    decision.submit(event({ severity: 1 }));
    decision.submit(event({ type: "port_scan", src: "203.0.113.67", severity: 2 }));
    await decision.drain();
    await hub.flush();
    writer.flush();
    now += 60_001;
    await ips.expireDue();
    await hub.flush();
    writer.flush();
    const seq = Object.fromEntries(store.pageAlerts().map((a) => [a.src, a.seq]));
    assert.ok(seq["203.0.113.66"] > 0 && seq["203.0.113.67"] > 0);
    assert.deepEqual(store.pageBlocks().map((b) => [b.ip, b.status, b.severity, b.alertSeq]).sort(), [
      ["203.0.113.66", "expired", 1, seq["203.0.113.66"]],
      ["203.0.113.67", "expired", 2, seq["203.0.113.67"]],
    ]);
    // the dashboard's IPS page and `ids blocks list --history` read these rows
    assert.deepEqual(
      store.listBlocks(5).map((r) => [r.ip, r.severity]).sort(),
      [["203.0.113.66", 1], ["203.0.113.67", 2]],
    );
    ips.close();
    await hub.close();
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
