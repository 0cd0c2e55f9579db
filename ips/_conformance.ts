/**
 * The conformance suite every {@link Blocker} backend passes (run by ips/conformance_test.ts against
 * nftables in a namespace, Windows Firewall on the fake machine, and the simulated backend).
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Blocker } from "./blocker.ts";

/** One backend under test. */
export interface BlockerHarness {
  /** A fresh blocker over an empty firewall. */
  blocker: Blocker;
  /** A new blocker over the same firewall, as a restarted `ids` makes it after the old one died. */
  restart(old: Blocker): Promise<Blocker>;
  /** Firewall commands run so far, for backends that run commands. */
  commandCount?: () => number;
  /** Removes everything the harness made. */
  cleanup(): Promise<void>;
}

/** Addresses that must never reach a command. */
export const HOSTILE_INPUTS: readonly string[] = [
  "1.2.3.4; rm -rf /",
  "1.2.3.4 -Action Allow",
  "0.0.0.0/0",
  "::/0",
  "1.2.3.4/32",
  "1.2.3.4 }\nflush ruleset",
  "1.2.3.4\n",
  " 1.2.3.4",
  "1.2.3.4,5.6.7.8",
  "10.0.0.1-10.0.0.9",
  "any",
  "localsubnet",
  "fe80::1%eth0",
  "[2001:db8::1]",
  "2001:db8::1 }",
  "example.com",
  "",
  "01.2.3.4",
  "$(reboot)",
  "`reboot`",
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function has(b: Blocker, ip: string): Promise<boolean> {
  return (await b.list()).some((x) => x.ip === ip);
}

/** Runs every conformance case as steps of `t`; each case gets a fresh harness. */
export async function blockerConformance(t: Deno.TestContext, make: () => Promise<BlockerHarness>): Promise<void> {
  const step = (name: string, fn: (h: BlockerHarness) => Promise<void>) =>
    t.step(name, async () => {
      const h = await make();
      try {
        await fn(h);
      } finally {
        h.blocker.close();
        await h.cleanup();
      }
    });

  await step("block lists the address with its expiry; unblock removes it", async ({ blocker }) => {
    assert.deepEqual(await blocker.list(), []);
    assert.equal(await blocker.unblock("198.51.100.7"), false, "unblocking on an untouched firewall is a no-op");
    const t0 = Date.now();
    await blocker.block("198.51.100.7", 60, "syn_flood");
    const list = await blocker.list();
    assert.equal(list.length, 1);
    assert.equal(list[0].ip, "198.51.100.7");
    assert.ok(Math.abs(list[0].expiresAt - (t0 + 60_000)) < 2_500, `expiry ${list[0].expiresAt - t0} ms`);
    assert.equal(await blocker.unblock("198.51.100.7"), true);
    assert.deepEqual(await blocker.list(), []);
    assert.equal(await blocker.unblock("198.51.100.7"), false);
  });

  await step("blocking again keeps one entry and restarts its time", async ({ blocker }) => {
    await blocker.block("198.51.100.8", 30, "port_scan");
    await blocker.block("198.51.100.8", 300, "port_scan");
    const list = await blocker.list();
    assert.equal(list.length, 1);
    assert.ok(list[0].expiresAt - Date.now() > 200_000, "the second, longer block wins");
    await blocker.block("198.51.100.8", 20, "port_scan");
    const again = await blocker.list();
    assert.equal(again.length, 1);
    assert.ok(again[0].expiresAt - Date.now() < 25_000, "a re-block sets the new time");
  });

  await step("IPv6 and IPv4-mapped addresses are blocked canonically", async ({ blocker }) => {
    await blocker.block("2001:DB8:0:0::5", 60, "sql_injection");
    await blocker.block("::ffff:203.0.113.9", 60, "exploit_probe");
    const ips = (await blocker.list()).map((b) => b.ip).sort();
    assert.deepEqual(ips, ["2001:db8::5", "203.0.113.9"]);
    assert.equal(await blocker.unblock("2001:db8::5"), true);
    assert.equal(await blocker.unblock("203.0.113.9"), true);
    assert.deepEqual(await blocker.list(), []);
  });

  await step("hostile strings are refused before any command runs", async (h) => {
    const before = h.commandCount?.();
    for (const bad of HOSTILE_INPUTS) {
      await assert.rejects(h.blocker.block(bad, 60, "x"), TypeError, JSON.stringify(bad));
      await assert.rejects(h.blocker.unblock(bad), TypeError, JSON.stringify(bad));
    }
    for (const seconds of [0, -1, 1.5, NaN, 31 * 86_400]) {
      await assert.rejects(h.blocker.block("198.51.100.9", seconds, "x"), RangeError, String(seconds));
    }
    assert.equal(h.commandCount?.(), before);
  });

  await step("a note with hostile bytes does not escape", async ({ blocker }) => {
    await blocker.block("198.51.100.10", 60, 'a" } ; flush ruleset ; -Action Allow\n');
    const [b] = await blocker.list();
    assert.equal(b.ip, "198.51.100.10");
    if (b.note !== undefined) assert.match(b.note, /^[A-Za-z0-9_.:-]*$/);
  });

  await step("blocks expire on their own", async ({ blocker }) => {
    await blocker.block("198.51.100.11", 1, "udp_flood");
    await blocker.block("198.51.100.12", 60, "udp_flood");
    assert.equal(await has(blocker, "198.51.100.11"), true);
    await sleep(2_300);
    assert.equal(await has(blocker, "198.51.100.11"), false);
    assert.equal(await has(blocker, "198.51.100.12"), true);
  });

  await step("after a crash, reconcile removes what expired and keeps the rest", async (h) => {
    await h.blocker.block("198.51.100.13", 1, "ddos");
    await h.blocker.block("198.51.100.14", 120, "ddos");
    h.blocker.close(); // the process dies: no unblock, no cleanup
    await sleep(1_600);
    const next = await h.restart(h.blocker);
    try {
      const result = await next.reconcile();
      assert.deepEqual(result.kept.map((b) => b.ip), ["198.51.100.14"]);
      assert.ok(result.kept[0].expiresAt - Date.now() > 100_000);
      assert.ok(!result.removed.includes("198.51.100.14"));
      assert.deepEqual((await next.list()).map((b) => b.ip), ["198.51.100.14"]);
      assert.equal(await next.unblock("198.51.100.14"), true);
    } finally {
      next.close();
    }
  });
}
