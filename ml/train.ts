/**
 * `deno task train`: rebuilds the flow model from what is committed.
 *
 * 1. Extracts labelled feature rows from every capture of `tests/corpus/manifest.json` and
 *    `ml/captures/manifest.json` (same TypeScript feature code as the sensor) into a CSV.
 * 2. Runs `/usr/bin/python3 ml/train.py` (scikit-learn, imbalanced-learn, XGBoost, onnx from Debian),
 *    which writes `models/ids-flow.onnx`, `models/ids-flow.json` and `models/ids-flow.parity.json`.
 *
 * Options: `--extract-only`, `--csv PATH` (default `ml/data/rows.csv`), `--out DIR` (default `models`),
 * `--quick` (small models, for tests), `--no-cv` (skip the cross-validation: one fit instead of three),
 * `--manifest PATH` (repeatable; replaces the default ones).
 *
 * Retraining from the sensor's feedback CSV: `--feedback FEEDBACK.csv --capture TRAFFIC.pcap[.gz]` (optionally
 * `--window S`, default 30) adds the capture (gzipped) to `ml/captures/feedback/` (`--feedback-dir DIR`) and its
 * labelled scenario to the manifest there (see `ml/feedback.ts`), then trains on everything as usual; commit that
 * folder with the model so `deno task train` rebuilds the same model on a clean clone.
 *
 * The trainer runs in a pinned numeric environment (`trainerEnv`), so that the model's bytes depend only on what is
 * committed and the installed Python packages' versions, not on the shell or the core count: the parent's environment
 * without its `OPENBLAS_*`, `GOTO_*`, `OMP_*`, `MKL_*` and `BLIS_*` variables, plus `OPENBLAS_NUM_THREADS=1`,
 * `OMP_NUM_THREADS=1`, `MKL_NUM_THREADS=1`
 * and, on x86_64, `OPENBLAS_CORETYPE=Prescott` (OpenBLAS's SSE3 kernels, its own fallback for x86-64 CPUs it does not
 * recognise, so any x86-64 CPU of the last ~20 years runs them). The MLP's weights depend on OpenBLAS's kernel and
 * thread count (float rounding): before the pin, `OPENBLAS_CORETYPE=Haswell` in the shell, the variable unset (this
 * machine's Cooperlake kernel) and `OPENBLAS_NUM_THREADS=1` gave three different `ids-flow.onnx`. On other
 * architectures only the thread counts are pinned. The forest and XGBoost already run with `n_jobs=1`.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { extractCapture, type Scenario } from "./extract.ts";
import { feedbackScenario } from "./feedback.ts";
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_VERSION } from "./features.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Default manifests, relative to the repository root (the feedback one only when it exists). */
export const DEFAULT_MANIFESTS = [
  "tests/corpus/manifest.json",
  "ml/captures/manifest.json",
  "ml/captures/feedback/manifest.json",
];

/**
 * Adds a capture and its operator feedback to a feedback folder: the capture is stored gzipped under its name, its
 * scenario replaces one of the same name in `DIR/manifest.json`. Returns the scenario.
 */
