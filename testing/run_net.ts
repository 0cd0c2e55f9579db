/**
 * Per-run names and addresses for tests that create network namespaces, so that several test runs on one
 * host (two helpers, CI and a developer) never collide.
 *
 * Each run (process) reserves one slot 0–255 with a lock file in the temporary directory holding its pid
 * (`ids-test-net-<slot>.pid`; a file whose pid is no longer alive is taken over). The slot gives the run
 * its name suffix (two base-36 digits, e.g. `a7`) and its own /24 for addresses that must live in the root
 * namespace (10.78.<slot>.0/24). Addresses between two namespaces the test created need no reservation.
 *
 * @module
 */

let reserved: number | undefined;

function tmpDir(): string {
  try {
    return Deno.env.get("TMPDIR") || "/tmp";
  } catch {
    return "/tmp";
  }
}

function alive(pid: number): boolean {
  if (!(pid > 0)) return false;
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

function tryTake(path: string): boolean {
  const mine = new TextEncoder().encode(String(Deno.pid));
  try {
    const f = Deno.openSync(path, { write: true, createNew: true });
    f.writeSync(mine);
    f.close();
    return true;
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
  }
  let owner = 0;
  try {
    owner = Number(Deno.readTextFileSync(path).trim());
  } catch { /* vanished or unreadable: treat as stale */ }
  if (owner === Deno.pid) return true;
  if (alive(owner)) return false;
  // stale: remove and retry once (another run may win the race; then it is theirs)
  try {
    Deno.removeSync(path);
  } catch { /* someone else removed it */ }
  try {
    const f = Deno.openSync(path, { write: true, createNew: true });
    f.writeSync(mine);
    f.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * This run's slot (0–255), reserved on first call and released when the process exits.
 *
 * @throws {Error} `Cannot reserve a test network slot: …` when all 256 are held by live processes
 */
export function runSlot(): number {
  if (reserved !== undefined) return reserved;
  const dir = tmpDir();
  const start = (Deno.pid * 7 + Math.floor(Math.random() * 256)) % 256;
  for (let i = 0; i < 256; i++) {
    const slot = (start + i) % 256;
    const path = `${dir}/ids-test-net-${slot}.pid`;
    if (tryTake(path)) {
      reserved = slot;
      globalThis.addEventListener("unload", () => {
        try {
          if (Deno.readTextFileSync(path).trim() === String(Deno.pid)) Deno.removeSync(path);
        } catch { /* gone */ }
      });
      return slot;
    }
  }
  throw new Error(`Cannot reserve a test network slot: all 256 ${dir}/ids-test-net-*.pid are held by live runs`);
}

/** This run's name suffix: the slot as two base-36 digits (`00`…`73`). */
export function runSuffix(): string {
  return runSlot().toString(36).padStart(2, "0");
}
