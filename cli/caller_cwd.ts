/**
 * `deno task ids replay rel/path` runs in the project root, but the user meant their own directory: `deno task`
 * (like npm) leaves the caller's directory in `INIT_CWD`. Moving there first makes every relative path (capture
 * files, --eve, --config, manifests) mean what it meant where it was typed.
 *
 * @module
 */

/** Changes to `INIT_CWD` when it is set and a directory; returns the directory used (or undefined). Never throws. */
export function adoptCallerCwd(initCwd: string | undefined = readInitCwd()): string | undefined {
  if (!initCwd) return undefined;
  try {
    if (!Deno.statSync(initCwd).isDirectory) return undefined;
    if (Deno.cwd() !== initCwd) Deno.chdir(initCwd);
    return initCwd;
  } catch {
    return undefined;
  }
}

function readInitCwd(): string | undefined {
  try {
    return Deno.env.get("INIT_CWD");
  } catch {
    return undefined; // no --allow-env
  }
}
