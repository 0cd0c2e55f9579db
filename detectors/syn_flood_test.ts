import assert from "node:assert/strict";
import { F, Harness, ip, MS, SEC, T0, testConfig } from "./_test_packets.ts";
import { SynFloodDetector } from "./syn_flood.ts";

const ATK = ip("10.77.0.66"), SRV = ip("10.77.0.1"), CLI = ip("10.77.0.2");

function harness(patch = {}) {
  return new Harness(new SynFloodDetector(testConfig(patch)));
}

/** `n` SYNs from `src` to `dst:80`, one every `gapUs`, each on a new source port. */
function syns(h: Harness, t: number, n: number, opts: { src?: unknown; gapUs?: number; port?: number } = {}) {
  const src = (opts.src ?? ATK) as number | string;
  for (let i = 0; i < n; i++) h.tcp(t + i * (opts.gapUs ?? 20 * MS), src, SRV, [20000 + i, opts.port ?? 80], F.S);
}

Deno.test("syn_flood: threshold-1 half-open SYNs are silent, threshold fire", () => {
  const h = harness();
  syns(h, T0, 9);
  h.flush();
  assert.equal(h.of("syn_flood").length, 0);

  const h2 = harness();
  syns(h2, T0, 10);
  h2.flush();
  const d = h2.of("syn_flood");
  assert.equal(d.length, 1);
  assert.equal(d[0].src, ATK);
  assert.equal(d[0].dst, SRV);
  assert.equal(d[0].dstPort, 80);
  assert.equal(d[0].severity, 1);
  assert.equal(d[0].spoofed, undefined);
  assert.match(d[0].reason, /^10 SYN without handshake in 0\.5 s$/);
});

Deno.test("syn_flood: fires on a later packet once the grace period passed, with that packet's time", () => {
  const h = harness();
  syns(h, T0, 12, { gapUs: 10 * MS });
  for (let i = 0; i < 12; i++) h.tcp(T0 + i * 10 * MS + 100, SRV, ATK, [80, 20000 + i], F.RA); // refused
  assert.equal(h.of().length, 0); // not judged yet
  h.icmp(T0 + 2 * SEC, CLI, SRV);
  const d = h.of("syn_flood");
  assert.equal(d.length, 1);
  assert.equal(d[0].tsUs, T0 + 2 * SEC);
});

Deno.test("syn_flood: SYNs nobody answers wait for their handshake up to 4 s, then count at their own rate", () => {
  const h = harness();
  syns(h, T0, 12, { gapUs: 10 * MS });
  h.icmp(T0 + 2 * SEC, CLI, SRV);
  assert.equal(h.of().length, 0, "an unanswered SYN may still complete (backlog full, SYN retried)");
  h.icmp(T0 + 5 * SEC, CLI, SRV);
  const d = h.of("syn_flood");
  assert.equal(d.length, 1);
  assert.equal(d[0].tsUs, T0 + 5 * SEC);
  assert.match(d[0].reason, /^10 SYN without handshake in 0\.5 s$/);
});

Deno.test("syn_flood: a load test whose SYNs are dropped, retried and then complete within 3.1 s is silent", () => {
  const h = harness();
  // 200 connections at once; the listen backlog takes 20, the rest are retried after 1 s and 3 s
  for (let i = 0; i < 200; i++) h.tcp(T0 + i * 10, CLI, SRV, [30000 + i, 80], F.S);
  const done = (i: number, t: number) => {
    h.tcp(t, SRV, CLI, [80, 30000 + i], F.SA);
    h.tcp(t + 100, CLI, SRV, [30000 + i, 80], F.A);
  };
  for (let i = 0; i < 20; i++) done(i, T0 + 3 * MS + i * 10);
  for (let i = 20; i < 200; i++) h.tcp(T0 + SEC + i * 10, CLI, SRV, [30000 + i, 80], F.S);
  for (let i = 20; i < 100; i++) done(i, T0 + SEC + 3 * MS + i * 10);
  for (let i = 100; i < 200; i++) h.tcp(T0 + 3 * SEC + i * 10, CLI, SRV, [30000 + i, 80], F.S);
  for (let i = 100; i < 200; i++) done(i, T0 + 3.1 * SEC + i * 10);
  h.flush();
  assert.deepEqual(h.of().map((d) => d.reason), []);
});

