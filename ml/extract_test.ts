import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ddosWindow, labeller, type Scenario, senderSpans } from "./extract.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

function ip(s: string): number {
  return s.split(".").reduce((a, o) => a * 256 + Number(o), 0);
}

Deno.test("ddosWindow: from the second source's first packet to the second-to-last one's last", () => {
  const spans = new Map([
    ["10.0.0.1", { firstUs: 100, lastUs: 900 }],
    ["10.0.0.2", { firstUs: 300, lastUs: 700 }],
    ["10.0.0.3", { firstUs: 200, lastUs: 1000 }],
  ]);
  assert.deepEqual(ddosWindow(["10.0.0.1", "10.0.0.2", "10.0.0.3"], spans), [200, 900]);
  assert.equal(ddosWindow(["10.0.0.1", "10.0.0.9"], spans), undefined, "one sender is no DDoS");
});

Deno.test("labeller: a DDoS bot sending alone (before the others start) gets no label; together they are ddos", async () => {
  const manifest = JSON.parse(await Deno.readTextFile(join(ROOT, "tests/corpus/manifest.json"))) as {
    scenarios: Scenario[];
  };
  const sc = manifest.scenarios.find((s) => s.name === "http_flood")!;
  const path = join(ROOT, "tests/corpus", sc.file);
  const spans = await senderSpans(path, sc.victim!);
  const bots = sc.attackers!;
  const w = ddosWindow(bots, spans)!;
  assert.ok(w !== undefined && w[1] > w[0]);
  // the bot that started first ran alone for a while (ab from three hosts, started one after the other)
  const first = [...bots].sort((a, b) => spans.get(a)!.firstUs - spans.get(b)!.firstUs)[0];
  const alone = spans.get(first)!.firstUs;
  assert.ok(alone < w[0], "the capture has a single-bot stretch");
  const label = labeller(sc, spans);
  const victim = ip(sc.victim!);
  assert.equal(label(ip(first), victim, alone), undefined);
  assert.equal(label(ip(first), victim, (w[0] + w[1]) / 2), "ddos");
  assert.equal(label(ip("10.77.1.10"), victim, (w[0] + w[1]) / 2), "normal", "another host is normal");
  // without spans (e.g. a feedback scenario) the manifest window alone decides, as before
  assert.equal(labeller(sc)(ip(first), victim, alone), "ddos");
});
