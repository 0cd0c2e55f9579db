/**
 * `deno task train`: rebuilds the flow model from what is committed.
 *
 * 1. Extracts labelled feature rows from every capture of `tests/corpus/manifest.json` and
 *    `ml/captures/manifest.json` (same TypeScript feature code as the sensor) into a CSV.
 * 2. Runs `/usr/bin/python3 ml/train.py` (scikit-learn, imbalanced-learn, XGBoost, onnx from Debian),
 *    which writes `models/ids-flow.onnx`, `models/ids-flow.json` and `models/ids-flow.parity.json`.
 *
 * Options: `--extract-only`, `--csv PATH` (default `ml/data/rows.csv`), `--out DIR` (default `models`),
 * `--quick` (small models, for tests), `--manifest PATH` (repeatable; replaces the default two).
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { extractCapture, type Scenario } from "./extract.ts";
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_VERSION } from "./features.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Default manifests, relative to the repository root. */
export const DEFAULT_MANIFESTS = ["tests/corpus/manifest.json", "ml/captures/manifest.json"];

/** Where the Python trainer is searched. */
export const PYTHON = "/usr/bin/python3";

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
  let extractOnly = false, quick = false;
  const manifests: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--extract-only") extractOnly = true;
    else if (a === "--quick") quick = true;
    else if (a === "--csv") csv = args[++i];
    else if (a === "--out") out = args[++i];
    else if (a === "--manifest") manifests.push(args[++i]);
    else {
      console.error(`Cannot train: unknown argument ${a}`);
      return 2;
    }
  }
  if (manifests.length === 0) manifests.push(...DEFAULT_MANIFESTS.map((m) => join(ROOT, m)));
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
    ],
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
