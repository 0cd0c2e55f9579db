/**
 * The labelled real-tool corpus (tests/corpus/manifest.json) through the replay pipeline with
 * every detector on the default configuration: each attack scenario must be reported with its type
 * and attacker(s) (spoofed floods: `spoofed` against the victim), the victim must never be reported
 * as an attacker, and benign scenarios must raise nothing. Skipped when the corpus is absent.
 */
import assert from "node:assert/strict";
import { FileSource } from "../capture/file_source.ts";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import { ipToString } from "../decode/packet.ts";
import { Pipeline } from "../pipeline/pipeline.ts";
import type { Detection } from "./detection.ts";
import { createDetectors } from "./mod.ts";

interface Scenario {
  name: string;
  file: string;
  kind: "attack" | "benign";
  type?: string;
  attacker?: string | null;
  attackers?: string[];
  victim: string;
  spoofed: boolean;
}

/** The corpus folder; `IDS_CORPUS_DIR` points elsewhere (e.g. a copy while the corpus is regenerated). */
const DIR = corpusDir();

function corpusDir(): URL {
  let env: string | undefined;
  try {
    env = Deno.env.get("IDS_CORPUS_DIR");
  } catch { /* no env permission */ }
  return env ? new URL(`file://${env.endsWith("/") ? env : `${env}/`}`) : new URL("../tests/corpus/", import.meta.url);
}

function loadManifest(): Scenario[] {
  try {
    const m = JSON.parse(Deno.readTextFileSync(new URL("manifest.json", DIR)));
    return (m.scenarios as Scenario[]).filter((s) => {
      try {
        return Deno.statSync(new URL(s.file, DIR)).isFile;
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}

async function replay(file: URL): Promise<Detection[]> {
  const out: Detection[] = [];
  const cfg = DEFAULT_CONFIG;
  const p = new Pipeline({
    maxFlows: cfg.limits.max_flows,
    timeouts: cfg.flow_timeouts_s,
    detectors: createDetectors(cfg),
    emit: (d) => out.push(d),
  });
  await new FileSource(file.pathname).run(p.handle);
  p.finish();
  return out;
}

const scenarios = loadManifest();

for (const s of scenarios) {
  Deno.test(`corpus ${s.name}: ${s.kind === "attack" ? `${s.type} detected` : "silent"}`, async () => {
    const dets = await replay(new URL(s.file, DIR));
    const show = (d: Detection) => `${d.type} ${ipToString(d.src)} -> ${ipToString(d.dst)} ${d.reason}`;
    if (s.kind === "benign") {
      assert.deepEqual(dets.map(show), [], `${s.name}: benign traffic raised detections`);
      return;
    }
    const mine = dets.filter((d) => d.type === s.type);
    assert.ok(mine.length > 0, `${s.name}: no ${s.type} detection; got ${JSON.stringify(dets.map(show))}`);
    assert.ok(dets.every((d) => ipToString(d.src) !== s.victim), `${s.name}: the victim was reported as attacker`);
    if (s.spoofed) {
      assert.ok(mine.some((d) => d.spoofed && ipToString(d.dst) === s.victim), `${s.name}: no spoofed detection`);
      return;
    }
    const attackers = s.attackers ?? (s.attacker ? [s.attacker] : []);
    for (const a of attackers) {
      assert.ok(
        mine.some((d) => ipToString(d.src) === a && ipToString(d.dst) === s.victim),
        `${s.name}: ${a} not reported; got ${JSON.stringify(mine.map(show))}`,
      );
    }
  });
}

if (scenarios.length === 0) {
  Deno.test({ name: "corpus: not generated (sudo bash tests/corpus/generate.sh)", ignore: true, fn() {} });
}
