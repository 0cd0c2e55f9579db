/**
 * Dashboard access token: generated at first start, kept in the data directory
 * (`dashboard.token`, mode 0600), exchanged for an HttpOnly SameSite=Strict cookie.
 *
 * @module
 */
import { join } from "node:path";
import { timingSafeEqual } from "node:crypto";

/** File name of the token in the data directory. */
export const TOKEN_FILE = "dashboard.token";

/** Name of the session cookie. */
export const SESSION_COOKIE = "ids_session";

/** A new random token: 32 bytes, base64url. */
export function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * Reads the token from `dataDir`, creating the directory and a new token on first start.
 *
 * @throws {Error} `Cannot create dashboard token: …` when the directory or file cannot be written
 */
export async function loadOrCreateToken(dataDir: string): Promise<string> {
  const path = join(dataDir, TOKEN_FILE);
  try {
    const text = (await Deno.readTextFile(path)).trim();
    if (/^[A-Za-z0-9_-]{32,}$/.test(text)) return text;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new Error(`Cannot read dashboard token ${path}: ${(e as Error).message}`);
    }
  }
  const token = newToken();
  try {
    await Deno.mkdir(dataDir, { recursive: true });
    await Deno.writeTextFile(path, `${token}\n`, { mode: 0o600 });
  } catch (e) {
    throw new Error(`Cannot create dashboard token ${path}: ${(e as Error).message} (choose another --data DIR)`);
  }
  return token;
}

/** Constant-time comparison of a presented value with the token. */
export function tokenMatches(token: string, presented: string | undefined | null): boolean {
  if (!presented) return false;
  const a = new TextEncoder().encode(token);
  const b = new TextEncoder().encode(presented);
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/** True for a loopback host (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Default dashboard port. */
export const DEFAULT_PORT = 8470;

/** A parsed `--listen HOST:PORT`. */
export interface ListenAddress {
  hostname: string;
  port: number;
}

/**
 * Parses `HOST:PORT`, `[V6]:PORT`, `:PORT` or `PORT` (host 127.0.0.1); port 0 picks a free one.
 *
 * @throws {Error} `Cannot parse --listen …` for anything else
 */
export function parseListen(value: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]*)):(\d{1,5})$/.exec(value) ?? /^()()(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    throw new Error(`Cannot parse --listen "${value}": expected HOST:PORT, e.g. 127.0.0.1:8080`);
  }
  const hostname = m[1] ?? (m[2] || "127.0.0.1");
  return { hostname, port };
}
