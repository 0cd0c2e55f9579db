/**
 * Finds what a compiled binary must embed beside its static import graph: walks the module graph of
 * `main.ts` (and of every Worker it starts) and lists each `new Worker(new URL("…", import.meta.url))`
 * entry and each file reached through `new URL("…", import.meta.url)` or
 * `join(import.meta.dirname, "…")`. The include-list check compares that with build.ts.
 *
 * @module
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** One file the program reaches at run time. */
export interface RuntimeReference {
  /** Path relative to the project root, `/`-separated. */
  target: string;
  /** `worker` for a Worker entry module, `asset` for a file read or imported by URL. */
  kind: "worker" | "asset";
  /** Module (relative path) and line that refers to it. */
  from: string;
}

const WORKER = /new\s+Worker\(\s*new\s+URL\(\s*(["'])([^"']+)\1\s*,\s*import\.meta\.url\s*\)/g;
const URL_REF = /new\s+URL\(\s*(["'])([^"']+)\1\s*,\s*import\.meta\.url\s*\)/g;
const DIRNAME_JOIN = /join\(\s*import\.meta\.dirname!?\s*,((?:\s*(["'])[^"']*\2\s*,?)+)\)/g;

/** The references in one module's source text (pure; `modulePath` is the module's absolute path). */
export function scanSource(source: string, modulePath: string, root: string): RuntimeReference[] {
  const refs: RuntimeReference[] = [];
  const dir = dirname(modulePath);
  const lineOf = (index: number) => source.slice(0, index).split("\n").length;
  const rel = (p: string) => relative(root, p).split("\\").join("/");
  const from = (index: number) => `${rel(modulePath)}:${lineOf(index)}`;
  const workers = new Set<number>();
  for (const m of source.matchAll(WORKER)) {
    workers.add(m.index! + m[0].indexOf("new URL"));
    refs.push({ target: rel(resolve(dir, m[2])), kind: "worker", from: from(m.index!) });
  }
  for (const m of source.matchAll(URL_REF)) {
    if (workers.has(m.index!)) continue;
    const spec = m[2];
    if (spec === "." || spec === ".." || spec.endsWith("/")) continue; // a folder: a base, not a file
    refs.push({ target: rel(resolve(dir, spec)), kind: "asset", from: from(m.index!) });
  }
  for (const m of source.matchAll(DIRNAME_JOIN)) {
    const parts = [...m[1].matchAll(/(["'])([^"']*)\1/g)].map((p) => p[2]);
    refs.push({ target: rel(join(dir, ...parts)), kind: "asset", from: from(m.index!) });
  }
  return refs;
}

interface InfoJson {
  modules: { specifier: string; local?: string }[];
}

/** Local module paths (absolute) of the static graph of `entry` (`deno info --json`). */
export async function moduleGraph(entry: string, root: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`Cannot read module graph of ${entry}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as InfoJson;
  return info.modules
    .filter((m) => m.specifier.startsWith("file:") && !m.specifier.includes("/node_modules/"))
    .map((m) => fileURLToPath(m.specifier));
}

/**
 * Every runtime reference of the program rooted at `entry`, following Worker entries into their own
 * graphs. Also returns the set of modules in the static graphs (a URL to one of those is covered).
 */
export async function scanProgram(entry: string, root: string): Promise<{
  refs: RuntimeReference[];
  modules: Set<string>;
}> {
  const modules = new Set<string>();
  const refs: RuntimeReference[] = [];
  const queue = [resolve(root, entry)];
  const seenRoots = new Set<string>();
  while (queue.length) {
    const next = queue.shift()!;
    if (seenRoots.has(next)) continue;
    seenRoots.add(next);
    for (const mod of await moduleGraph(next, root)) {
      if (modules.has(mod)) continue;
      modules.add(mod);
      if (!/\.(ts|tsx|js|mjs|jsx)$/.test(mod)) continue;
      const found = scanSource(await Deno.readTextFile(mod), mod, root);
      for (const r of found) {
        refs.push(r);
        if (r.kind === "worker") queue.push(resolve(root, r.target));
      }
    }
  }
  return { refs, modules: new Set([...modules].map((m) => relative(root, m).split("\\").join("/"))) };
}
