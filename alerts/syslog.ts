/**
 * Syslog output (RFC 5424) carrying the EVE record as the message, over UDP (one datagram per
 * record) or TCP (octet-counted framing, RFC 6587 §3.4.1), with reconnect, backoff and a bounded
 * buffer on TCP.
 *
 * @module
 */
import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import { hostname } from "node:os";
import type { Alert } from "../core/alert.ts";
import type { HubEvent, Subscriber } from "../core/hub_event.ts";
import { eveJson } from "./eve.ts";
import { type NetConnection, type NetOutputStats, NetQueue } from "./_net_queue.ts";

/** Syslog severity of an alert: EVE severity 1 → 2 critical, 2 → 3 error, 3 → 4 warning. */
export function syslogSeverity(alert: Pick<Alert, "severity">): number {
  return alert.severity === 1 ? 2 : alert.severity === 2 ? 3 : 4;
}

/** Printable US-ASCII without spaces, at most `max` characters, as RFC 5424 header fields require ("-" when empty). */
function headerField(text: string, max: number): string {
  const clean = text.replace(/[^\x21-\x7e]/g, "").slice(0, max);
  return clean === "" ? "-" : clean;
}

/** Options of {@link syslogMessage}. */
export interface SyslogMessageOptions {
  facility: number;
  hostname: string;
  appName?: string;
  procId?: string;
  /** Wall-clock time of the message (ms). */
  nowMs?: number;
}

/** The RFC 5424 message of an alert: `<PRI>1 TIMESTAMP HOST ids PID alert - {EVE JSON}`. */
export function syslogMessage(alert: Alert, o: SyslogMessageOptions): string {
  const pri = o.facility * 8 + syslogSeverity(alert);
  const time = new Date(o.nowMs ?? Date.now()).toISOString();
  const eve = eveJson(alert);
  return `<${pri}>1 ${time} ${headerField(o.hostname, 255)} ${headerField(o.appName ?? "ids", 48)} ${
    headerField(o.procId ?? String(Deno.pid), 128)
  } alert - ${eve}`;
}

/** Options of {@link SyslogOutput}. */
export interface SyslogOutputOptions {
  host: string;
  port: number;
  protocol: "udp" | "tcp";
  facility: number;
  maxBuffer: number;
  onProblem?: (line: string) => void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

const enc = new TextEncoder();

/** The syslog output as a hub subscriber. */
export class SyslogOutput implements Subscriber {
  readonly name = "syslog";
  readonly kinds = ["alert"] as const;
  #o: SyslogOutputOptions;
  #host = hostname();
  #udp: Socket | undefined;
  #queue: NetQueue | undefined;
  #udpStats: NetOutputStats = { sent: 0, dropped: 0, refused: 0, connects: 0, queued: 0 };
  #udpErrorSaid = false;
  /** UDP datagrams handed to the socket whose send has not completed yet. */
  #udpPending = 0;
  #udpSettled: (() => void) | undefined;
  /** close() stopped waiting: late send callbacks change no counter and say nothing. */
  #udpGaveUp = false;

  /** Opens the UDP socket, or starts connecting over TCP in the background. */
  constructor(options: SyslogOutputOptions) {
    this.#o = options;
    if (options.protocol === "udp") {
      this.#udp = createSocket(isIPv6(options.host) ? "udp6" : "udp4");
      this.#udp.on("error", (e) => this.#udpError(e));
    } else {
      this.#queue = new NetQueue({
        name: `syslog tcp ${options.host}:${options.port}`,
        connect: () => this.#connectTcp(),
        maxBuffer: options.maxBuffer,
        onProblem: options.onProblem,
        minBackoffMs: options.minBackoffMs,
        maxBackoffMs: options.maxBackoffMs,
      });
    }
  }

  /** Delivery counters (UDP: datagrams handed to the OS). */
  get stats(): NetOutputStats {
    return this.#queue?.stats ?? this.#udpStats;
  }

  /** Sends (UDP) or queues (TCP) the message of an alert. */
  handle(event: HubEvent): void {
    if (event.kind !== "alert") return;
    const msg = syslogMessage(event.alert, { facility: this.#o.facility, hostname: this.#host });
    if (this.#queue) {
      this.#queue.push(msg);
      return;
    }
    const bytes = enc.encode(msg);
    this.#udpPending++;
    this.#udp!.send(bytes, this.#o.port, this.#o.host, (err) => {
      this.#udpPending--;
      if (this.#udpGaveUp) return; // counted as dropped by close()
      if (err) this.#udpError(err);
      else this.#udpStats.sent++;
      if (this.#udpPending === 0) this.#udpSettled?.();
    });
  }

  /**
   * Flushes and closes: TCP delivers its queue for up to 2 s; UDP waits (up to 2 s) for the sends
   * still in progress — closing the socket under them would lose those datagrams silently.
   */
  async close(): Promise<void> {
    if (this.#queue) await this.#queue.close();
    if (!this.#udp) return;
    if (this.#udpPending > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((r) => this.#udpSettled = r),
        new Promise<void>((r) => timer = setTimeout(r, 2000)),
      ]);
      clearTimeout(timer);
      this.#udpGaveUp = this.#udpPending > 0;
      this.#udpStats.dropped += this.#udpPending;
    }
    await new Promise<void>((r) => this.#udp!.close(() => r()));
  }

  #udpError(e: Error): void {
    this.#udpStats.dropped++;
    if (this.#udpErrorSaid) return;
    this.#udpErrorSaid = true;
    (this.#o.onProblem ?? ((l: string) => console.error(`ids: ${l}`)))(
      `output syslog udp ${this.#o.host}:${this.#o.port}: ${e.message.split("\n")[0]} (datagrams lost are counted)`,
    );
  }

  async #connectTcp(): Promise<NetConnection> {
    const { host, port } = this.#o;
    let conn: Deno.Conn;
    try {
      conn = await Deno.connect({ hostname: this.#o.host, port: this.#o.port });
    } catch (e) {
      throw new Error(
        `Cannot connect to the syslog collector ${this.#o.host}:${this.#o.port}: ${
          (e as Error).message.split("\n")[0]
        }`,
      );
    }
    // a collector that went away is seen by the read side (EOF) before a write into the dead socket
    // would "succeed" into the kernel buffer and be lost
    let dead = false;
    (async () => {
      const sink = new Uint8Array(4096);
      try {
        while ((await conn.read(sink)) !== null) { /* collectors send nothing */ }
      } catch { /* reset */ }
      dead = true;
    })();
    return {
      async send(batch) {
        if (dead) throw new Error(`the syslog collector ${host}:${port} closed the connection`);
        let text = "";
        for (const m of batch) text += `${enc.encode(m).length} ${m}`;
        const bytes = enc.encode(text);
        for (let w = 0; w < bytes.length;) w += await conn.write(bytes.subarray(w));
        return 0;
      },
      close() {
        try {
          conn.close();
        } catch { /* closed */ }
      },
    };
  }
}
