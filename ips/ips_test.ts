import assert from "node:assert/strict";
import { type Config, DEFAULT_CONFIG } from "../config/defaults.ts";
import { validateConfig } from "../config/schema.ts";
import { FakeWindows } from "./_fake_windows.ts";
import { HOSTILE_INPUTS } from "./_conformance.ts";
import { Ips, type IpsEvent } from "./ips.ts";
import { MemoryLedger } from "./ledger.ts";
import { SafetyRails } from "./rails.ts";
import { SimulatedBlocker } from "./simulated.ts";
import { WindowsFirewallBlocker } from "./windows_firewall.ts";

const T0 = Date.parse("2026-11-29T22:00:00.000Z");

function setup(options: { config?: Config; admin?: boolean; now?: () => number; ledger?: MemoryLedger } = {}) {
  const machine = new FakeWindows({ admin: options.admin ?? true });
  const events: IpsEvent[] = [];
  const lines: string[] = [];
  const ledger = options.ledger ?? new MemoryLedger();
  const now = options.now ?? (() => T0);
  const ips = new Ips({
    blocker: new WindowsFirewallBlocker({ runner: machine.runner, now }),
    rails: new SafetyRails({
      trusted: { ips: ["198.51.100.99"], cidrs: ["104.16.0.0/12"] },
      host: { addresses: ["10.76.0.2"], broadcasts: [], gateways: ["10.76.0.1"], dns: ["10.76.0.53"] },
    }),
    config: options.config ?? validateConfig({ ips: { enabled: true } }),
    ledger,
    publish: (e) => events.push(e),
    log: (l) => lines.push(l),
    now,
  });
  return { machine, events, lines, ledger, ips };
}

const q = (ip: string, type = "syn_flood", extra: Record<string, unknown> = {}) => ({
  ip,
  type,
  label: "SYN Flood (Heuristic)",
  ...extra,
});

Deno.test("Ips: a critical alert blocks, records an ACTIVE row and publishes a block event", async () => {
  const { ips, machine, events, ledger } = setup();
  const d = await ips.decide(q("203.0.113.5"));
  assert.equal(d.action, "blocked");
  assert.equal(d.note, "blocked for 60 s");
  assert.deepEqual(machine.rules.map((r) => r.name), ["ids-block-203.0.113.5"]);
  const [row] = ledger.live();
  assert.deepEqual(
    { ip: row.ip, type: row.type, seconds: row.seconds, status: row.status, backend: row.backend, exp: row.expiresAt },
    { ip: "203.0.113.5", type: "syn_flood", seconds: 60, status: "ACTIVE", backend: "windows", exp: T0 + 60_000 },
  );
  assert.deepEqual(events.map((e) => e.kind), ["block"]);
  // a second alert while blocked: still blocked, no second rule or row
  const again = await ips.decide(q("203.0.113.5"));
  assert.equal(again.action, "blocked");
  assert.equal(machine.rules.length, 1);
  assert.equal(ledger.recent(10).length, 1);
  ips.close();
});

Deno.test("Ips: concurrent alerts for one source make one block", async () => {
  const { ips, machine, ledger } = setup();
  const ds = await Promise.all([1, 2, 3, 4].map(() => ips.decide(q("203.0.113.6"))));
  assert.deepEqual(ds.map((d) => d.action), ["blocked", "blocked", "blocked", "blocked"]);
  assert.deepEqual(ds.map((d) => d.created), [true, false, false, false], "the block is reported once");
  assert.equal(machine.rules.length, 1);
  assert.equal(ledger.recent(10).length, 1);
  ips.close();
});

Deno.test("Ips: every safety rail refuses, and nothing reaches the firewall", async () => {
  const { ips, machine, ledger } = setup();
  const refused: [string, RegExp][] = [
    ["198.51.100.99", /trusted/],
    ["104.22.1.235", /trusted/],
    ["127.0.0.1", /loopback/],
    ["169.254.1.1", /link-local/],
    ["224.0.0.251", /multicast/],
    ["255.255.255.255", /broadcast/],
    ["0.0.0.0", /unspecified/],
    ["::", /unspecified/],
    ["10.76.0.2", /own addresses/],
    ["10.76.0.1", /default gateway/],
    ["10.76.0.53", /DNS server/],
    ...HOSTILE_INPUTS.map((h): [string, RegExp] => [h, /not a single IP address/]),
  ];
  for (const [ip, why] of refused) {
    const d = await ips.decide(q(ip));
    assert.equal(d.action, "allowed", ip);
    assert.match(d.note, why, ip);
  }
  const release = ips.rails.protectClient("198.51.100.77");
  assert.match((await ips.decide(q("198.51.100.77"))).note, /dashboard client/);
  release();
  assert.equal((await ips.decide(q("198.51.100.77"))).action, "blocked");
  assert.equal(machine.calls.filter((c) => c[0] === "netsh").length, 1);
  assert.equal(ledger.recent(100).length, 1);
  const c = ips.counters();
  assert.equal(c.blocked, 1);
  assert.deepEqual(c.refused, {
    trusted: 2,
    loopback: 1,
    link_local: 1,
    multicast: 1,
    broadcast: 1,
    unspecified: 2,
    self: 1,
    gateway: 1,
    dns: 1,
    invalid: HOSTILE_INPUTS.length,
    dashboard_client: 1,
  });
  ips.close();
});

