import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isCI, prereq } from "../testing/prereq.ts";
import { extractToCsv, PYTHON, trainerEnv } from "./train.ts";
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_VERSION } from "./features.ts";
import { parityError } from "./parity.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

function hasTrainingStack(): boolean {
  try {
    const out = new Deno.Command(PYTHON, {
      args: ["-c", "import sklearn, imblearn, xgboost, onnx"],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return out.success;
  } catch {
    return false;
  }
}

const STACK = hasTrainingStack();
const WHY = `needs ${PYTHON} with python3-sklearn python3-imblearn python3-xgboost python3-onnx`;

/** A small manifest: a few corpus and extra captures, at least two files per class. */
async function smallManifest(dir: string): Promise<string> {
  const pick = async (manifest: string, names: string[]) => {
    const m = JSON.parse(await Deno.readTextFile(join(ROOT, manifest)));
    const base = dirname(join(ROOT, manifest));
    return m.scenarios.filter((s: { name: string }) => names.includes(s.name)).map((s: { file: string }) => ({
      ...s,
      file: join(base, s.file),
    }));
  };
  const scenarios = [
    ...await pick("tests/corpus/manifest.json", ["nmap_syn", "icmp_flood", "benign_mixed", "benign_dns_burst"]),
    ...await pick("ml/captures/manifest.json", [
      "ml_nmap_fin",
      "ml_nmap_connect_t3",
      "ml_ping_flood",
      "ml_benign_ping",
    ]),
  ];
  const p = join(dir, "manifest.json");
  await Deno.writeTextFile(p, JSON.stringify({ scenarios }));
  return p;
}

Deno.test("extraction: the same feature code labels rows of real captures by manifest", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const csv = join(dir, "rows.csv");
    const counts = await extractToCsv([await smallManifest(dir)], csv);
    assert.ok(counts.normal > 100, `normal rows ${counts.normal}`);
    assert.ok(counts.port_scan > 100, `port_scan rows ${counts.port_scan}`);
    assert.ok(counts.icmp_flood > 20, `icmp_flood rows ${counts.icmp_flood}`);
    const lines = (await Deno.readTextFile(csv)).trim().split("\n");
    assert.deepEqual(lines[0].split(","), ["file", "label", "origin", ...FEATURE_NAMES]);
    for (const l of lines.slice(1)) assert.equal(l.split(",").length, 3 + FEATURE_COUNT);
    // a scan row: an attacker flow toward the victim, with the attacker's port fan-out in its context
    const scan = lines.filter((l) => l.includes(",port_scan,detection,"));
    assert.ok(scan.length > 0, "the port-scan detector fired and its moment became a row");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "training: a small ensemble exported by ml/onnx_export.py matches predict_proba to 1e-5 in ONNX Runtime",
  ignore: !STACK && !isCI(),
  async fn() {
    if (!prereq("training parity", STACK, WHY)) return;
    const dir = await Deno.makeTempDir();
    try {
      const csv = join(dir, "rows.csv");
      await extractToCsv([await smallManifest(dir)], csv);
      const out = await new Deno.Command(PYTHON, {
        args: [
          join(ROOT, "ml", "train.py"),
          "--csv",
          csv,
          "--out",
          dir,
          "--quick",
          "--feature-version",
          String(FEATURE_VERSION),
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const info = JSON.parse(await Deno.readTextFile(join(dir, "ids-flow.json")));
      assert.equal(info.feature_version, FEATURE_VERSION);
      assert.deepEqual(info.features, FEATURE_NAMES);
      assert.ok(info.data.test_files.length >= 3, "held out by file");
      // the soft vote's class weights are in the graph too (parity below covers them)
      assert.equal(info.ensemble.class_weights?.length, info.classes.length);
      for (const f of info.data.test_files) assert.ok(!info.data.train_files.includes(f), `${f} in both splits`);
      const { max, rows } = await parityError(dir);
      assert.ok(rows > 50);
      assert.ok(max <= 1e-5, `max difference ${max}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("trainer environment: one BLAS/OpenMP thread, the parent's BLAS tuning dropped, Prescott kernels on x86_64", () => {
  const parent = {
    PATH: "/usr/bin",
    HOME: "/home/op",
    OPENBLAS_CORETYPE: "Haswell",
    OPENBLAS_L2_SIZE: "512",
    OPENBLAS_NUM_THREADS: "4",
    GOTO_NUM_THREADS: "4",
    OMP_NUM_THREADS: "8",
    OMP_PROC_BIND: "true",
    MKL_NUM_THREADS: "8",
    MKL_CBWR: "AVX2",
    BLIS_NUM_THREADS: "2",
  };
  const pinned = { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
  assert.deepEqual(trainerEnv(parent, "x86_64"), {
    PATH: "/usr/bin",
    HOME: "/home/op",
    ...pinned,
    OPENBLAS_CORETYPE: "Prescott",
  });
  assert.deepEqual(trainerEnv(parent, "aarch64"), { PATH: "/usr/bin", HOME: "/home/op", ...pinned });
  assert.deepEqual(parent.OPENBLAS_CORETYPE, "Haswell", "the parent's object is not changed");
});

Deno.test({
  name: "trainer environment: the trainer's OpenBLAS runs one thread (and Prescott kernels on x86_64)",
  ignore: !STACK && !isCI(),
  async fn() {
    if (!prereq("trainer environment", STACK, WHY)) return;
    const parent = { ...Deno.env.toObject(), OPENBLAS_CORETYPE: "SkylakeX", OPENBLAS_NUM_THREADS: "2" };
    const out = await new Deno.Command(PYTHON, {
      args: [
        "-c",
        "import json, numpy; from threadpoolctl import threadpool_info; print(json.dumps(threadpool_info()))",
      ],
      env: trainerEnv(parent, Deno.build.arch),
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const pools = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      internal_api: string;
      architecture?: string;
      num_threads: number;
    }[];
    const blas = pools.filter((p) => p.internal_api === "openblas");
    assert.ok(blas.length > 0, `numpy's BLAS is OpenBLAS: ${JSON.stringify(pools)}`);
    for (const p of pools) assert.equal(p.num_threads, 1, JSON.stringify(p));
    if (Deno.build.arch === "x86_64") { for (const p of blas) assert.equal(p.architecture, "Prescott"); }
  },
});
