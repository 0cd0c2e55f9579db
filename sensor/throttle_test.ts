import assert from "node:assert/strict";
import { AlertThrottle } from "./throttle.ts";

const S = 1_000_000; // µs per second

Deno.test("AlertThrottle allows one alert per source and type per interval", () => {
  const throttle = new AlertThrottle({ intervalS: 2 });
  const t0 = 1_700_000_000 * S;
  assert.ok(throttle.allow(0x0a4d0042, "syn_flood", t0));
  assert.equal(throttle.lastSuppressed, 0);
  assert.ok(!throttle.allow(0x0a4d0042, "syn_flood", t0 + 1));
  assert.ok(!throttle.allow(0x0a4d0042, "syn_flood", t0 + 2 * S - 1));
  assert.equal(throttle.suppressedFor(0x0a4d0042, "syn_flood"), 2);
  assert.ok(throttle.allow(0x0a4d0042, "port_scan", t0 + 1), "other type, own key");
  assert.ok(throttle.allow(0x0a4d0043, "syn_flood", t0 + 1), "other source, own key");
  assert.ok(throttle.allow(0x0a4d0042, "syn_flood", t0 + 2 * S), "allowed again after the interval");
  assert.equal(throttle.lastSuppressed, 2, "suppressed since the previous alert");
  assert.equal(throttle.suppressedFor(0x0a4d0042, "syn_flood"), 0);
  assert.ok(!throttle.allow(0x0a4d0042, "syn_flood", t0 + 3 * S));
  assert.equal(throttle.totalSuppressed, 3);
  assert.equal(throttle.totalAllowed, 4);
  assert.equal(throttle.size, 3);
});

Deno.test("AlertThrottle keys IPv6 sources and keeps them apart from IPv4", () => {
  const throttle = new AlertThrottle();
  assert.ok(throttle.allow("2001:db8::1", "ddos", 0));
  assert.ok(!throttle.allow("2001:db8::1", "ddos", S));
  assert.ok(throttle.allow("2001:db8::2", "ddos", S));
  assert.ok(throttle.allow(1, "ddos", S));
  assert.ok(throttle.allow("1", "ddos", S), "text key never collides with a number key");
});

Deno.test("AlertThrottle runs on packet time, not wall time", () => {
  const throttle = new AlertThrottle({ intervalS: 2 });
  // A replay at full speed: 100 detections 10 ms of packet time apart.
  let allowed = 0;
  for (let i = 0; i < 1000; i++) if (throttle.allow(7, "udp_flood", i * 10_000)) allowed++;
  assert.equal(allowed, 5, "10 s of packet time gives 5 alerts at a 2 s interval");
});

Deno.test("AlertThrottle treats a jump back in packet time as a new period", () => {
  const throttle = new AlertThrottle({ intervalS: 2 });
  assert.ok(throttle.allow(7, "syn_flood", 1_000 * S));
  assert.ok(!throttle.allow(7, "syn_flood", 999 * S), "small reordering stays suppressed");
  assert.ok(throttle.allow(7, "syn_flood", 10 * S), "an older capture replayed later alerts");
});

Deno.test("AlertThrottle with interval 0 lets everything through", () => {
  const throttle = new AlertThrottle({ intervalS: 0 });
  for (let i = 0; i < 10; i++) assert.ok(throttle.allow(7, "syn_flood", 5));
  assert.equal(throttle.totalSuppressed, 0);
});

Deno.test("AlertThrottle interval can change on config reload", () => {
  const throttle = new AlertThrottle({ intervalS: 2 });
  assert.ok(throttle.allow(7, "syn_flood", 0));
  assert.ok(!throttle.allow(7, "syn_flood", 3 * S / 2));
  throttle.intervalS = 1;
  assert.equal(throttle.intervalS, 1);
  assert.ok(throttle.allow(7, "syn_flood", 3 * S / 2));
  assert.throws(
    () => (throttle.intervalS = -1),
    /Cannot set alert interval: must be a number of seconds ≥ 0 \(got -1\)/,
  );
});

