import assert from "node:assert/strict";
import { Harness, ip, SEC, T0, testConfig } from "./_test_packets.ts";
import { UdpFloodDetector } from "./udp_flood.ts";

const ATK = ip("10.77.0.66"), SRV = ip("10.77.0.1"), CLI = ip("10.77.0.2");

function harness(patch = {}) {
  return new Harness(new UdpFloodDetector(testConfig(patch)));
}

/** hping3 --udp style: a new source port per packet, optional ICMP port-unreachable answers. */
function hping(
  h: Harness,
  t: number,
  n: number,
  gapUs: number,
  opts: { src?: number | string; unreach?: boolean } = {},
) {
  const src = opts.src ?? ATK;
  for (let i = 0; i < n; i++) {
    h.udp(t + i * gapUs, src, SRV, [2000 + (i % 60000), 53]);
    if (opts.unreach) h.icmp(t + i * gapUs + 30, SRV, src, 3, 3);
  }
}

Deno.test("udp_flood: source_threshold-1 unanswered packets are silent, source_threshold fire", () => {
  const h = harness();
  hping(h, T0, 499, 1800);
  assert.equal(h.of().length, 0);
  const h2 = harness();
  hping(h2, T0, 500, 1800);
  const d = h2.of("udp_flood");
  assert.equal(d.length, 1);
  assert.equal(d[0].src, ATK);
  assert.equal(d[0].dst, SRV);
  assert.equal(d[0].dstPort, 53);
  assert.match(d[0].reason, /^500 unanswered UDP packets from one source in 1 s$/);
});

Deno.test("udp_flood: hping3 --udp -i u200 -c 5000 with port-unreachable answers fires; victim never the attacker", () => {
  const h = harness();
  hping(h, T0, 5000, 200, { unreach: true });
  const d = h.of("udp_flood");
  assert.ok(d.length >= 1 && d.length <= 2, `got ${d.length}`);
  for (const x of d) assert.equal(x.src, ATK);
});

Deno.test("udp_flood: 300 answered DNS queries in 2 s are silent, so is a 1000-query burst answered in 1 ms", () => {
  const h = harness();
  for (let i = 0; i < 300; i++) h.query(T0 + i * 6666, CLI, SRV, [30000 + i, 53], 800);
  for (let i = 0; i < 1000; i++) h.query(T0 + 5 * SEC + i * 500, CLI, SRV, [40000 + i, 53], 1000);
  assert.equal(h.of().length, 0);
});

Deno.test("udp_flood: many sources to one destination fire per destination", () => {
  const h = harness();
  const bots = [1, 2, 3, 4, 5].map((i) => ip(`10.77.1.${i}`));
  for (let i = 0; i < 600; i++) h.udp(T0 + i * 1500, bots[i % 5], SRV, [3000 + i, 9999]);
  const d = h.of("udp_flood");
  assert.equal(d.length, 1);
  assert.ok(bots.includes(d[0].src as number));
  assert.match(d[0].reason, /from 5 sources to one host/);
});

Deno.test("udp_flood: spoofed random sources are flagged", () => {
  const h = harness();
  for (let i = 0; i < 2000; i++) h.udp(T0 + i * 300, (0x0c000000 + i * 104729) >>> 0, SRV, [1024 + i, 80]);
  const d = h.of("udp_flood");
  assert.ok(d.length >= 1);
  assert.equal(d[0].spoofed, true);
  assert.equal(d[0].dst, SRV);
});

Deno.test("udp_flood: window expiry and multicast streams", () => {
  const h = harness();
  hping(h, T0, 1000, 2500); // 400 packets/s for 2.5 s
  for (let i = 0; i < 3000; i++) h.udp(T0 + i * 200, CLI, ip("239.1.1.1"), [5004, 5004]);
  assert.equal(h.of().length, 0);
});

Deno.test("udp_flood: IPv6 and trusted sources", () => {
  const h = harness();
  hping(h, T0, 800, 500, { src: "fd77::66" });
  // destination SRV is IPv4 in hping(); use a v6 pair explicitly too
  for (let i = 0; i < 800; i++) h.udp(T0 + 2 * SEC + i * 500, "fd77::67", "fd77::1", [4000 + i, 53]);
  const d = h.of("udp_flood");
  assert.equal(d.length, 2);
  assert.equal(d[1].src, "fd77::67");
  assert.equal(d[1].dst, "fd77::1");
  const h2 = harness({ udp_flood: { use_trusted: true }, trusted_ips: ["10.77.0.66"] });
  hping(h2, T0, 2000, 200);
  assert.equal(h2.of().length, 0);
});

Deno.test("udp_flood: a one-way stream from one socket with a constant header and varied content is not a flood", () => {
  const h = harness();
  // ~900 syslog messages per second for 3 s, never answered
  for (let i = 0; i < 2700; i++) {
    h.udp(
      T0 + i * 1111,
      CLI,
      SRV,
      [41000, 514],
      `<13>Nov 29 21:49:0${i % 10} app[${i}]: request ${i * 7} took ${i % 97} ms`,
    );
  }
  assert.deepEqual(h.of().map((d) => d.reason), []);
  // the same rate of identical datagrams from one socket is a flood
  const h2 = harness();
  for (let i = 0; i < 2700; i++) h2.udp(T0 + i * 1111, ATK, SRV, [41000, 514], "XXXXXXXXXXXXXXXX");
  assert.ok(h2.of("udp_flood").length >= 1);
  // and so is random content (the first byte changes)
  const h3 = harness();
  for (let i = 0; i < 2700; i++) {
    h3.udp(T0 + i * 1111, ATK, SRV, [41000, 9999], String.fromCharCode(33 + (i * 37) % 90) + "abc" + i);
  }
  assert.ok(h3.of("udp_flood").length >= 1);
});

Deno.test("udp_flood: a query flood is a flood even when every query is answered", () => {
  const h = harness();
  for (let i = 0; i < 4000; i++) h.query(T0 + i * 250, ATK, SRV, [1024 + (i % 60000), 53], 100);
  const d = h.of("udp_flood");
  assert.ok(d.length >= 1);
  assert.equal(d[0].src, ATK);
  assert.match(d[0].reason, /^2000 UDP requests from one source to one host in 1 s/);
});
