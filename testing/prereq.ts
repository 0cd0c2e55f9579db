/**
 * Prerequisites of tests that need the real machine (root, network namespaces, libpcap, a command).
 *
 * A test whose prerequisite is missing is skipped with a printed reason (`skip: <name>: <why>`), except
 * under CI (`CI=true`), where a missing prerequisite is a failure: CI must run every test.
 *
 * ```ts
 * Deno.test({ name: "x", ignore: ignoreUnless("x", isRoot(), "needs root"), fn() {
 *   prereq("x", isRoot(), "needs root"); // under CI with the prerequisite missing: throws here
 *   // …
 * } });
 * ```
 * or, inside the body: `if (!prereq(t.name, isRoot(), "needs root")) return;`.
 *
 * @module
 */

/** Is this a CI run (`CI=true` or `CI=1`)? */
export function isCI(): boolean {
  const ci = Deno.env.get("CI")?.toLowerCase();
  return ci === "true" || ci === "1";
}

/**
 * Checks one prerequisite. Returns true when `ok`. When not: under CI throws
 * `Cannot run test <name>: <why> (CI=true requires it)`; otherwise prints `skip: <name>: <why>` and returns false.
 */
export function prereq(name: string, ok: boolean, why: string): boolean {
  if (ok) return true;
  if (isCI()) throw new Error(`Cannot run test ${name}: ${why} (CI=true requires it)`);
  console.log(`skip: ${name}: ${why}`);
  return false;
}

/**
 * For `Deno.test({ ignore })`: true (ignore, with the printed reason) when `ok` is false and this is not CI.
 * Under CI it returns false so the test runs and its own {@link prereq} call fails it.
 */
export function ignoreUnless(name: string, ok: boolean, why: string): boolean {
  if (ok || isCI()) return false;
  console.log(`skip: ${name}: ${why}`);
  return true;
}

/** Running as root (uid 0)? Always false on Windows. */
export function isRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}

/** Does `cmd` run (exit 0) with `args`? Never throws. */
export function hasCommand(cmd: string, args: string[] = ["--version"]): boolean {
  try {
    return new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/** Root, a working `ip netns` and `ping`: tests may create `idsffi-*` namespaces with veth pairs and probe them. */
export function canUseNetns(): boolean {
  return isRoot() && Deno.build.os === "linux" && hasCommand("ip", ["netns", "list"]) && hasCommand("ping", ["-V"]);
}
