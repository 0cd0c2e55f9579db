/**
 * The packaging check that runs on this Linux machine: `deno compile` for both release targets with
 * `DENORT_BIN` pointing at a full `deno` (the running one for Linux, `deno.exe` from the npm package
 * `@deno/win32-x64` for Windows), so no runtime download is needed. The binaries are not runnable (a
 * full deno is not denort), but the "Embedded Files" tree shows exactly what the release embeds.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { compileArgs, INCLUDES, programModules, requiredEmbeds, unusedNpmFiles } from "./build.ts";
import { writeBuildInfo } from "./compile.ts";
import { embeddedTotalBytes, isEmbedded, parseEmbeddedTree } from "./embedded_tree.ts";
import { prereq } from "../testing/prereq.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/[\\/]$/, "");
const WIN_PACKAGE = "@deno/win32-x64@2.9.5";

/** `deno.exe` of the Windows npm package, fetched once into a cache folder with `npm pack`. */
async function windowsDeno(): Promise<string | null> {
  const fromEnv = Deno.env.get("IDS_DENORT_WIN");
  if (fromEnv) return fromEnv;
  const cache = `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "/tmp"}/.cache`}/ids-release`;
  const exe = `${cache}/package/deno.exe`;
  if (await Deno.stat(exe).then(() => true, () => false)) return exe;
  await Deno.mkdir(cache, { recursive: true });
  try {
    const pack = await new Deno.Command("npm", {
      args: ["pack", WIN_PACKAGE, "--silent"],
      cwd: cache,
      stdout: "piped",
      stderr: "null",
    }).output();
    const tgz = new TextDecoder().decode(pack.stdout).trim().split("\n").pop();
    if (!pack.success || !tgz) return null;
    const untar = await new Deno.Command("tar", { args: ["xzf", tgz], cwd: cache }).output();
    await Deno.remove(`${cache}/${tgz}`).catch(() => {});
    return untar.success ? exe : null;
  } catch {
    return null;
  }
}

async function compileFor(target: string, denort: string) {
  const dir = await Deno.makeTempDir({ prefix: "ids-compile-" });
  const output = `${dir}/${target.includes("windows") ? "ids.exe" : "ids"}`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: compileArgs({ target, output, exclude: await unusedNpmFiles(ROOT), modules: await programModules(ROOT) }),
    cwd: ROOT,
    env: { DENORT_BIN: denort, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `deno compile --target ${target} failed:\n${text}`);
  const head = new Uint8Array(4);
  const f = await Deno.open(output);
  await f.read(head);
  f.close();
  await Deno.remove(dir, { recursive: true });
  return { text, head };
}

async function checkTarget(target: string, denort: string) {
  await writeBuildInfo(ROOT);
  const { text, head } = await compileFor(target, denort);
  const entries = parseEmbeddedTree(text);
  const required = await requiredEmbeds(ROOT);
  for (const inc of INCLUDES) assert.ok(required.includes(inc), `requiredEmbeds misses the include ${inc}`);
  const missing = required.filter((p) => !isEmbedded(entries, p));
  assert.deepEqual(missing, [], `missing from the ${target} binary`);
  // onnxruntime-web alone ships ~130 MB of browser builds the sensor never loads (unusedNpmFiles)
  const total = embeddedTotalBytes(text);
  assert.ok(total < 64 * 1048576, `the ${target} binary embeds ${(total / 1048576).toFixed(1)} MB (limit 64 MB)`);
  return head;
}

Deno.test("packaging: the Linux binary embeds every Worker, model, WASM file, web asset and the demo capture", async () => {
  const head = await checkTarget("x86_64-unknown-linux-gnu", Deno.execPath());
  assert.deepEqual([...head], [0x7f, 0x45, 0x4c, 0x46], "not an ELF file");
});

Deno.test("packaging: the Windows binary embeds the same files and is a PE executable", async (t) => {
  const exe = await windowsDeno();
  if (!prereq(t.name, exe !== null, `needs ${WIN_PACKAGE} (npm pack) or IDS_DENORT_WIN=path/to/deno.exe`)) return;
  const head = await checkTarget("x86_64-pc-windows-msvc", exe!);
  assert.deepEqual([...head.slice(0, 2)], [0x4d, 0x5a], "not a PE (MZ) file");
});
