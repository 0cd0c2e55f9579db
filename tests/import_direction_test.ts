/**
 * Layering: a folder imports only folders below it. Checked on the real module graph of the
 * program (`deno info --json` from main.ts and every Worker entry), type-only imports included.
 *
 * To add a folder, give it a rank in LAYERS: below everything that imports it, above everything
 * it imports.
 */
import assert from "node:assert/strict";
import { fileURLToPath, pathToFileURL } from "node:url";
import { INCLUDES } from "../release/build.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/[\\/]$/, "");

/** Rank per top-level folder: a module may import its own folder and folders of a lower rank. */
const LAYERS: Readonly<Record<string, number>> = {
  core: 0, // shared contracts: attack types, IP key, frame, detection event, alert, block, hub events, seams
  ffi: 1, // libpcap / Npcap binding
  config: 1, // configuration and IP/CIDR parsing
  decode: 2, // link → IP → L4
  capture: 2, // readers and live sources
  defrag: 3, // IP fragment reassembly
  flow: 3, // flow table
  stream: 4, // TCP reassembly
  app: 5, // protocol detection and parsers
  detectors: 6,
  ml: 7, // features, the model Worker, the classifier
  pipeline: 8, // frame → decode → flows → detectors → detection events
  enrich: 9,
  alerts: 9, // EVE, syslog, Redis, CSV
  store: 10, // SQLite
  ips: 11,
  notify: 11,
  sensor: 12, // hub, decision stage, capture Worker, wiring
  web: 13,
  eval: 13,
  cli: 14,
  release: 15,
  ".": 16, // main.ts
};

interface DenoInfo {
  modules: {
    specifier: string;
    dependencies?: { specifier: string; code?: { specifier?: string }; type?: { specifier?: string } }[];
  }[];
}

function folderOf(specifier: string, rootUrl: string): string | null {
  if (!specifier.startsWith(rootUrl)) return null;
  const rel = specifier.slice(rootUrl.length);
  return rel.includes("/") ? rel.slice(0, rel.indexOf("/")) : ".";
}

async function moduleGraph(entry: string): Promise<DenoInfo> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`Cannot read the module graph of ${entry}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** Every cross-folder import edge reachable from main.ts and the Worker entries: "from → to (file → file)". */
async function edges(): Promise<{ from: string; to: string; file: string; target: string }[]> {
  const rootUrl = pathToFileURL(ROOT + "/").href;
  const entries = ["main.ts", ...INCLUDES.filter((p) => p.endsWith(".ts"))];
  const seen = new Set<string>();
  const out: { from: string; to: string; file: string; target: string }[] = [];
  for (const entry of entries) {
    const info = await moduleGraph(entry);
    for (const m of info.modules) {
      const from = folderOf(m.specifier, rootUrl);
      if (from === null) continue;
      for (const dep of m.dependencies ?? []) {
        for (const target of [dep.code?.specifier, dep.type?.specifier]) {
          if (target === undefined) continue;
          const to = folderOf(target, rootUrl);
          if (to === null || to === from) continue;
          const key = `${m.specifier} ${target}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push({ from, to, file: m.specifier.slice(rootUrl.length), target: target.slice(rootUrl.length) });
        }
      }
    }
  }
  return out;
}

Deno.test("layering: every import goes from a folder to a lower layer (deno info --json)", async () => {
  const all = await edges();
  assert.ok(all.some((e) => e.from === "sensor" && e.to === "core"), "the graph is missing known edges: scan broken");
  const unknown = [...new Set(all.flatMap((e) => [e.from, e.to]).filter((f) => !(f in LAYERS)))];
  assert.deepEqual(unknown, [], "give these folders a rank in LAYERS (tests/import_direction_test.ts)");
  const upward = all
    .filter((e) => LAYERS[e.to] >= LAYERS[e.from])
    .map((e) => `${e.file} imports ${e.target} (${e.from} may not import ${e.to})`);
  assert.deepEqual(upward, []);
});

Deno.test("layering: the moves of issue 8 hold (decode ↛ capture, config ↛ decode, eval ↛ cli, core imports nothing)", async () => {
  const all = await edges();
  const forbidden = all.filter((e) =>
    (e.from === "decode" && e.to === "capture") || (e.from === "config" && e.to === "decode") ||
    (e.from === "eval" && e.to === "cli") || e.from === "core"
  );
  assert.deepEqual(forbidden.map((e) => `${e.file} → ${e.target}`), []);
});
