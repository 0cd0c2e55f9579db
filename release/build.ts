/**
 * What `deno task compile` builds: the targets, the files embedded beside the module graph, the
 * permissions baked into the binary, and the `deno compile` argument list. One source of truth for
 * the compile script, the packaging check and the include-list check.
 *
 * @module
 */
import { relative, resolve } from "node:path";
import { moduleGraph } from "./embed_scan.ts";

/** Release targets: Rust target triple → output file under `dist/`. */
export const TARGETS: Readonly<Record<string, string>> = {
  "x86_64-pc-windows-msvc": "dist/ids-x86_64-pc-windows-msvc.exe",
  "x86_64-unknown-linux-gnu": "dist/ids-x86_64-unknown-linux-gnu",
};

/**
 * Files and modules `deno compile` cannot find from the static import graph, relative to the project
 * root: Worker entry modules, data files read at run time, and the web client bundle.
 * `release/include_list_test.ts` walks the source and fails when a Worker or asset is missing here.
 */
export const INCLUDES: readonly string[] = [
  "sensor/capture_worker.ts",
  "web/session.ts",
  "ml/ml_worker.ts",
  "models/ids-flow.onnx",
  "models/ids-flow.json",
  "node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.mjs",
  "node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm",
  "tests/fixtures/demo.pcapng.gz",
  "dist/build_info.json",
];

/**
 * Permissions baked into the binary: what the sensor needs and nothing more.
 * - read/write: capture files anywhere the operator names, the data directory, EVE and CSV outputs;
 * - net: the dashboard, syslog, Redis, Telegram and AbuseIPDB;
 * - ffi: libpcap / Npcap;
 * - env: configuration from the environment (`IDS_*`, `SystemRoot`, `ProgramData`);
 * - sys: interface addresses, host name, memory figures;
 * - run: the firewall tools (nft; netsh and PowerShell, which also answers the Administrator and
 *   gateway questions on Windows) and the browser opener (xdg-open, open, rundll32) only.
 */
export const PERMISSIONS: readonly string[] = [
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-ffi",
  "--allow-env",
  "--allow-sys",
  "--allow-run=nft,netsh,powershell.exe,rundll32,xdg-open,open",
];

/** Windows icon embedded with `--icon`. */
export const ICON = "release/ids.ico";

/** Options for {@link compileArgs}. */
export interface CompileArgsOptions {
  /** Rust target triple (a key of {@link TARGETS}). */
  target: string;
  /** Output path; default the target's file in {@link TARGETS}. */
  output?: string;
  /** Paths to leave out of the embedded `node_modules` (see {@link unusedNpmFiles}). */
  exclude?: readonly string[];
  /** The program's own modules, each embedded by name (see {@link programModules}). */
  modules?: readonly string[];
}

/** The onnxruntime-web files its node build loads at run time (checked: ort.node.min.mjs → these two). */
const ORT_RUNTIME_FILES = ["ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"];
/** The files of onnxruntime-web the sensor loads: the Node build (what Deno imports) and its WASM runtime. */
const ORT_KEEP = new Set(["ort.node.min.mjs", ...ORT_RUNTIME_FILES]);

/**
 * Files of npm packages the binary never loads, relative to the root: onnxruntime-web ships builds for
 * browsers, WebGL, WebGPU and JSPI (about 130 MB) beside the Node build and WASM runtime the model
 * Worker uses. Empty when the package is not installed.
 */
export async function unusedNpmFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  let pkg: string;
  try {
    pkg = await Deno.realPath(`${root}/node_modules/onnxruntime-web`);
  } catch {
    return out;
  }
  const rel = (p: string) => p.slice(root.replace(/[\\/]$/, "").length + 1).replaceAll("\\", "/");
  for await (const e of Deno.readDir(pkg)) {
    if (e.isDirectory && e.name !== "dist") out.push(rel(`${pkg}/${e.name}`));
  }
  for await (const e of Deno.readDir(`${pkg}/dist`)) {
    if (!ORT_KEEP.has(e.name)) out.push(rel(`${pkg}/dist/${e.name}`));
  }
  return out.sort();
}

/**
 * The project's own modules the program can load, relative to the root: every local module reached from `main.ts`
 * and from each Worker entry of {@link INCLUDES} through static and dynamic imports (`deno info --json`). deno.json
 * loads dynamic imports lazily (`"unstable": ["lazy-dynamic-imports"]`: `ids replay` does not read the other
 * commands' modules at start-up), and `deno compile` then leaves out every module reached only through a dynamic
 * import (the commands, the capture's modules, the detectors): so the binary names them all.
 */
export async function programModules(root: string): Promise<string[]> {
  const entries = ["main.ts", ...INCLUDES.filter((i) => i.endsWith(".ts"))];
  const found = new Set<string>();
  for (const entry of entries) {
    for (const path of await moduleGraph(entry, root)) {
      const rel = relative(resolve(root), path).replaceAll("\\", "/");
      if (!rel.startsWith("../")) found.add(rel);
    }
  }
  return [...found].sort();
}

/** The `deno compile` argument list (after `deno`) for one target. */
export function compileArgs(options: CompileArgsOptions): string[] {
  const output = options.output ?? TARGETS[options.target];
  if (output === undefined) throw new Error(`Cannot compile: unknown target "${options.target}"`);
  const args = ["compile", "--target", options.target, ...PERMISSIONS, "--no-prompt"];
  for (const inc of INCLUDES) args.push("--include", inc);
  for (const m of options.modules ?? []) if (!INCLUDES.includes(m)) args.push("--include", m);
  for (const ex of options.exclude ?? []) args.push("--exclude", ex);
  if (options.target.includes("windows")) args.push("--icon", ICON);
  args.push("--output", output, "main.ts");
  return args;
}

/**
 * Every file the binary must carry, relative to the root: the includes and the program's modules
 * ({@link programModules}), plus files that come in with npm packages and are loaded at run time (onnxruntime-web's
 * `.wasm`). Missing ones fail the
 * packaging check.
 */
export async function requiredEmbeds(root: string): Promise<string[]> {
  const required = [...new Set([...INCLUDES, ...await programModules(root)])];
  const ortDist = `${root}/node_modules/onnxruntime-web/dist`;
  try {
    for await (const e of Deno.readDir(ortDist)) {
      // the package's node build (what Deno loads) uses only the plain SIMD build: its glue module and its
      // .wasm; the asyncify/JSPI/WebGPU variants (another 70 MB) are for browsers
      if (e.isFile && ORT_KEEP.has(e.name)) required.push(`node_modules/onnxruntime-web/dist/${e.name}`);
    }
  } catch {
    // onnxruntime-web is not a dependency (yet): nothing to require from it
  }
  return required.sort();
}
