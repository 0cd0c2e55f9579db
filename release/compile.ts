/**
 * `deno task compile`: builds `dist/ids-x86_64-pc-windows-msvc.exe` and
 * `dist/ids-x86_64-unknown-linux-gnu` with every Worker, model, WASM file, web asset and the demo
 * capture embedded (see build.ts). Writes `dist/build_info.json` (version, commit, date) first, so
 * `ids version` in the binary names its commit. Each binary gets a `.sha256` file beside it.
 *
 * `deno task compile [--target TRIPLE]…` builds the given targets only. `DENORT_BIN` makes
 * `deno compile` use a local runtime instead of downloading `denort` (the offline packaging check).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { compileArgs, programModules, TARGETS, unusedNpmFiles } from "./build.ts";
import { checkoutCommit, VERSION } from "../cli/version.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Writes `dist/build_info.json` for the binary to embed. */
export async function writeBuildInfo(root: string = ROOT): Promise<void> {
  await Deno.mkdir(`${root}/dist`, { recursive: true });
  const info = { version: VERSION, commit: await checkoutCommit(), date: new Date().toISOString() };
  await Deno.writeTextFile(`${root}/dist/build_info.json`, JSON.stringify(info) + "\n");
}

/** SHA-256 of a file as lowercase hex. */
export async function sha256File(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function main(args: string[]): Promise<number> {
  const targets: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--target" && args[i + 1]) targets.push(args[++i]);
    else {
      console.error(`compile: unknown argument "${args[i]}" (usage: deno task compile [--target TRIPLE]…)`);
      return 2;
    }
  }
  await writeBuildInfo();
  for (const target of targets.length ? targets : Object.keys(TARGETS)) {
    if (!(target in TARGETS)) {
      console.error(`compile: unknown target "${target}" (known: ${Object.keys(TARGETS).join(", ")})`);
      return 2;
    }
    const args = compileArgs({ target, exclude: await unusedNpmFiles(ROOT), modules: await programModules(ROOT) });
    const status = await new Deno.Command(Deno.execPath(), { args, cwd: ROOT }).spawn().status;
    if (!status.success) {
      console.error(`compile: deno compile for ${target} failed`);
      return 1;
    }
    const file = `${ROOT}/${TARGETS[target]}`;
    const sum = await sha256File(file);
    await Deno.writeTextFile(`${file}.sha256`, `${sum}  ${TARGETS[target].replace(/^dist\//, "")}\n`);
    const size = (await Deno.stat(file)).size;
    console.log(`built ${TARGETS[target]} (${(size / 1048576).toFixed(1)} MiB, sha256 ${sum.slice(0, 16)}…)`);
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
