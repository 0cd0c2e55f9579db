import assert from "node:assert/strict";
import { Harness, ip, MS, SEC, T0, testConfig } from "./_test_packets.ts";
import { IcmpFloodDetector } from "./icmp_flood.ts";

const ATK = ip("10.77.0.66"), SRV = ip("10.77.0.1"), CLI = ip("10.77.0.2");

function harness(patch = {}) {
  return new Harness(new IcmpFloodDetector(testConfig(patch)));
}

/** Echo requests from `src` to `dst`, each answered by an echo reply. */
function pings(
  h: Harness,
  t: number,
  n: number,
  gapUs: number,
  src: number | string = ATK,
  dst: number | string = SRV,
) {
  const v6 = typeof src === "string";
  for (let i = 0; i < n; i++) {
    h.icmp(t + i * gapUs, src, dst, v6 ? 128 : 8);
    h.icmp(t + i * gapUs + 40, dst, src, v6 ? 129 : 0);
  }
}

Deno.test("icmp_flood: source_threshold-1 echo requests are silent, source_threshold fire", () => {
  const h = harness();
  pings(h, T0, 199, 4 * MS);
  assert.equal(h.of().length, 0);
  const h2 = harness();
  pings(h2, T0, 200, 4 * MS);
  const d = h2.of("icmp_flood");
  assert.equal(d.length, 1);
  assert.equal(d[0].src, ATK);
  assert.equal(d[0].dst, SRV);
  assert.match(d[0].reason, /^200 ICMP echo requests from one source in 1 s$/);
});

Deno.test("icmp_flood: hping3 -1 -i u200 fires on the sender; the answering victim is never the attacker", () => {
  const h = harness();
  pings(h, T0, 5000, 200);
  const d = h.of("icmp_flood");
  assert.ok(d.length >= 1 && d.length <= 2, `got ${d.length}`);
  for (const x of d) {
    assert.equal(x.src, ATK);
    assert.equal(x.dst, SRV);
  }
});

Deno.test("icmp_flood: errors (port unreachable) sent by a victim are never counted", () => {
  const h = harness();
  for (let i = 0; i < 5000; i++) h.icmp(T0 + i * 200, SRV, ATK, 3, 3);
  for (let i = 0; i < 5000; i++) h.icmp(T0 + i * 200, "fd77::1", "fd77::66", 1, 4);
  assert.equal(h.of().length, 0);
});

Deno.test("icmp_flood: normal ping and window expiry are silent", () => {
  const h = harness();
  pings(h, T0, 60, SEC, CLI); // ping: 1/s
  pings(h, T0 + 100 * SEC, 400, 6 * MS); // 166/s for 2.4 s
  assert.equal(h.of().length, 0);
});

Deno.test("icmp_flood: many sources to one destination fire per destination", () => {
  const h = harness();
  const bots = [1, 2, 3, 4].map((i) => ip(`10.77.1.${i}`));
  for (let i = 0; i < 300; i++) h.icmp(T0 + i * 3 * MS, bots[i % 4], SRV);
  const d = h.of("icmp_flood");
  assert.equal(d.length, 1);
  assert.ok(bots.includes(d[0].src as number));
  assert.equal(d[0].dst, SRV);
});

Deno.test("icmp_flood: IPv6 echo flood and trusted sources", () => {
  const h = harness();
  pings(h, T0, 1000, 500, "fd77::66", "fd77::1");
  const d = h.of("icmp_flood");
  assert.ok(d.length >= 1);
  assert.equal(d[0].src, "fd77::66");
  const h2 = harness({ icmp_flood: { use_trusted: true }, trusted_cidrs: ["fd77::/16"] });
  pings(h2, T0, 1000, 500, "fd77::66", "fd77::1");
  assert.equal(h2.of().length, 0);
});
