import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { INCLUDES } from "./build.ts";
import { scanProgram, scanSource } from "./embed_scan.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/[\\/]$/, "");

const covered = (target: string) =>
  INCLUDES.some((inc) => target === inc || target.startsWith(inc.replace(/\/$/, "") + "/"));

Deno.test("include list: every Worker entry and every file reached by URL from the program is embedded", async () => {
  const { refs, modules } = await scanProgram("main.ts", ROOT);
  assert.ok(refs.some((r) => r.kind === "worker"), "the scan found no Worker: the scanner is broken");
  const missing = refs.filter((r) => !covered(r.target) && !(r.kind === "asset" && modules.has(r.target)));
  assert.deepEqual(
    missing.map((r) => `${r.kind} ${r.target} (from ${r.from})`),
    [],
    "add these to INCLUDES in release/build.ts",
  );
});

Deno.test("include list: every listed include exists (a stale entry breaks deno compile)", async () => {
  for (const inc of INCLUDES) {
    if (inc === "dist/build_info.json") continue; // written by the compile task itself
    const info = await Deno.stat(`${ROOT}/${inc}`).catch(() => null);
    assert.ok(info !== null, `INCLUDES names ${inc}, which does not exist`);
  }
});

Deno.test("include scanner: finds Workers, URL assets and dirname joins; skips folder bases", () => {
  const src = [
    `const w = new Worker(new URL("../sensor/capture_worker.ts", import.meta.url), { type: "module" });`,
    `const model = new URL("../models/ids-flow.onnx", import.meta.url);`,
    `const root = new URL("..", import.meta.url);`,
    `const css = join(import.meta.dirname!, "static", "app.css");`,
  ].join("\n");
  const refs = scanSource(src, `${ROOT}/web/server.ts`, ROOT);
  assert.deepEqual(refs.map((r) => [r.kind, r.target, r.from]), [
    ["worker", "sensor/capture_worker.ts", "web/server.ts:1"],
    ["asset", "models/ids-flow.onnx", "web/server.ts:2"],
    ["asset", "web/static/app.css", "web/server.ts:4"],
  ]);
});

Deno.test("Windows paths: no source derives a file path with new URL(…).pathname (yields /C:/… on Windows)", async () => {
  const offenders: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      if (e.name === "node_modules" || e.name === "dist" || e.name.startsWith(".")) continue;
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (/\.(ts|tsx)$/.test(e.name) && !e.name.endsWith("include_list_test.ts")) {
        const text = await Deno.readTextFile(p);
        text.split("\n").forEach((line, i) => {
          if (/import\.meta\.url\s*\)\s*\.pathname/.test(line)) offenders.push(`${p.slice(ROOT.length + 1)}:${i + 1}`);
        });
      }
    }
  };
  await walk(ROOT);
  assert.deepEqual(offenders, [], "use fileURLToPath(new URL(…, import.meta.url)) instead");
});
