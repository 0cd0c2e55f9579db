/**
 * Parses the "Embedded Files" tree that `deno compile` prints into the list of embedded paths,
 * relative to the project root. Used by the packaging check to prove that every Worker module,
 * model, WASM file, web asset and the demo capture is inside the binary.
 *
 * The tree collapses single-child folders into one line (`ffi/npcap.ts`), writes a whole folder as
 * `name/*`, and gives sizes in parentheses:
 *
 * ```
 * ids-linux
 * ├─┬ capture (118.23KB)
 * │ ├── capture_worker.ts (14.4KB)
 * │ └── file_source.ts (8.82KB)
 * ├── eval/* (14.61KB)
 * └── tests/fixtures/demo.pcapng.gz (352.66KB)
 * ```
 *
 * @module
 */

/**
 * One entry of the tree: a path relative to the root; `all` when the line was `dir/*` (the whole
 * folder); `link` when the line was a symbolic link (`name --> target`, as in `node_modules`).
 */
export interface EmbeddedEntry {
  path: string;
  all: boolean;
  link?: string;
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * Parses the output of `deno compile` (colours allowed). Returns every leaf (file or `dir/*`) of the
 * "Embedded Files" tree. Throws `Cannot parse embedded tree: …` when the output has no tree.
 */
export function parseEmbeddedTree(output: string): EmbeddedEntry[] {
  const lines = output.replace(ANSI, "").split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim() === "Embedded Files");
  if (start < 0) throw new Error('Cannot parse embedded tree: no "Embedded Files" section in the output');
  const entries: EmbeddedEntry[] = [];
  const stack: string[] = []; // folder names by depth
  let sawRoot = false;
  for (const raw of lines.slice(start + 1)) {
    if (raw.trim() === "") {
      if (sawRoot && entries.length > 0) break;
      continue;
    }
    // sizes: "(1.2MB)" or, for a folder embedded whole, "(154.54MB - 154.3MB unique)"
    const m = /^((?:│ | {2})*)(├|└)─(┬|─) (.+?)(?: \([0-9.]+[KMG]?B(?: - [0-9.]+[KMG]?B unique)?\))?$/.exec(raw);
    if (m === null) {
      if (!sawRoot) {
        sawRoot = true; // the binary's own name
        continue;
      }
      break; // "Files: …" summary or anything after the tree
    }
    const depth = m[1].length / 2;
    const isFolder = m[3] === "┬";
    const name = m[4];
    stack.length = depth;
    if (isFolder) {
      stack.push(name);
      continue;
    }
    const arrow = name.indexOf(" --> ");
    if (arrow > 0) {
      entries.push({ path: [...stack, name.slice(0, arrow)].join("/"), all: false, link: name.slice(arrow + 5) });
      continue;
    }
    const all = name.endsWith("/*");
    const path = [...stack, all ? name.slice(0, -2) : name].join("/");
    entries.push({ path, all });
  }
  if (entries.length === 0) throw new Error("Cannot parse embedded tree: the tree lists no file");
  return entries;
}

/**
 * Is `path` (relative, `/`-separated) inside the embedded tree: listed itself, or below a `dir/*`
 * entry, following embedded symbolic links (`node_modules/pkg` → `node_modules/.deno/pkg@1/…`)?
 */
export function isEmbedded(entries: readonly EmbeddedEntry[], path: string): boolean {
  for (let hops = 0; hops < 16; hops++) {
    if (entries.some((e) => !e.link && (e.path === path || (e.all && path.startsWith(e.path + "/"))))) return true;
    const link = entries.find((e) => e.link && (path === e.path || path.startsWith(e.path + "/")));
    if (link === undefined) return false;
    path = link.link + path.slice(link.path.length);
  }
  return false;
}

/** The "Files: 35.1MB" total of the output, in bytes (NaN when absent). */
export function embeddedTotalBytes(output: string): number {
  const m = /Files:\s*([0-9.]+)\s*([KMG]?)B/.exec(output.replace(ANSI, ""));
  if (m === null) return NaN;
  return Number(m[1]) * ({ "": 1, K: 1024, M: 1048576, G: 1073741824 } as Record<string, number>)[m[2]];
}
