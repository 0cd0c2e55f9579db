import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

interface Dep {
  code?: { specifier: string };
  isDynamic?: boolean;
}

/** Modules loaded (code, not type-only imports; dynamic imports not followed) by importing `roots`. */
async function loadedBy(roots: string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const root of roots) {
    const path = fileURLToPath(new URL(root, import.meta.url));
    const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json", path], stdout: "piped" }).output();
    assert.equal(out.code, 0, `deno info ${root}`);
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      roots: string[];
      modules: { specifier: string; dependencies?: Dep[] }[];
    };
    const bySpec = new Map(info.modules.map((m) => [m.specifier, m]));
    const todo = [...info.roots];
    while (todo.length > 0) {
      const s = todo.pop()!;
      if (seen.has(s)) continue;
      seen.add(s);
      for (const d of bySpec.get(s)?.dependencies ?? []) {
        if (d.code !== undefined && d.isDynamic !== true) todo.push(d.code.specifier);
      }
    }
  }
  return seen;
}

Deno.test("a --no-detect capture's engine loads no stream stage, app layer, detector or model feature module", async () => {
  // what sensor/capture_runner.ts imports for a capture without detectors (the detection parts come apart)
  const loaded = await loadedBy(["./engine.ts", "./report.ts", "../capture/file_source.ts"]);
  const base = new URL("../", import.meta.url).href;
  const files = [...loaded].filter((s) => s.startsWith(base)).map((s) => s.slice(base.length));
  assert.ok(files.includes("flow/flow_table.ts") && files.includes("decode/decoder.ts"), files.join(" "));
  const heavy = files.filter((f) =>
    /^(stream|app|ml)\//.test(f) || f === "detectors/app_hooks.ts" || f === "detectors/mod.ts" ||
    f === "pipeline/stream_stage.ts" || f === "pipeline/detection_parts.ts"
  );
  assert.deepEqual(heavy, []);
});

Deno.test("the detection parts bring the stream stage and app layer", async () => {
  const loaded = await loadedBy(["./detection_parts.ts"]);
  const has = (f: string) => loaded.has(new URL(`../${f}`, import.meta.url).href);
  assert.ok(has("pipeline/stream_stage.ts") && has("stream/stream_table.ts") && has("app/app_layer.ts"));
  assert.ok(has("detectors/app_hooks.ts"));
});
