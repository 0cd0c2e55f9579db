import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_VERSION } from "../ml/features.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const MODELS = join(ROOT, "models");

/** Runs the real CLI (`deno run main.ts model info …`) in a child process. */
async function ids(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "main.ts"), "model", "info", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

interface Meta {
  classes: string[];
  features: string[];
  created: string;
  data: { sha256: string; rows: number; test_files: string[] };
  metrics: { macro_f1: number; accuracy: number; per_class: Record<string, { f1: number; support: number }> };
  metrics_at_detection: { macro_f1: number };
  cross_validation: { macro_f1_mean: number; macro_f1_per_fold: Record<string, number> };
}

Deno.test("ids model info: the committed model loads and its classes, features and held-out metrics are printed", async () => {
  const meta = JSON.parse(await Deno.readTextFile(join(MODELS, "ids-flow.json"))) as Meta;
  const r = await ids();
  assert.equal(r.code, 0, r.err);
  const line = (key: string) => r.out.split("\n").find((l) => l.startsWith(key)) ?? "";
  assert.match(line("status"), /^status\s+loaded, loaded in \d+ ms$/);
  assert.match(line("model"), /ids-flow\.onnx$/);
  assert.equal(
    line("features"),
    `features   ${FEATURE_COUNT} (feature code v${FEATURE_VERSION}; model built for v${FEATURE_VERSION})`,
  );
  assert.equal(line("classes"), `classes    ${meta.classes.join(", ")}`);
  assert.ok(meta.classes.includes("normal") && meta.classes.length >= 8, meta.classes.join());
  assert.equal(line("created"), `created    ${meta.created}`);
  assert.ok(line("data").includes(`${meta.data.rows} rows, sha256 ${meta.data.sha256.slice(0, 16)}`), line("data"));
  assert.ok(
    line("held-out").includes(`${meta.data.test_files.length} capture files: macro-F1 ${meta.metrics.macro_f1}`),
    line("held-out"),
  );
  assert.ok(r.out.includes(`at detector alerts: macro-F1 ${meta.metrics_at_detection.macro_f1}`));
  const cv = meta.cross_validation;
  assert.ok(
    r.out.includes(
      `cross-validated by file: macro-F1 ${cv.macro_f1_mean} (folds ${Object.values(cv.macro_f1_per_fold).join(", ")})`,
    ),
    r.out,
  );
  // one table row per class present in the held-out files, with its F1 and support
  for (const [cls, m] of Object.entries(meta.metrics.per_class)) {
    const row = r.out.split("\n").find((l) => l.startsWith(cls.padEnd(17)));
    assert.ok(row, `a row for ${cls}`);
    const cells = row.trim().split(/\s+/);
    assert.equal(cells.at(-2), m.f1.toFixed(3), row);
    assert.equal(cells.at(-1), String(m.support), row);
  }
  assert.equal(line("features:"), `features: ${FEATURE_NAMES.join(", ")}`);
  assert.equal(r.err.trim(), "");
});

Deno.test("ids model info --json: status, feature version and the metadata as machine-readable JSON", async () => {
  const r = await ids("--json");
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { status: { state: string; classes: string[] }; featureVersion: number; info: Meta };
  assert.equal(j.status.state, "loaded");
  assert.equal(j.featureVersion, FEATURE_VERSION);
  assert.deepEqual(j.info.features, FEATURE_NAMES);
  assert.deepEqual(j.status.classes, j.info.classes);
});

Deno.test("ids model info: a missing or mismatched model is one status line, heuristics only, exit 1, no trace", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = await ids("--model", join(dir, "none.onnx"));
    assert.equal(missing.code, 1);
    const status = missing.out.split("\n").filter((l) => l.includes("heuristics only"));
    assert.equal(status.length, 1, missing.out);
    assert.match(status[0], /^status\s+heuristics only \(.*none\.json does not exist\)$/);
    assert.doesNotMatch(missing.out + missing.err, /\bat \S+:\d+:\d+|Uncaught|Error:/);
    assert.doesNotMatch(missing.out, /^classes/m, "nothing is claimed about a model that is not there");

    // a model built for another feature-code version: refused with the reason, never used
    const meta = JSON.parse(await Deno.readTextFile(join(MODELS, "ids-flow.json")));
    await Deno.copyFile(join(MODELS, "ids-flow.onnx"), join(dir, "old.onnx"));
    await Deno.writeTextFile(join(dir, "old.json"), JSON.stringify({ ...meta, feature_version: FEATURE_VERSION - 1 }));
    const old = await ids("--model", join(dir, "old.onnx"));
    assert.equal(old.code, 1);
    const s2 = old.out.split("\n").filter((l) => l.includes("heuristics only"));
    assert.equal(s2.length, 1, old.out);
    assert.match(
      s2[0],
      new RegExp(`model built for feature code v${FEATURE_VERSION - 1}, this sensor has v${FEATURE_VERSION}`),
    );
    assert.doesNotMatch(old.out + old.err, /\bat \S+:\d+:\d+|Uncaught/);

    // a model whose feature list does not fit this code's feature count
    await Deno.copyFile(join(MODELS, "ids-flow.onnx"), join(dir, "short.onnx"));
    await Deno.writeTextFile(join(dir, "short.json"), JSON.stringify({ ...meta, features: meta.features.slice(2) }));
    const short = await ids("--model", join(dir, "short.onnx"));
    assert.equal(short.code, 1);
    assert.match(short.out, /^status\s+heuristics only \(.*expects \d+ features.*\)$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
