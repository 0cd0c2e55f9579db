/**
 * The IPS when operations on addresses overlap: the firewall call is async, so a detector's decision, a block by
 * hand and an unblock can meet on one address, and a burst of decisions can all be in flight at once. The firewall
 * is the fake Windows machine (real netsh argument vectors and answers) behind a gate the test opens; the rows are
 * in a real SQLite store where the audit trail is the point.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { validateConfig } from "../config/schema.ts";
import { Store } from "../store/store.ts";
import { FakeWindows } from "./_fake_windows.ts";
import type { CommandRunner } from "./command.ts";
import { HistoryLedger } from "./history.ts";
import { Ips, type IpsEvent } from "./ips.ts";
import { type BlockLedger, MemoryLedger } from "./ledger.ts";
import { SafetyRails } from "./rails.ts";
import { WindowsFirewallBlocker } from "./windows_firewall.ts";

const T0 = Date.parse("2026-11-30T10:00:00.000Z");

/** A fake Windows firewall whose `netsh … add rule` calls wait until the test lets them through. */
class GatedFirewall {
  readonly machine = new FakeWindows();
  /** Held calls waiting now. */
  waiting = 0;
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;

  #verb = "add";

  /** From now on, `netsh … <verb> rule` (add by default) waits for {@link release}. */
  hold(verb: "add" | "delete" = "add"): void {
    this.#verb = verb;
    this.#gate = new Promise((r) => this.#open = r);
  }

  release(): void {
    this.#open?.();
    this.#gate = undefined;
  }

  readonly runner: CommandRunner = async (argv) => {
    if (argv[0] === "netsh" && argv[3] === this.#verb && this.#gate) {
      this.waiting++;
      await this.#gate;
      this.waiting--;
    }
    return this.machine.runner(argv);
  };
}

function rig(options: { config?: Record<string, unknown>; ledger?: BlockLedger; now?: () => number } = {}) {
  const fw = new GatedFirewall();
  const events: IpsEvent[] = [];
  const now = options.now ?? (() => T0);
  const ledger = options.ledger ?? new MemoryLedger();
  const ips = new Ips({
    blocker: new WindowsFirewallBlocker({ runner: fw.runner, now }),
    rails: new SafetyRails({
      trusted: { ips: [], cidrs: [] },
      host: { addresses: ["10.76.0.2"], broadcasts: [], gateways: ["10.76.0.1"], dns: [] },
    }),
    config: validateConfig({ ips: { enabled: true }, ...options.config }),
    ledger,
    publish: (e) => events.push(e),
    log: () => {},
    now,
  });
  return { fw, events, ledger, ips };
}

const q = (ip: string) => ({ ip, type: "syn_flood", label: "SYN Flood (Heuristic)" });

