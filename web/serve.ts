/**
 * Serves the dashboard: loads or creates the access token in the data directory, listens (loopback
 * by default, a warning for anything else) and reports the ready-to-open URL.
 *
 * @module
 */
import { createDashboard } from "./app.tsx";
import { isLoopbackHost, type ListenAddress, loadOrCreateToken } from "./auth.ts";
import type { DashboardOptions } from "./context.ts";

/** Options of {@link serveDashboard}. */
export interface ServeOptions extends Omit<DashboardOptions, "token"> {
  /** Directory holding `dashboard.token` (created when missing). */
  dataDir: string;
  /** Where to listen (default 127.0.0.1:8470). */
  listen?: ListenAddress;
  /** Receives warnings (default: stderr). */
  warn?: (line: string) => void;
  signal?: AbortSignal;
}

/** A running dashboard. */
export interface RunningDashboard {
  /** The URL to open, with the token. */
  url: string;
  /** The URL without the token. */
  origin: string;
  token: string;
  /** Stops listening; resolves when closed. */
  close(): Promise<void>;
}

import { DEFAULT_PORT } from "./auth.ts";

export { DEFAULT_PORT };

/**
 * Starts the dashboard.
 *
 * @throws {Error} `Cannot listen on HOST:PORT: …` when the address is taken or not allowed
 */
export async function serveDashboard(options: ServeOptions): Promise<RunningDashboard> {
  const token = await loadOrCreateToken(options.dataDir);
  const app = createDashboard({ ...options, token });
  const listen = options.listen ?? { hostname: "127.0.0.1", port: DEFAULT_PORT };
  const warn = options.warn ?? ((line: string) => console.error(line));
  if (!isLoopbackHost(listen.hostname)) {
    warn(
      `ids: WARNING: the dashboard listens on ${listen.hostname}, reachable from other machines; ` +
        `anyone with the token can unblock addresses and change settings (plain HTTP: use a trusted network or an SSH tunnel)`,
    );
  }
  const ready = Promise.withResolvers<Deno.NetAddr>();
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: listen.hostname,
      port: listen.port,
      signal: options.signal,
      onListen: (addr) => ready.resolve(addr),
      onError: (e) => new Response(`Internal error: ${(e as Error).message}`, { status: 500 }),
    }, app.fetch);
  } catch (e) {
    throw new Error(
      `Cannot listen on ${listen.hostname}:${listen.port}: ${
        (e as Error).message
      } (choose another with --listen HOST:PORT)`,
    );
  }
  const addr = await ready.promise;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  const shownHost = host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host;
  const origin = `http://${shownHost}:${addr.port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    close: async () => {
      options.feed.close();
      await server.shutdown().catch(() => {});
    },
  };
}
