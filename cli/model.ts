/**
 * `ids model info`: the flow model's classes, features, held-out metrics and load status.
 *
 * @module
 */
import { type FlowClassifier, loadClassifier, type ModelInfo } from "../ml/classifier.ts";
import { FEATURE_COUNT, FEATURE_VERSION } from "../ml/features.ts";
import { parseArgs, UsageError } from "./args.ts";

/** Help text of `ids model`. */
export const MODEL_HELP = `Usage: ids model info [--model FILE.onnx] [--json]

Loads the flow model (models/ids-flow.onnx and its .json) in the model Worker, the way the sensor
does, and prints its load status ("loaded" or "heuristics only" with the reason), classes,
features, training data digest and the metrics measured on held-out capture files.
Rebuild the model from a checkout with: deno task train`;

function pct(v: number | undefined): string {
  return v === undefined ? "-" : `${(v * 100).toFixed(1)}%`;
}

/** Formats the model report. */
export function formatModelInfo(c: FlowClassifier): string {
  const s = c.status;
  const info: ModelInfo | undefined = c.info;
  const lines = [
    `model      ${s.path}`,
    `status     ${s.state}${s.reason ? ` (${s.reason})` : ""}${
      s.loadMs ? `, loaded in ${s.loadMs.toFixed(0)} ms` : ""
    }`,
    `features   ${FEATURE_COUNT} (feature code v${FEATURE_VERSION}; model built for v${info?.feature_version ?? "?"})`,
  ];
  if (info === undefined) return lines.join("\n") + "\n";
  lines.push(`classes    ${info.classes.join(", ")}`);
  if (info.created) lines.push(`created    ${info.created}`);
  const data = info.data as { sha256?: string; rows?: number; test_files?: string[] } | undefined;
  if (data?.sha256) lines.push(`data       ${data.rows ?? "?"} rows, sha256 ${data.sha256.slice(0, 16)}…`);
  const m = info.metrics;
  if (m) {
    lines.push(
      `held-out   ${data?.test_files?.length ?? "?"} capture files: macro-F1 ${m.macro_f1 ?? "-"}, accuracy ${
        pct(m.accuracy)
      }`,
    );
    const md = (info as { metrics_at_detection?: { macro_f1?: number } }).metrics_at_detection;
    if (md?.macro_f1 !== undefined) lines.push(`           at detector alerts: macro-F1 ${md.macro_f1}`);
    const cv = (info as { cross_validation?: { macro_f1_mean?: number; macro_f1_per_fold?: Record<string, number> } })
      .cross_validation;
    if (cv?.macro_f1_mean !== undefined) {
      lines.push(
        `           cross-validated by file: macro-F1 ${cv.macro_f1_mean} (folds ${
          Object.values(cv.macro_f1_per_fold ?? {}).join(", ")
        })`,
      );
    }
    lines.push("", "class              precision  recall     F1  support");
    for (const [k, v] of Object.entries(m.per_class ?? {})) {
      lines.push(
        `${k.padEnd(17)} ${pct(v.precision).padStart(10)} ${pct(v.recall).padStart(7)} ${v.f1.toFixed(3).padStart(6)} ${
          String(v.support).padStart(8)
        }`,
      );
    }
  }
  const measured = info.measured as Record<string, unknown> | undefined;
  if (measured) lines.push("", `measured   ${JSON.stringify(measured)}`);
  lines.push("", `features: ${info.features.join(", ")}`);
  return lines.join("\n") + "\n";
}

/** Runs `ids model`. */
export async function modelCommand(args: string[]): Promise<number> {
  const a = parseArgs(args, { boolean: ["json"], string: ["model"] });
  if (a.help) {
    console.log(MODEL_HELP);
    return 0;
  }
  const sub = a._[0];
  if (sub !== "info") {
    throw new UsageError(sub === undefined ? "ids model needs a subcommand: info" : `unknown subcommand "${sub}"`);
  }
  const c = await loadClassifier({ modelPath: a.model as string | undefined });
  // read before close(): a closed classifier reports itself as heuristics only
  const ready = c.ready;
  try {
    if (a.json) {
      console.log(JSON.stringify({ status: c.status, featureVersion: FEATURE_VERSION, info: c.info ?? null }, null, 2));
    } else {
      const bytes = new TextEncoder().encode(formatModelInfo(c));
      for (let n = 0; n < bytes.length;) n += Deno.stdout.writeSync(bytes.subarray(n));
    }
  } finally {
    c.close();
  }
  return ready ? 0 : 1;
}
