/**
 * Where the sensor keeps its database: `--data DIR`, else a per-OS default — `%ProgramData%\ids`
 * on Windows, `/var/lib/ids` when running as root on Linux (and other Unixes), `./ids-data`
 * otherwise.
 *
 * @module
 */
import { join } from "node:path";

/** What the default depends on (the real process by default; tests pass fakes). */
export interface DataDirHost {
  os: typeof Deno.build.os;
  /** Effective user id; null where the OS has none (Windows). */
  uid: number | null;
  env: (name: string) => string | undefined;
  cwd: string;
}

/** The running process. */
export function currentHost(): DataDirHost {
  return {
    os: Deno.build.os,
    uid: Deno.build.os === "windows" ? null : Deno.uid(),
    env: (name) => {
      try {
        return Deno.env.get(name);
      } catch {
        return undefined; // no --allow-env: the fallback applies
      }
    },
    cwd: Deno.cwd(),
  };
}

/** The default data directory for `host`. */
export function defaultDataDir(host: DataDirHost = currentHost()): string {
  if (host.os === "windows") {
    const programData = host.env("ProgramData") ?? host.env("ALLUSERSPROFILE") ?? "C:\\ProgramData";
    return `${programData.replace(/[\\/]+$/, "")}\\ids`;
  }
  if (host.uid === 0) return "/var/lib/ids";
  return join(host.cwd, "ids-data");
}

/** The database file inside a data directory. */
export function databasePath(dir: string): string {
  return join(dir, "ids.db");
}