Deno.test("AlertThrottle stays bounded under 1e6 distinct sources", () => {
  const throttle = new AlertThrottle({ intervalS: 2, maxEntries: 10_000 });
  let allowed = 0;
  let maxSize = 0;
  for (let i = 0; i < 1_000_000; i++) {
    if (throttle.allow((0x0a000000 + i) >>> 0, "syn_flood", i)) allowed++;
    if ((i & 1023) === 0) maxSize = Math.max(maxSize, throttle.size);
  }
  assert.equal(allowed, 1_000_000, "every new source alerts once");
  assert.ok(maxSize <= 10_000 && throttle.size <= 10_000, `size ${throttle.size}`);
  assert.ok(throttle.size >= 5_000, "at least half the bound is kept");
  assert.equal(throttle.evicted, 1_000_000 - throttle.size);
  // The most recent sources are remembered, the oldest were evicted.
  assert.ok(!throttle.allow((0x0a000000 + 999_999) >>> 0, "syn_flood", 1_000_000));
  assert.ok(throttle.allow(0x0a000000, "syn_flood", 1_000_000), "evicted key alerts again");
  assert.ok(throttle.size <= 10_000);
});

Deno.test("AlertThrottle default bound holds for 1e6 IPv6 sources", () => {
  const throttle = new AlertThrottle();
  assert.equal(throttle.maxEntries, 65_536);
  for (let i = 0; i < 1_000_000; i++) {
    throttle.allow(`2001:db8::${(i & 0xffff).toString(16)}:${(i >>> 16).toString(16)}`, "ddos", i);
    if (throttle.size > 65_536) assert.fail(`size ${throttle.size} after ${i}`);
  }
});

Deno.test("AlertThrottle keeps a key that is seen often, even while suppressed", () => {
  const throttle = new AlertThrottle({ intervalS: 10, maxEntries: 100 });
  assert.ok(throttle.allow(1, "syn_flood", 0));
  for (let i = 0; i < 10_000; i++) {
    throttle.allow(1000 + i, "syn_flood", i); // a churn of one-off sources
    if (i % 10 === 0) assert.ok(!throttle.allow(1, "syn_flood", i), `attacker still throttled at ${i}`);
  }
});

Deno.test("AlertThrottle evicts the least recently seen keys", () => {
  const throttle = new AlertThrottle({ intervalS: 1, maxEntries: 2 });
  assert.ok(throttle.allow(1, "ddos", 0));
  assert.ok(throttle.allow(2, "ddos", 0));
  assert.ok(throttle.allow(1, "ddos", 2 * S), "key 1 alerts again and becomes the newest");
  assert.ok(throttle.allow(3, "ddos", 2 * S), "key 2 is evicted");
  assert.ok(!throttle.allow(1, "ddos", 2 * S + 1), "key 1 is still remembered");
  assert.ok(throttle.allow(2, "ddos", 2 * S + 1), "key 2 was forgotten");
});

Deno.test("AlertThrottle.prune() forgets expired keys", () => {
  const throttle = new AlertThrottle({ intervalS: 1 });
  throttle.allow(1, "ddos", 0);
  throttle.allow(2, "ddos", S / 2);
  throttle.allow(3, "ddos", 2 * S);
  assert.equal(throttle.prune(2 * S), 2);
  assert.equal(throttle.size, 1);
  throttle.clear();
  assert.equal(throttle.size, 0);
  assert.equal(throttle.totalAllowed, 0);
});

Deno.test("AlertThrottle refuses bad options and types", () => {
  assert.throws(() => new AlertThrottle({ maxEntries: 0 }), RangeError);
  assert.throws(() => new AlertThrottle({ intervalS: Number.NaN }), RangeError);
  assert.throws(
    () => new AlertThrottle().allow(1, "nope" as "ddos", 0),
    /Cannot throttle alert: unknown attack type "nope"/,
  );
});

Deno.test("an escalation (more severe alert) passes the throttle; the same or lower severity does not", () => {
  const t = new AlertThrottle({ intervalS: 2 });
  assert.equal(t.allow(1, "exploit_probe", 0, 3), true);
  assert.equal(t.allow(1, "exploit_probe", 100_000, 3), false);
  assert.equal(t.allow(1, "exploit_probe", 200_000, 1), true);
  assert.equal(t.allow(1, "exploit_probe", 300_000, 1), false);
  assert.equal(t.allow(1, "exploit_probe", 400_000, 2), false);
  assert.equal(t.allow(1, "exploit_probe", 2_300_000, 3), true);
});
