/**
 * Redis output, as Suricata's `eve-log` with `filetype: redis`: each EVE record is pushed onto a
 * list (`RPUSH`/`LPUSH`) or published on a channel (`PUBLISH`), so Logstash and other consumers
 * aggregate many sensors. Speaks RESP over TCP itself (a few lines, tested against a real
 * redis-server); pipelines a batch per round trip; reconnects with backoff; bounded buffer with
 * drops counted.
 *
 * @module
 */
import { eveJson } from "./eve.ts";
import type { HubEvent, Subscriber } from "../core/hub_event.ts";
import { type NetConnection, type NetOutputStats, NetQueue } from "./_net_queue.ts";

const enc = new TextEncoder();

/** One RESP command (an array of bulk strings). */
export function respCommand(args: readonly string[]): Uint8Array {
  const parts = args.map((a) => enc.encode(a));
  const head = enc.encode(`*${parts.length}\r\n`);
  const chunks: Uint8Array[] = [head];
  for (const p of parts) chunks.push(enc.encode(`$${p.length}\r\n`), p, enc.encode("\r\n"));
  let size = 0;
  for (const c of chunks) size += c.length;
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/**
 * Reads simple RESP replies (`:n`, `+OK`, `-ERR …`, and bulk/array replies skipped as a whole line
 * set) from a connection: enough for RPUSH/LPUSH/PUBLISH answers.
 */
class ReplyReader {
  #conn: Deno.Conn;
  #buf = new Uint8Array(0);
  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** The next reply line, without CRLF. */
  async line(): Promise<string> {
    for (;;) {
      const i = this.#buf.indexOf(10);
      if (i >= 0) {
        const text = new TextDecoder().decode(this.#buf.subarray(0, i > 0 && this.#buf[i - 1] === 13 ? i - 1 : i));
        this.#buf = this.#buf.subarray(i + 1);
        return text;
      }
      const chunk = new Uint8Array(65536);
      const n = await this.#conn.read(chunk);
      if (n === null) throw new Error("Redis closed the connection");
      const next = new Uint8Array(this.#buf.length + n);
      next.set(this.#buf);
      next.set(chunk.subarray(0, n), this.#buf.length);
      this.#buf = next;
    }
  }
}

/** Options of {@link RedisOutput}. */
export interface RedisOutputOptions {
  host: string;
  port: number;
  /** `rpush`, `lpush` or `publish`. */
  mode: "rpush" | "lpush" | "publish";
  key: string;
  maxBuffer: number;
  onProblem?: (line: string) => void;
  /** Reconnect backoff bounds (ms), for tests. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** Opens one RESP connection. */
async function connectRedis(o: RedisOutputOptions): Promise<NetConnection> {
  let conn: Deno.Conn;
  try {
    conn = await Deno.connect({ hostname: o.host, port: o.port });
  } catch (e) {
    throw new Error(`Cannot connect to Redis at ${o.host}:${o.port}: ${(e as Error).message.split("\n")[0]}`);
  }
  const reader = new ReplyReader(conn);
  const verb = o.mode.toUpperCase();
  return {
    async send(batch) {
      const cmds = batch.map((record) => respCommand([verb, o.key, record]));
      let size = 0;
      for (const c of cmds) size += c.length;
      const all = new Uint8Array(size);
      let off = 0;
      for (const c of cmds) {
        all.set(c, off);
        off += c.length;
      }
      for (let w = 0; w < all.length;) w += await conn.write(all.subarray(w));
      let refused = 0;
      for (let i = 0; i < batch.length; i++) {
        const reply = await reader.line();
        if (reply.startsWith("-")) refused++;
      }
      return refused;
    },
    close() {
      try {
        conn.close();
      } catch { /* closed */ }
    },
  };
}

/** The Redis output as a hub subscriber. */
export class RedisOutput implements Subscriber {
  readonly name = "redis";
  readonly kinds = ["alert"] as const;
  #queue: NetQueue;

  /** Starts connecting in the background. */
  constructor(options: RedisOutputOptions) {
    this.#queue = new NetQueue({
      name: `redis ${options.host}:${options.port}`,
      connect: () => connectRedis(options),
      maxBuffer: options.maxBuffer,
      onProblem: options.onProblem,
      minBackoffMs: options.minBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
    });
  }

  /** Delivery counters. */
  get stats(): NetOutputStats {
    return this.#queue.stats;
  }

  /** Queues the EVE record of an alert. */
  handle(event: HubEvent): void {
    if (event.kind === "alert") this.#queue.push(eveJson(event.alert));
  }

  /** Queues any EVE record (e.g. stats). */
  pushRecord(record: object): void {
    this.#queue.push(JSON.stringify(record));
  }

  /** Sends what it can within `timeoutMs` (default 2 s), then closes. */
  close(timeoutMs = 2000): Promise<void> {
    return this.#queue.close(timeoutMs);
  }
}