Deno.test("Ips: spoofed floods and non-critical types make no block", async () => {
  const { ips, machine } = setup();
  for (let i = 1; i <= 50; i++) {
    const d = await ips.decide(q(`203.0.113.${i}`, "syn_flood", { spoofed: true }));
    assert.equal(d.action, "allowed");
    assert.match(d.note, /^spoofed sources, not blocked per source/);
  }
  assert.equal((await ips.decide(q("203.0.113.60", "evasion"))).action, "allowed");
  assert.equal(machine.calls.length, 0);
  assert.equal(ips.counters().spoofed, 50);
  ips.close();
});

Deno.test("Ips: caps on new blocks per minute and on active blocks raise one cap event each", async () => {
  let now = T0;
  const { ips, events, lines, machine } = setup({
    config: validateConfig({ ips: { enabled: true, max_new_per_minute: 3, max_active: 5 } }),
    now: () => now,
  });
  for (let i = 1; i <= 6; i++) await ips.decide(q(`203.0.113.${i}`));
  assert.equal(machine.rules.length, 3);
  const caps = events.filter((e) => e.kind === "cap");
  assert.equal(caps.length, 1, "one event however many alerts hit the cap");
  assert.deepEqual({ cap: caps[0].kind === "cap" && caps[0].cap }, { cap: "per_minute" });
  assert.match(lines.join("\n"), /IPS cap reached \(3 new blocks in 60 s\)/);
  const capped = await ips.decide(q("203.0.113.7"));
  assert.equal(capped.action, "allowed");
  assert.match(capped.note, /cap reached/);
  now += 61_000; // a minute later the window has room again
  assert.equal((await ips.decide(q("203.0.113.8"))).action, "blocked");
  ips.close();
});

Deno.test("Ips: active-block cap", async () => {
  const { ips, events, machine } = setup({
    config: validateConfig({ ips: { enabled: true, max_new_per_minute: 100, max_active: 2 } }),
  });
  for (let i = 1; i <= 4; i++) await ips.decide(q(`203.0.113.${i}`));
  assert.equal(machine.rules.length, 2);
  assert.deepEqual(events.filter((e) => e.kind === "cap").map((e) => e.kind === "cap" && e.cap), ["active"]);
  ips.close();
});

Deno.test("Ips: per-type durations and escalation for repeat offenders", async () => {
  let now = T0;
  const { ips, ledger } = setup({
    config: validateConfig({
      block_seconds: 60,
      ips: { enabled: true, durations_s: { port_scan: 300 }, escalation: true, escalation_max_s: 1000 },
    }),
    now: () => now,
  });
  assert.equal((await ips.decide(q("203.0.113.5", "port_scan"))).record?.seconds, 300);
  assert.equal((await ips.decide(q("203.0.113.6", "syn_flood"))).record?.seconds, 60);
  now += 61_000;
  await ips.expireDue();
  const second = await ips.decide(q("203.0.113.6", "syn_flood"));
  assert.equal(second.record?.seconds, 120);
  assert.match(second.note, /escalated: 1 earlier/);
  now += 121_000;
  await ips.expireDue();
  assert.equal((await ips.decide(q("203.0.113.6", "syn_flood"))).record?.seconds, 240);
  assert.equal(ledger.recent(10).filter((r) => r.status === "EXPIRED").length, 2);
  ips.close();
});

Deno.test("Ips: access denied falls back to simulated — row SIMULATED, action allowed, one line", async () => {
  const { ips, machine, ledger, lines, events } = setup({ admin: false });
  assert.equal(ips.enforcing, true);
  const d = await ips.decide(q("203.0.113.5"));
  assert.equal(d.action, "allowed", "a simulated block is not a block");
  assert.match(d.note, /^simulated block for 60 s/);
  assert.equal(ips.enforcing, false);
  assert.equal(ips.backend, "simulated");
  const [row] = ledger.live();
  assert.equal(row.status, "SIMULATED");
  assert.match(row.error, /requires elevation/);
  assert.equal(machine.rules.length, 0);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /blocks are simulated from now on \(to enforce them: run ids from an elevated prompt/);
  assert.equal((await ips.decide(q("203.0.113.6"))).action, "allowed");
  assert.equal(lines.length, 1, "said once");
  assert.deepEqual(events.map((e) => e.kind), ["block", "block"]);
  ips.close();
});

