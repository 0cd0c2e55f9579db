/**
 * Evaluation on a labelled corpus: each scenario's capture is replayed on its own through a fresh
 * engine, and its alerts are compared with the ground truth in the manifest.
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import { ipToString } from "../decode/packet.ts";
import type { Alert } from "../core/alert.ts";
import { replayFiles } from "../sensor/replay.ts";

/** One scenario of a manifest. */
export interface Scenario {
  name: string;
  file: string;
  kind: "attack" | "benign";
  type?: string;
  attacker?: string | null;
  attackers?: string[];
  victim?: string;
  spoofed?: boolean;
  start?: string;
  end?: string;
  tool?: string;
}

/** A manifest: `{ "scenarios": [...] }`. */
export interface Manifest {
  scenarios: Scenario[];
}

/** An alert as the evaluation reports it. */
export interface EvalAlert {
  type: string;
  src: string;
  dst: string;
  time: string;
  label: string;
  reason: string;
  spoofed: boolean;
}

/** The outcome of one scenario. */
export interface ScenarioResult {
  scenario: Scenario;
  /** Attack scenarios: an alert of the expected type with the attacker as source (victim as destination for spoofed floods). */
  detected: boolean;
  /** Seconds from the attack's first packet to the first matching alert. */
  latencyS?: number;
  /** The first matching alert. */
  match?: EvalAlert;
  /** Every alert of a benign scenario; in an attack scenario, alerts blaming a host that is not an attacker. */
  falseAlarms: EvalAlert[];
  /** Other alerts on the attacker in an attack scenario (e.g. exploit probes during a port scan). */
  related: EvalAlert[];
  packets: number;
  errors: string[];
}

function toEvalAlert(a: Alert): EvalAlert {
  return {
    type: a.type,
    src: ipToString(a.src),
    dst: ipToString(a.dst),
    time: new Date(a.tsUs / 1000).toISOString(),
    label: a.label,
    reason: a.reason,
    spoofed: a.spoofed === true,
  };
}

/** Reads and checks a manifest file. */
export async function readManifest(path: string): Promise<Manifest> {
  let json: unknown;
  try {
    json = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new Error(`Cannot read manifest ${path}: ${(e as Error).message}`);
  }
  const m = json as Manifest;
  if (!m || !Array.isArray(m.scenarios)) throw new Error(`Cannot read manifest ${path}: no "scenarios" list`);
  for (const s of m.scenarios) {
    if (typeof s.name !== "string" || typeof s.file !== "string" || (s.kind !== "attack" && s.kind !== "benign")) {
      throw new Error(`Cannot read manifest ${path}: every scenario needs name, file and kind "attack" or "benign"`);
    }
    if (s.kind === "attack" && typeof s.type !== "string") {
      throw new Error(`Cannot read manifest ${path}: attack scenario "${s.name}" has no type`);
    }
  }
  return m;
}

/** Evaluates one scenario; `dir` is where its file lives. */
export async function evaluateScenario(s: Scenario, dir: string, config?: Config): Promise<ScenarioResult> {
  const alerts: Alert[] = [];
  const { report } = await replayFiles([`${dir}/${s.file}`], { config, onAlert: (a) => alerts.push(a) });
  const all = alerts.map(toEvalAlert);
  const result: ScenarioResult = {
    scenario: s,
    detected: false,
    falseAlarms: [],
    related: [],
    packets: report.packets,
    errors: report.errors.map((e) => e.message),
  };
  if (s.kind === "benign") {
    result.falseAlarms = all;
    return result;
  }
  const attackers = new Set([...(s.attackers ?? []), ...(s.attacker ? [s.attacker] : [])]);
  const startMs = s.start ? Date.parse(s.start) : NaN;
  for (const a of all) {
    const fromAttacker = attackers.has(a.src);
    const spoofedMatch = s.spoofed === true && a.dst === s.victim;
    if (a.type === s.type && (fromAttacker || spoofedMatch)) {
      if (!result.detected) {
        result.detected = true;
        result.match = a;
        if (!Number.isNaN(startMs)) result.latencyS = Math.max(0, (Date.parse(a.time) - startMs) / 1000);
      } else result.related.push(a);
    } else if (fromAttacker || spoofedMatch) result.related.push(a);
    else result.falseAlarms.push(a);
  }
  return result;
}

/** Evaluates every scenario of a manifest (in order). */
export async function evaluateManifest(path: string, config?: Config): Promise<ScenarioResult[]> {
  const manifest = await readManifest(path);
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  const out: ScenarioResult[] = [];
  for (const s of manifest.scenarios) out.push(await evaluateScenario(s, dir, config));
  return out;
}

function countTypes(alerts: EvalAlert[]): string {
  const m = new Map<string, number>();
  for (const a of alerts) m.set(a.type, (m.get(a.type) ?? 0) + 1);
  return [...m].map(([t, n]) => `${t} ×${n}`).join(", ");
}

/** The evaluation table (markdown). */
export function formatEvaluation(results: ScenarioResult[]): string {
  const lines = [
    "| scenario | truth | detected as | source → victim | after | other alerts on the attacker | false alarms |",
    "|---|---|---|---|---:|---|---|",
  ];
  for (const r of results) {
    const s = r.scenario;
    const truth = s.kind === "benign" ? "benign" : `${s.type}${s.spoofed ? " (spoofed)" : ""}`;
    const det = s.kind === "benign" ? "—" : r.detected ? `**${r.match!.type}** ✔` : "**missed** ✘";
    const who = r.match ? `${r.match.src} → ${r.match.dst}` : "—";
    const after = r.latencyS !== undefined ? `${r.latencyS.toFixed(2)} s` : "—";
    const fa = r.falseAlarms.length === 0 ? "0" : `**${r.falseAlarms.length}**: ${countTypes(r.falseAlarms)}`;
    lines.push(`| ${s.name} | ${truth} | ${det} | ${who} | ${after} | ${countTypes(r.related) || "—"} | ${fa} |`);
  }
  const attacks = results.filter((r) => r.scenario.kind === "attack");
  const benign = results.filter((r) => r.scenario.kind === "benign");
  const hit = attacks.filter((r) => r.detected).length;
  const fa = results.reduce((n, r) => n + r.falseAlarms.length, 0);
  lines.push("");
  lines.push(
    `${hit}/${attacks.length} attack scenarios detected with the right type and source; ` +
      `${fa} false alarms (${
        benign.filter((r) => r.falseAlarms.length > 0).length
      }/${benign.length} benign scenarios alerted).`,
  );
  return lines.join("\n");
}