Deno.test("syn_flood: connections whose handshakes complete are not counted", () => {
  const h = harness();
  // 30 connections opened in parallel within 3 ms; each completes 2 ms later
  for (let i = 0; i < 30; i++) h.tcp(T0 + i * 100, CLI, SRV, [30000 + i, 443], F.S);
  for (let i = 0; i < 30; i++) {
    h.tcp(T0 + 3 * MS + i * 100, SRV, CLI, [443, 30000 + i], F.SA);
    h.tcp(T0 + 4 * MS + i * 100, CLI, SRV, [30000 + i, 443], F.A);
  }
  // and 10 sequential sessions
  let t = T0 + 10 * MS;
  for (let i = 0; i < 10; i++) t = h.session(t + MS, CLI, SRV, { ports: [31000 + i, 80] });
  h.flush();
  assert.equal(h.of().length, 0);
});

Deno.test("syn_flood: SYNs spread beyond the window are silent", () => {
  const h = harness();
  syns(h, T0, 40, { gapUs: 120 * MS }); // ~4-5 per 0.5 s
  h.flush();
  assert.equal(h.of().length, 0);
});

Deno.test("syn_flood: retransmitted SYNs of one flow count", () => {
  const h = harness();
  for (let i = 0; i < 10; i++) h.tcp(T0 + i * 40 * MS, ATK, SRV, [5555, 80], F.S);
  h.flush();
  assert.equal(h.of("syn_flood").length, 1);
});

Deno.test("syn_flood: answers of the victim (SYN-ACK, RST) never count and never make it the attacker", () => {
  const h = harness();
  for (let i = 0; i < 200; i++) {
    const t = T0 + i * MS;
    h.tcp(t, ATK, SRV, [20000 + i, 80], F.S);
    h.tcp(t + 100, SRV, ATK, [80, 20000 + i], i % 2 ? F.SA : F.RA);
  }
  h.flush();
  const d = h.of();
  assert.ok(d.length >= 1);
  for (const x of d) {
    assert.equal(x.src, ATK);
    assert.equal(x.dst, SRV);
  }
});

Deno.test("syn_flood: SYNs to many ports are a scan, not a flood", () => {
  const h = harness();
  for (let i = 0; i < 100; i++) h.tcp(T0 + i * MS, ATK, SRV, [40000, 1 + i], F.S);
  h.flush();
  assert.equal(h.of().length, 0);
});

Deno.test("syn_flood: SYNs to one port on many hosts are a sweep, not a flood; a flood on two hosts still fires", () => {
  const h = harness();
  for (let i = 0; i < 40; i++) h.tcp(T0 + i * MS, ATK, ip(`10.77.1.${100 + i}`), [40000 + i, 22], F.S);
  h.flush();
  assert.equal(h.of().length, 0);
  const two = harness();
  for (let i = 0; i < 40; i++) two.tcp(T0 + i * MS, ATK, ip(`10.77.1.${100 + (i % 2)}`), [40000 + i, 80], F.S);
  two.flush();
  assert.equal(two.of("syn_flood").length, 1);
});

Deno.test("syn_flood: a flood with a few decoy SYNs to other hosts or ports is still a flood", () => {
  // 2,000 SYN/s to one open port that answers each with a SYN-ACK, and now and then one SYN to each of
  // nine other hosts (or closed ports of the victim): the decoys alone make 5+ hosts (ports) in the window
  for (const spread of ["hosts", "ports"] as const) {
    const h = harness();
    for (let i = 0; i < 2000; i++) {
      const t = T0 + i * 500;
      h.tcp(t, ATK, SRV, [20000 + i, 80], F.S);
      h.tcp(t + 100, SRV, ATK, [80, 20000 + i], F.SA);
      if (i % 100 === 0) {
        for (let k = 0; k < 9; k++) {
          const to = spread === "hosts" ? ip(`10.77.1.${10 + k}`) : SRV;
          const port = spread === "hosts" ? 80 : 1 + k;
          h.tcp(t + 200, ATK, to, [30000 + i + k, port], F.S);
          h.tcp(t + 300, to, ATK, [port, 30000 + i + k], F.RA); // closed: reset at once
        }
      }
    }
    h.flush();
    const d = h.of("syn_flood");
    assert.ok(d.length >= 1, spread);
    assert.ok(d.every((x) => x.src === ATK && x.spoofed === undefined), spread);
  }
});