Deno.test("Ips: other firewall failures record a FAILED row and allow", async () => {
  const { ips, machine, ledger } = setup();
  machine.failNext = { code: 1, stdout: "An error occurred.\r\n", stderr: "" };
  const d = await ips.decide(q("203.0.113.5"));
  assert.equal(d.action, "allowed");
  assert.match(d.note, /^block failed: Cannot block 203\.0\.113\.5: netsh: An error occurred\./);
  assert.equal(ledger.recent(1)[0].status, "FAILED");
  assert.equal(ledger.live().length, 0);
  ips.close();
});

Deno.test("Ips: expiry ends the row (EXPIRED), removes the rule and publishes an unblock", async () => {
  let now = T0;
  const { ips, machine, ledger, events } = setup({ now: () => now });
  await ips.decide(q("203.0.113.5"));
  now += 60_001;
  await ips.expireDue();
  assert.equal(machine.rules.length, 0);
  assert.equal(ledger.recent(1)[0].status, "EXPIRED");
  const last = events.at(-1)!;
  assert.equal(last.kind, "unblock");
  assert.equal(last.kind === "unblock" && last.reason, "expired");
  ips.close();
});

Deno.test("Ips: manual unblock keeps the row (UNBLOCKED) and a later attack blocks again", async () => {
  const { ips, machine, ledger, events } = setup();
  await ips.decide(q("203.0.113.5"));
  assert.equal(await ips.unblock("203.0.113.5"), 1);
  assert.equal(machine.rules.length, 0);
  assert.equal(ledger.recent(1)[0].status, "UNBLOCKED");
  assert.equal(events.at(-1)?.kind, "unblock");
  assert.equal(await ips.unblock("203.0.113.5"), 0);
  await assert.rejects(ips.unblock("1.2.3.4; rm -rf /"), TypeError);
  assert.equal((await ips.decide(q("203.0.113.5"))).action, "blocked");
  assert.equal(ledger.recent(10).length, 2);
  await ips.decide(q("203.0.113.8"));
  assert.equal(await ips.unblockAll(), 2);
  assert.equal(machine.rules.length, 0);
  ips.close();
});

Deno.test("Ips: a block removed outside the process is noticed on the next alert and made again", async () => {
  let now = T0;
  const { ips, machine, ledger, events } = setup({ now: () => now });
  await ips.decide(q("203.0.113.5"));
  machine.rules = []; // `ids blocks unblock` from another shell
  now += 2_000;
  assert.equal((await ips.decide(q("203.0.113.5"))).action, "blocked", "within 5 s the firewall is not asked again");
  assert.equal(machine.rules.length, 0);
  now += 4_000;
  const d = await ips.decide(q("203.0.113.5"));
  assert.equal(d.action, "blocked");
  assert.equal(machine.rules.length, 1, "blocked anew");
  assert.deepEqual(ledger.recent(10).map((r) => r.status), ["ACTIVE", "UNBLOCKED"]);
  assert.deepEqual(events.map((e) => e.kind), ["block", "unblock", "block"]);
  ips.close();
});

Deno.test("Ips: start() reconciles after a crash — expired rows closed, rules removed, timers restored", async () => {
  let now = T0;
  const machine = new FakeWindows();
  const ledger = new MemoryLedger();
  const events: IpsEvent[] = [];
  const mk = () =>
    new Ips({
      blocker: new WindowsFirewallBlocker({ runner: machine.runner, now: () => now }),
      rails: new SafetyRails(),
      config: validateConfig({ ips: { enabled: true, durations_s: { port_scan: 3600 } } }),
      ledger,
      publish: (e) => events.push(e),
      log: () => {},
      now: () => now,
    });
  const first = mk();
  await first.decide(q("203.0.113.1", "syn_flood")); // 60 s
  await first.decide(q("203.0.113.2", "port_scan")); // 3600 s
  await first.decide(q("203.0.113.3", "port_scan")); // removed by hand while ids was down
  first.close(); // crash
  machine.rules = machine.rules.filter((r) => r.name !== "ids-block-203.0.113.3");
  machine.rules.push({
    ...machine.rules[0],
    name: "ids-block-203.0.113.4",
    remoteip: "203.0.113.4",
    description: `ids-block-until-${new Date(T0 + 600_000).toISOString()}-ddos`,
  });
  now = T0 + 120_000;
  const second = mk();
  events.length = 0;
  const report = await second.start();
  assert.deepEqual(
    events.map((e) =>
      e.kind === "unblock"
        ? `${e.record.ip} ${e.reason}`
        : e.kind === "block"
        ? `${e.record.ip} restored ${e.restored}`
        : e.kind
    ),
    ["203.0.113.1 expired", "203.0.113.3 removed outside ids", "203.0.113.4 restored true"],
    "what reconcile did reaches the hub, hence the store",
  );
  assert.deepEqual(report, { backend: "windows", kept: 2, expired: 1, removed: 1, vanished: 1, adopted: 1 });
  assert.deepEqual(machine.rules.map((r) => r.name).sort(), ["ids-block-203.0.113.2", "ids-block-203.0.113.4"]);
  const byIp = Object.fromEntries(ledger.recent(10).map((r) => [r.ip, r.status]));
  assert.deepEqual(byIp, {
    "203.0.113.1": "EXPIRED",
    "203.0.113.2": "ACTIVE",
    "203.0.113.3": "UNBLOCKED",
    "203.0.113.4": "ACTIVE",
  });
  assert.equal((await second.decide(q("203.0.113.2", "port_scan"))).action, "blocked", "known as blocked");
  now = T0 + 3_600_001;
  await second.expireDue();
  assert.deepEqual(machine.rules, []);
  second.close();
});

