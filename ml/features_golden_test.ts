/**
 * Feature rows of the committed captures (tests/corpus and ml/captures) must not change unless the
 * feature code's version changes: the committed model was trained on them. Every capture runs through
 * the sensor's pipeline with the default detectors and the {@link FeatureExtractor}; a row is taken
 * where training and the sensor take them (a flow's sample points, a detection, a flow's end) and
 * hashed bit for bit. A second pass with tiny flow and host tables covers slot reuse and eviction.
 *
 * After an intended change of the features (a new FEATURE_VERSION), rewrite the digests with
 * `IDS_WRITE_GOLDEN=1 deno test -A ml/features_golden_test.ts` and commit `ml/features_golden.json`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { FileSource } from "../capture/file_source.ts";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import { createDetectors } from "../detectors/mod.ts";
import type { FlowTable } from "../flow/flow_table.ts";
import { Pipeline } from "../pipeline/pipeline.ts";
import { isSamplePoint } from "./extract.ts";
import { FEATURE_COUNT, FEATURE_VERSION, FeatureExtractor } from "./features.ts";

const here = dirname(fileURLToPath(import.meta.url));
const GOLDEN = join(here, "features_golden.json");
const DIRS = [join(here, "..", "tests", "corpus"), join(here, "captures")];

interface Golden {
  feature_version: number;
  /** `<pass>:<folder>/<file>` → `<rows>:<digest>` */
  digests: Record<string, string>;
}

/** Hashes Float32 rows bit for bit (two 32-bit lanes; a change detector, not a cryptographic hash). */
class RowHash {
  rows = 0;
  #a = 0x811c9dc5;
  #b = 0x9747b28c;
  #bits: Uint32Array;
  constructor(readonly row: Float32Array) {
    this.#bits = new Uint32Array(row.buffer, row.byteOffset, row.length);
  }
  add(tag: number): void {
    this.rows++;
    let a = Math.imul(this.#a ^ tag, 0x01000193), b = Math.imul(this.#b ^ tag, 0x5bd1e995);
    const x = this.#bits;
    for (let i = 0; i < x.length; i++) {
      a = Math.imul(a ^ x[i], 0x01000193);
      b = Math.imul((b ^ x[i]) + (b >>> 13), 0x5bd1e995);
    }
    this.#a = a;
    this.#b = b;
  }
  get digest(): string {
    return `${this.rows}:${(this.#a >>> 0).toString(16).padStart(8, "0")}${
      (this.#b >>> 0).toString(16).padStart(8, "0")
    }`;
  }
}

async function digestOf(path: string, maxFlows: number, maxHosts?: number): Promise<string> {
  const fx = new FeatureExtractor({ maxFlows, maxHosts });
  const h = new RowHash(new Float32Array(FEATURE_COUNT));
  const take = (flows: FlowTable, slot: number, tag: number) => {
    fx.write(flows, slot, h.row);
    h.add(tag);
  };
  const pipeline: Pipeline = new Pipeline({
    maxFlows,
    detectors: createDetectors(DEFAULT_CONFIG),
    emit: (d) => {
      if (d.flow >= 0) take(pipeline.flows, d.flow, 1);
    },
    observer: {
      onPacket(pkt, flows) {
        fx.onPacket(pkt, flows);
        const slot = pkt.flow;
        if (slot >= 0 && isSamplePoint(flows.packets(slot, 0) + flows.packets(slot, 1))) take(flows, slot, 2);
      },
      onFlowEnd(flows, slot) {
        take(flows, slot, 3);
      },
    },
  });
  await new FileSource(path).run(pipeline.handle);
  pipeline.finish();
  return `${h.digest}:${fx.hostEvictions}`;
}

function captures(): string[] {
  const out: string[] = [];
  for (const dir of DIRS) {
    for (const f of readdirSync(dir).sort()) if (/\.pcap(ng)?(\.gz)?$/.test(f)) out.push(join(dir, f));
  }
  return out;
}

const name = (p: string) => `${p.split("/").at(-2)}/${p.split("/").at(-1)}`;

Deno.test("features: rows of every committed capture are bit-identical to the golden digests", async () => {
  const digests: Record<string, string> = {};
  for (const p of captures()) {
    digests[`default:${name(p)}`] = await digestOf(p, 65536);
    // tiny tables: flow slots reused, hosts evicted all the time
    digests[`tiny:${name(p)}`] = await digestOf(p, 16, 3);
  }
  if (Deno.env.get("IDS_WRITE_GOLDEN") === "1") {
    const g: Golden = { feature_version: FEATURE_VERSION, digests };
    await Deno.writeTextFile(GOLDEN, JSON.stringify(g, null, 2) + "\n");
    console.log(`wrote ${GOLDEN} (${Object.keys(digests).length} digests)`);
    return;
  }
  const golden = JSON.parse(await Deno.readTextFile(GOLDEN)) as Golden;
  assert.equal(
    golden.feature_version,
    FEATURE_VERSION,
    "the feature code changed version: rewrite the digests (IDS_WRITE_GOLDEN=1, see module docs)",
  );
  const evicting = Object.entries(digests).filter(([k, v]) => k.startsWith("tiny:") && !v.endsWith(":0"));
  assert.ok(evicting.length > 5, "the tiny pass evicts hosts");
  assert.deepEqual(digests, golden.digests);
});