Deno.test("syn_flood: one target's SYNs before the window do not make a later scan a flood", () => {
  // a wait-for-port loop (10 refused SYNs/s to one port: silent on its own), then a scan of 100 closed ports
  const db = ip("10.77.0.1"), scanned = ip("10.77.0.9");
  const h = harness();
  const evs: [number, () => void][] = [];
  let sp = 30000;
  for (let t = T0; t < T0 + 6 * SEC; t += 100 * MS) {
    const s = sp++;
    evs.push([t, () => h.tcp(t, ATK, db, [s, 5432], F.S)], [t + 200, () => h.tcp(t + 200, db, ATK, [5432, s], F.RA)]);
  }
  for (let p = 1; p <= 100; p++) {
    const t = T0 + 3 * SEC + 330 * MS + p * 5 * MS;
    evs.push([t, () => h.tcp(t, ATK, scanned, [40000, p], F.S)]);
    evs.push([t + 200, () => h.tcp(t + 200, scanned, ATK, [p, 40000], F.RA)]);
  }
  for (const [, send] of evs.sort((a, b) => a[0] - b[0])) send();
  h.tcp(T0 + 9 * SEC, scanned, ATK, [1, 1], F.RA);
  h.flush();
  assert.deepEqual(h.of("syn_flood"), []);
});

Deno.test("syn_flood: SYNs judged late (unanswered, held 4 s) do not restart the vote of a flood with decoys", () => {
  // the flood of the test above, plus one SYN in 5 to a host that drops them: judged 4 s late at their own time
  const h = harness();
  let dp = 50000;
  for (let i = 0; i < 20000; i++) {
    const t = T0 + i * 500;
    h.tcp(t, ATK, SRV, [10000 + i, 80], F.S);
    h.tcp(t + 100, SRV, ATK, [80, 10000 + i], F.SA);
    if (i % 100 === 0) {
      const to = ip(`10.77.1.${10 + ((i / 100) % 9)}`);
      h.tcp(t + 200, ATK, to, [dp, 80], F.S);
      h.tcp(t + 300, to, ATK, [80, dp++], F.RA);
    }
    if (i % 5 === 0) h.tcp(t + 250, ATK, ip("10.77.2.1"), [dp++, 81], F.S);
  }
  h.flush();
  // reported in every second of the 10 s flood, also after the held SYNs began to be judged (4 s in)
  const seconds = new Set(h.of("syn_flood").map((d) => Math.floor((d.tsUs - T0) / SEC)));
  for (let s = 1; s < 10; s++) assert.ok(seconds.has(s), `second ${s}: ${[...seconds]}`);
});

Deno.test("syn_flood: random spoofed sources fire per destination with spoofed: true", () => {
  const h = harness();
  for (let i = 0; i < 300; i++) h.tcp(T0 + i * MS, (0x0b000000 + i * 7919) >>> 0, SRV, [1024 + i, 80], F.S);
  h.flush();
  const d = h.of("syn_flood");
  assert.ok(d.length >= 1);
  assert.equal(d[0].spoofed, true);
  assert.equal(d[0].dst, SRV);
  assert.match(d[0].reason, /sources to one host/);
});

Deno.test("syn_flood: emits at most once per window per source", () => {
  const h = harness();
  syns(h, T0, 1000, { gapUs: 1 * MS }); // 1 s of flood
  h.flush();
  const d = h.of("syn_flood");
  assert.ok(d.length >= 1 && d.length <= 3, `got ${d.length}`);
});

Deno.test("syn_flood: trusted sources are skipped when use_trusted", () => {
  const trusted = ip("104.16.0.9");
  const h = harness({ syn_flood: { use_trusted: true } });
  syns(h, T0, 50, { src: trusted });
  h.flush();
  assert.equal(h.of().length, 0);
  const h2 = harness();
  syns(h2, T0, 50, { src: trusted });
  h2.flush();
  assert.equal(h2.of().length, 1);
});

Deno.test("syn_flood: IPv6", () => {
  const h = harness();
  for (let i = 0; i < 20; i++) h.tcp(T0 + i * MS, "fd77::66", "fd77::1", [20000 + i, 80], F.S);
  h.flush();
  const d = h.of("syn_flood");
  assert.equal(d.length, 1);
  assert.equal(d[0].src, "fd77::66");
  assert.equal(d[0].dst, "fd77::1");
});

Deno.test("syn_flood: configure applies a new threshold live", () => {
  const det = new SynFloodDetector(testConfig());
  const h = new Harness(det);
  det.configure(testConfig({ syn_flood: { threshold: 30 } }));
  syns(h, T0, 20, { gapUs: 10 * MS });
  h.flush();
  assert.equal(h.of().length, 0);
  det.configure(testConfig({ syn_flood: { enabled: false } }));
  syns(h, T0 + 10 * SEC, 100, { gapUs: 1 * MS });
  h.flush();
  assert.equal(h.of().length, 0);
});