Deno.test("Ips: simulated rows are restored into the simulated backend at start", async () => {
  let now = T0;
  const ledger = new MemoryLedger();
  const mk = () =>
    new Ips({
      blocker: new SimulatedBlocker({ now: () => now }),
      rails: new SafetyRails(),
      config: DEFAULT_CONFIG,
      ledger,
      now: () => now,
    });
  const first = mk();
  assert.equal((await first.decide(q("203.0.113.1"))).action, "allowed");
  first.close();
  now += 10_000;
  const second = mk();
  assert.deepEqual(await second.start(), {
    backend: "simulated",
    kept: 1,
    expired: 0,
    removed: 0,
    vanished: 0,
    adopted: 0,
  });
  assert.match((await second.decide(q("203.0.113.1"))).note, /^simulated block until/);
  second.close();
});

Deno.test("Ips: blocking by hand (dashboard) obeys the rails and the active cap, and replaces a block", async () => {
  const { ips, machine, ledger, events } = setup({
    config: validateConfig({ ips: { enabled: true, max_active: 2 } }),
  });
  await assert.rejects(
    ips.blockByHand("10.76.0.1", 60),
    /^Error: Cannot block "10\.76\.0\.1": 10\.76\.0\.1 is a default gateway/,
  );
  await assert.rejects(ips.blockByHand("0.0.0.0/0", 60), /not a single IP address/);
  await assert.rejects(ips.blockByHand("203.0.113.5", 0), RangeError);
  const r = await ips.blockByHand("203.0.113.5", 600);
  assert.deepEqual([r.status, r.type, r.seconds], ["ACTIVE", "manual", 600]);
  const again = await ips.blockByHand("203.0.113.5", 60);
  assert.equal(again.seconds, 60);
  assert.equal(machine.rules.length, 1);
  assert.deepEqual(ledger.recent(5).map((x) => x.status), ["ACTIVE", "UNBLOCKED"]);
  await ips.blockByHand("203.0.113.6", 60);
  await assert.rejects(ips.blockByHand("203.0.113.7", 60), /2 blocks in force \(ips\.max_active\)/);
  assert.deepEqual(events.map((e) => e.kind === "block" ? `block${e.manual ? " manual" : ""}` : e.kind), [
    "block manual",
    "unblock",
    "block manual",
    "block manual",
  ]);
  ips.close();
});

Deno.test("Ips: a reloaded configuration that trusts a blocked address lifts its block", async () => {
  const { ips, machine, ledger } = setup();
  await ips.decide(q("203.0.113.5"));
  await ips.decide(q("203.0.113.6"));
  await ips.setConfig(validateConfig({ ips: { enabled: true }, trusted_cidrs: ["203.0.113.4/31"] }));
  assert.deepEqual(machine.rules.map((r) => r.name), ["ids-block-203.0.113.6"]);
  assert.deepEqual(ledger.recent(5).map((r) => [r.ip, r.status]), [
    ["203.0.113.6", "ACTIVE"],
    ["203.0.113.5", "UNBLOCKED"],
  ]);
  assert.match((await ips.decide(q("203.0.113.5"))).note, /trusted/);
  ips.close();
});

Deno.test("formatIpsSummary(): one line of what the IPS did", async () => {
  const { formatIpsSummary } = await import("./setup.ts");
  assert.equal(
    formatIpsSummary("nftables", {
      blocked: 3,
      simulated: 0,
      failed: 1,
      spoofed: 2,
      refused: { trusted: 1, gateway: 2 },
      capped: 0,
      expired: 2,
      unblocked: 1,
    }),
    "IPS (nftables): 3 blocked, 0 simulated, 1 failed, 2 expired, 1 unblocked; not blocked: 2 spoofed, 3 by the rails " +
      "(gateway 2, trusted 1), 0 over a cap",
  );
});
