/**
 * The labelled real-tool corpus (tests/corpus/manifest.json) through the replay pipeline with
 * every detector on the default configuration: each attack scenario must be reported with its type
 * and attacker(s) (spoofed floods: `spoofed` against the victim), the victim must never be reported
 * as an attacker, and benign scenarios must raise nothing. A manifest that cannot be read fails.
 */
import assert from "node:assert/strict";
import { fileURLToPath, pathToFileURL } from "node:url";
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
  start?: string;
}

/** The corpus folder; `IDS_CORPUS_DIR` points elsewhere (e.g. a copy while the corpus is regenerated). */
const DIR = corpusDir();

function corpusDir(): URL {
  let env: string | undefined;
  try {
    env = Deno.env.get("IDS_CORPUS_DIR");
  } catch { /* no env permission */ }
  return env ? pathToFileURL(env.endsWith("/") ? env : `${env}/`) : new URL("../tests/corpus/", import.meta.url);
}

/**
 * The manifest's scenarios. A manifest that cannot be read or parsed, or a scenario whose capture is missing,
 * is a failing test (the corpus is committed), never a silently empty suite.
 */
function loadManifest(): { scenarios: Scenario[]; error?: string } {
  const where = new URL("manifest.json", DIR);
  let m: { scenarios?: unknown };
  try {
    m = JSON.parse(Deno.readTextFileSync(where));
  } catch (e) {
    return { scenarios: [], error: `Cannot read corpus manifest ${fileURLToPath(where)}: ${(e as Error).message}` };
  }
  if (!m || !Array.isArray(m.scenarios) || m.scenarios.length === 0) {
    return { scenarios: [], error: `Cannot read corpus manifest ${fileURLToPath(where)}: no "scenarios" list` };
  }
  const scenarios = m.scenarios as Scenario[];
  const missing = scenarios.filter((s) => {
    try {
      return !Deno.statSync(new URL(s.file, DIR)).isFile;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    return {
      scenarios,
      error: `Cannot read corpus: ${
        missing.map((s) => s.file).join(", ")
      } missing (regenerate: sudo bash tests/corpus/generate.sh)`,
    };
  }
  return { scenarios };
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
  await new FileSource(fileURLToPath(file)).run(p.handle);
  p.finish();
  return out;
}

const { scenarios, error } = loadManifest();

if (error !== undefined) {
  Deno.test("corpus: the manifest and every capture it names can be read", () => {
    throw new Error(error);
  });
}

for (const s of error === undefined ? scenarios : []) {
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

if (error === undefined && scenarios.length > 0) {
  Deno.test("corpus as a whole: one chronological replay of every capture blames only the attackers", async () => {
    const out: Detection[] = [];
    const cfg = DEFAULT_CONFIG;
    const p = new Pipeline({
      maxFlows: cfg.limits.max_flows,
      timeouts: cfg.flow_timeouts_s,
      detectors: createDetectors(cfg),
      emit: (d) => out.push(d),
    });
    const ordered = [...scenarios].sort((a, b) => String(a.start ?? "").localeCompare(String(b.start ?? "")));
    for (const s of ordered) await new FileSource(fileURLToPath(new URL(s.file, DIR))).run(p.handle);
    p.finish();
    const attackers = new Set(ordered.flatMap((s) => [...(s.attackers ?? []), ...(s.attacker ? [s.attacker] : [])]));
    const wrong = out.filter((d) => !d.spoofed && !attackers.has(ipToString(d.src)));
    assert.deepEqual(wrong.map((d) => `${d.type} ${ipToString(d.src)} -> ${ipToString(d.dst)} ${d.reason}`), []);
    for (const type of new Set(ordered.filter((s) => s.kind === "attack").map((s) => s.type))) {
      assert.ok(out.some((d) => d.type === type), `no ${type} in the whole-corpus replay`);
    }
  });
}