export async function addFeedback(
  options: { csv: string; capture: string; dir: string; windowS?: number },
): Promise<Scenario> {
  const text = await Deno.readTextFile(options.csv).catch((e) => {
    throw new Error(`Cannot read feedback: ${options.csv}: ${(e as Error).message}`);
  });
  const gz = options.capture.endsWith(".gz");
  const base = options.capture.split(/[\\/]/).pop()!;
  const stored = gz ? base : `${base}.gz`;
  const sc = feedbackScenario(text, stored, { windowS: options.windowS });
  await Deno.mkdir(options.dir, { recursive: true });
  const data = await Deno.readFile(options.capture).catch((e) => {
    throw new Error(`Cannot read capture: ${options.capture}: ${(e as Error).message}`);
  });
  const bytes = gz ? data : new Uint8Array(
    await new Response(new Blob([data]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
  );
  await Deno.writeFile(join(options.dir, stored), bytes);
  const manifestPath = join(options.dir, "manifest.json");
  let scenarios: Scenario[] = [];
  try {
    scenarios = (JSON.parse(await Deno.readTextFile(manifestPath)) as { scenarios: Scenario[] }).scenarios;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  scenarios = [...scenarios.filter((s) => s.name !== sc.name), sc];
  await Deno.writeTextFile(manifestPath, JSON.stringify({ scenarios }, null, 2) + "\n");
  return sc;
}

/** Where the Python trainer is searched. */
export const PYTHON = "/usr/bin/python3";

/** Prefixes of the parent's variables that tune a BLAS or OpenMP runtime; the trainer does not see them. */
export const NUMERIC_ENV_PREFIXES = ["OPENBLAS_", "GOTO_", "OMP_", "MKL_", "BLIS_"];

/**
 * The trainer's environment: `parent` without the variables of `NUMERIC_ENV_PREFIXES`, with one BLAS/OpenMP thread
 * and, on x86_64 (`arch`, as `Deno.build.arch`), OpenBLAS's `Prescott` kernels, so that the model's bytes do not
 * depend on the shell or on the machine's core count.
 */
export function trainerEnv(parent: Record<string, string>, arch: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) {
    if (!NUMERIC_ENV_PREFIXES.some((p) => k.startsWith(p))) env[k] = v;
  }
  env.OPENBLAS_NUM_THREADS = "1";
  env.OMP_NUM_THREADS = "1";
  env.MKL_NUM_THREADS = "1";
  if (arch === "x86_64") env.OPENBLAS_CORETYPE = "Prescott";
  return env;
}

/** Extracts rows of every scenario of the manifests into one CSV; returns rows per label. */
export async function extractToCsv(
  manifests: string[],
  csvPath: string,
  log: (line: string) => void = () => {},
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  await Deno.mkdir(dirname(csvPath), { recursive: true });
  const file = await Deno.open(csvPath, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  try {
    await file.write(enc.encode(["file", "label", "origin", ...FEATURE_NAMES].join(",") + "\n"));
    for (const m of manifests) {
      const dir = dirname(m);
      const { scenarios } = JSON.parse(await Deno.readTextFile(m)) as { scenarios: Scenario[] };
      for (const sc of scenarios) {
        const t0 = performance.now();
        const r = await extractCapture(resolve(dir, sc.file), sc);
        const lines: string[] = [];
        for (let i = 0; i < r.labels.length; i++) {
          const row = r.rows.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT);
          lines.push(`${sc.file},${r.labels[i]},${r.origins[i]},${Array.from(row, fmt).join(",")}`);
          counts[r.labels[i]] = (counts[r.labels[i]] ?? 0) + 1;
        }
        if (lines.length > 0) await file.write(enc.encode(lines.join("\n") + "\n"));
        log(`${sc.file}: ${r.packets} packets → ${r.labels.length} rows (${(performance.now() - t0).toFixed(0)} ms)`);
      }
    }
  } finally {
    file.close();
  }
  return counts;
}

function fmt(v: number): string {
  // float32 values printed so that they parse back to the same float32
  return Number.isInteger(v) ? String(v) : v.toPrecision(9);
}

async function main(args: string[]): Promise<number> {
  let csv = join(ROOT, "ml", "data", "rows.csv");
  let out = join(ROOT, "models");
  let extractOnly = false, quick = false, noCv = false;
  let feedback: string | undefined, capture: string | undefined, windowS: number | undefined;
  let feedbackDir = join(ROOT, "ml", "captures", "feedback");
  const manifests: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--extract-only") extractOnly = true;
    else if (a === "--quick") quick = true;
    else if (a === "--no-cv") noCv = true;
    else if (a === "--csv") csv = args[++i];
    else if (a === "--out") out = args[++i];
    else if (a === "--manifest") manifests.push(args[++i]);
    else if (a === "--feedback") feedback = args[++i];
    else if (a === "--capture") capture = args[++i];
    else if (a === "--feedback-dir") feedbackDir = args[++i];
    else if (a === "--window") windowS = Number(args[++i]);
    else {
      console.error(`Cannot train: unknown argument ${a}`);
      return 2;
    }
  }
  if ((feedback === undefined) !== (capture === undefined)) {
    console.error("Cannot train: --feedback FILE.csv and --capture FILE.pcap go together");
    return 2;
  }
  if (windowS !== undefined && !(windowS > 0)) {
    console.error("Cannot train: --window needs a number of seconds above 0");
    return 2;
  }
  if (feedback !== undefined) {
    try {
      const sc = await addFeedback({ csv: feedback, capture: capture!, dir: feedbackDir, windowS });
      const counts: Record<string, number> = {};
      for (const f of sc.flows ?? []) counts[f.label] = (counts[f.label] ?? 0) + 1;
      console.error(`feedback: ${sc.file} added to ${feedbackDir} (host pairs per label: ${JSON.stringify(counts)})`);
    } catch (e) {
      console.error((e as Error).message);
      return 1;
    }
    if (manifests.length === 0) manifests.push(...DEFAULT_MANIFESTS.slice(0, 2).map((m) => join(ROOT, m)));
    manifests.push(join(feedbackDir, "manifest.json"));
  }
  if (manifests.length === 0) {
    for (const m of DEFAULT_MANIFESTS.map((m) => join(ROOT, m))) {
      if (await Deno.stat(m).then(() => true, () => false)) manifests.push(m);
    }
  }
  const counts = await extractToCsv(manifests, csv, (l) => console.error(l));
  console.error(`rows: ${JSON.stringify(counts)} → ${csv}`);
  if (extractOnly) return 0;
  const py = await new Deno.Command(PYTHON, {
    args: [
      join(ROOT, "ml", "train.py"),
      "--csv",
      csv,
      "--out",
      out,
      "--feature-version",
      String(FEATURE_VERSION),
      ...(quick ? ["--quick"] : []),
      ...(noCv ? ["--no-cv"] : []),
    ],
    env: trainerEnv(Deno.env.toObject(), Deno.build.arch),
    clearEnv: true,
    stdout: "inherit",
    stderr: "inherit",
  }).output().catch((e) => {
    console.error(
      `Cannot train: ${PYTHON} cannot run (${(e as Error).message}); install python3 and ` +
        "python3-sklearn python3-imblearn python3-xgboost python3-onnx",
    );
    return undefined;
  });
  return py?.success ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