/** Lets queued promise callbacks and the fake's awaits run. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 0));
};

Deno.test("Ips race: a decision arriving while a block by hand of the same address is in flight leaves one live row", async () => {
  let now = T0;
  const { fw, ledger, ips } = rig({ now: () => now });
  fw.hold();
  const byHand = ips.blockByHand("203.0.113.5", 600);
  await settle();
  assert.equal(fw.waiting, 1, "the manual block's firewall call is in flight");
  const decided = ips.decide(q("203.0.113.5"));
  await settle();
  fw.release();
  const [record, d] = await Promise.all([byHand, decided]);
  assert.equal(record.status, "ACTIVE");
  assert.equal(d.action, "blocked");
  assert.equal(fw.machine.rules.length, 1);
  assert.deepEqual(
    ledger.live().map((r) => [r.ip, r.type]),
    [["203.0.113.5", "manual"]],
    "one live row: the manual one",
  );
  now += 601_000;
  await ips.expireDue();
  assert.deepEqual(ledger.live(), [], "no orphan ACTIVE row after the block's time");
  assert.equal(fw.machine.rules.length, 0);
  ips.close();
});

Deno.test("Ips race: a block by hand while the detector's block of the address is in flight replaces it cleanly", async () => {
  let now = T0;
  const { fw, ledger, ips } = rig({ now: () => now });
  fw.hold();
  const decided = ips.decide(q("203.0.113.5"));
  await settle();
  assert.equal(fw.waiting, 1);
  const byHand = ips.blockByHand("203.0.113.5", 600);
  await settle();
  fw.release();
  assert.equal((await decided).action, "blocked");
  assert.equal((await byHand).seconds, 600);
  assert.deepEqual(ledger.recent(5).map((r) => [r.type, r.status]), [["manual", "ACTIVE"], ["syn_flood", "UNBLOCKED"]]);
  now += 601_000;
  await ips.expireDue();
  assert.deepEqual(ledger.live(), []);
  ips.close();
});

Deno.test("Ips race: a burst of decisions cannot exceed max_active or max_new_per_minute", async () => {
  for (const [config, limit] of [[{ max_active: 2 }, 2], [{ max_new_per_minute: 3 }, 3]] as const) {
    const { fw, ledger, ips, events } = rig({ config: { ips: { enabled: true, ...config } } });
    fw.hold();
    const burst = Array.from({ length: 8 }, (_, i) => ips.decide(q(`203.0.113.${10 + i}`)));
    await settle();
    fw.release();
    const ds = await Promise.all(burst);
    assert.equal(ds.filter((d) => d.action === "blocked").length, limit, JSON.stringify(config));
    assert.equal(ds.filter((d) => /cap reached/.test(d.note)).length, 8 - limit);
    assert.equal(fw.machine.rules.length, limit, "rules in the firewall");
    assert.equal(ledger.live().length, limit, "live rows");
    assert.equal(events.filter((e) => e.kind === "cap").length, 1);
    ips.close();
  }
});

Deno.test("Ips race: a failed block in flight gives its place back to the caps", async () => {
  const { fw, ips } = rig({ config: { ips: { enabled: true, max_active: 1 } } });
  fw.machine.failNext = { code: 1, stdout: "An error occurred.\r\n", stderr: "" };
  const [a, b] = await Promise.all([ips.decide(q("203.0.113.5")), ips.decide(q("203.0.113.6"))]);
  assert.match(a.note, /^block failed/);
  assert.match(b.note, /cap reached/, "the first block was in flight when the second came");
  assert.equal((await ips.decide(q("203.0.113.7"))).action, "blocked", "the failed one no longer counts");
  ips.close();
});

Deno.test("Ips race: an unblock arriving during the block's firewall call waits, then removes the rule and ends the row", async () => {
  const { fw, ledger, ips, events } = rig();
  fw.hold();
  const decided = ips.decide(q("203.0.113.5"));
  await settle();
  assert.equal(fw.waiting, 1);
  let unblocked: number | undefined;
  const unblocking = ips.unblock("203.0.113.5").then((n) => unblocked = n);
  await settle();
  assert.equal(unblocked, undefined, "no answer while the rule may still land");
  fw.release();
  assert.equal((await decided).action, "blocked");
  await unblocking;
  assert.equal(unblocked, 1, "the block it lifted");
  assert.deepEqual(fw.machine.rules, [], "the rule is gone");
  assert.deepEqual(ledger.recent(5).map((r) => r.status), ["UNBLOCKED"]);
  assert.deepEqual(events.map((e) => e.kind === "unblock" ? `unblock ${e.reason}` : e.kind), [
    "block",
    "unblock manual",
  ]);
  ips.close();
});

Deno.test("Ips race: unblock --all includes a block still in flight", async () => {
  const { fw, ledger, ips } = rig();
  await ips.decide(q("203.0.113.4"));
  fw.hold();
  const decided = ips.decide(q("203.0.113.5"));
  await settle();
  const all = ips.unblockAll();
  await settle();
  fw.release();
  await decided;
  assert.equal(await all, 2);
  assert.deepEqual(fw.machine.rules, []);
  assert.deepEqual(ledger.live(), []);
  ips.close();
});

Deno.test("Ips + store: each end of a block is recorded as what it was, not always 'unblocked by hand'", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ids-ips-reasons-" });
  const store = Store.open(join(dir, "data"));
  try {
    let now = T0;
    const ledger = new HistoryLedger(store, { writeThrough: true });
    const { fw, ips } = rig({ ledger, now: () => now });
    await ips.decide(q("203.0.113.1")); // expires
    await ips.decide(q("203.0.113.2")); // its address becomes trusted
    await ips.decide(q("203.0.113.3")); // lifted by hand
    await ips.blockByHand("203.0.113.4", 60); // replaced by a second block by hand
    await ips.blockByHand("203.0.113.4", 300);
    await ips.blockByHand("203.0.113.6", 600); // its rule is removed outside ids while ids is down
    await ips.unblock("203.0.113.3");
    await ips.setConfig(validateConfig({ ips: { enabled: true }, trusted_ips: ["203.0.113.2"] }));
    now += 61_000;
    await ips.expireDue();
    ips.close();
    fw.machine.rules = fw.machine.rules.filter((r) => r.remoteip !== "203.0.113.6");
    const next = new Ips({
      blocker: new WindowsFirewallBlocker({ runner: fw.runner, now: () => now }),
      rails: new SafetyRails(),
      config: validateConfig({ ips: { enabled: true } }),
      ledger: new HistoryLedger(store, { writeThrough: true }),
      log: () => {},
      now: () => now,
    });
    await next.start();
    next.close();
    const rows = store.listBlocks(20).filter((r) => r.status !== "active").map((r) =>
      `${r.ip} ${r.status} ${r.reason}`
    );
    assert.deepEqual(rows.sort(), [
      "203.0.113.1 expired expired",
      "203.0.113.2 unblocked address now trusted (configuration)",
      "203.0.113.3 unblocked unblocked by hand",
      "203.0.113.4 unblocked replaced by a block by hand",
      "203.0.113.6 unblocked removed outside ids",
    ]);
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Ips race: a critical alert is not answered by a model-only alert's decision queued behind an unblock", async () => {
  const { fw, ips } = rig();
  await ips.decide(q("203.0.113.7"));
  fw.hold("delete");
  const unblocking = ips.unblock("203.0.113.7");
  await settle();
  assert.equal(fw.waiting, 1, "the unblock is in its firewall call");
  const modelOnly = ips.decide({ ...q("203.0.113.7"), noBlock: true });
  const critical = ips.decide(q("203.0.113.7"));
  await settle();
  fw.release();
  assert.equal(await unblocking, 1);
  assert.match((await modelOnly).note, /model-only/);
  assert.equal((await critical).action, "blocked", "the SYN flood blocks once the unblock ended");
  assert.equal(fw.machine.rules.length, 1);
  ips.close();
});

Deno.test("Ips race: a block by hand queued behind an operation on its address is refused once the address is trusted", async () => {
  const { fw, ips, ledger } = rig();
  await ips.decide(q("203.0.113.8"));
  fw.hold("delete");
  const unblocking = ips.unblock("203.0.113.8");
  await settle();
  const byHand = ips.blockByHand("203.0.113.8", 60).then(() => "blocked", (e) => (e as Error).message);
  await settle();
  ips.rails.setTrusted({ ips: ["203.0.113.8"], cidrs: [] });
  fw.release();
  await unblocking;
  assert.match(await byHand, /^Cannot block "203\.0\.113\.8": .*trusted/);
  assert.deepEqual(fw.machine.rules, []);
  assert.deepEqual(ledger.live(), []);
  ips.close();
});

Deno.test("Ips race: an alert sharing a decision that was refused in its turn is asked on its own terms", async () => {
  const { fw, ips } = rig({ config: { ml_confidence: 0.9 } });
  await ips.decide(q("203.0.113.9"));
  fw.hold("delete");
  const unblocking = ips.unblock("203.0.113.9");
  await settle();
  // a non-critical type the model calls a SYN flood at 92 %: it may block at 0.90 ...
  const byModel = ips.decide({
    ip: "203.0.113.9",
    type: "anomaly",
    label: "x",
    ml: { type: "syn_flood", confidence: 0.92 },
  });
  const critical = ips.decide(q("203.0.113.9"));
  // ... but the operator raises the bar while it waits for its turn
  await ips.setConfig(validateConfig({ ips: { enabled: true }, ml_confidence: 0.95 }));
  fw.release();
  await unblocking;
  assert.match((await byModel).note, /not a critical type/);
  assert.equal((await critical).action, "blocked", "the SYN flood is not answered by the model's refused question");
  ips.close();
});
