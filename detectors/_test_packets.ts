/**
 * Test helper: builds {@link Packet} records directly (no frame bytes) and runs them through a
 * {@link FlowTable} and detectors, collecting detections.
 *
 * @module
 */
import { type Config, DEFAULT_CONFIG } from "../config/defaults.ts";
import { parseIp } from "../config/ip.ts";
import { type IpKey, IpProto, Packet, TcpFlag } from "../decode/packet.ts";
import { AppLayer } from "../app/app_layer.ts";
import { FlowTable } from "../flow/flow_table.ts";
import { StreamTable } from "../stream/stream_table.ts";
import { appListener } from "./app_hooks.ts";
import type { Detection } from "./detection.ts";
import type { Detector } from "./detector.ts";

/** A packet time to start tests at (µs): 2023-11-14. */
export const T0 = 1_700_000_000_000_000;
/** One millisecond and one second in µs. */
export const MS = 1000;
export const SEC = 1_000_000;

/** TCP flag combinations. */
export const F = {
  S: TcpFlag.SYN,
  SA: TcpFlag.SYN | TcpFlag.ACK,
  A: TcpFlag.ACK,
  PA: TcpFlag.PSH | TcpFlag.ACK,
  FA: TcpFlag.FIN | TcpFlag.ACK,
  R: TcpFlag.RST,
  RA: TcpFlag.RST | TcpFlag.ACK,
} as const;

/** Parses an address into an {@link IpKey}; throws on bad text. */
export function ip(text: string): IpKey {
  const k = parseIp(text);
  if (k === null) throw new TypeError(`Cannot parse address: "${text}" is not an IP address`);
  return k;
}

/** What a test packet looks like. Addresses may be text (parsed) or {@link IpKey}s. */
export interface PacketSpec {
  tsUs: number;
  src: IpKey;
  dst: IpKey;
  proto: number;
  sp?: number;
  dp?: number;
  flags?: number;
  icmpType?: number;
  icmpCode?: number;
  payload?: string | Uint8Array;
  wireLen?: number;
  /** Decode no L4 header (a later fragment). */
  noL4?: boolean;
  /** TCP sequence number (0 when not given). */
  seq?: number;
}

const enc = new TextEncoder();

function key(a: IpKey): IpKey {
  if (typeof a === "number") return a;
  const p = parseIp(a);
  return p === null ? a : p;
}

/** Overwrites `pkt` with the spec, like a decoder would. */
export function fillPacket(pkt: Packet, s: PacketSpec): Packet {
  pkt.reset();
  const src = key(s.src), dst = key(s.dst);
  pkt.tsUs = s.tsUs;
  pkt.ipVersion = typeof src === "string" || typeof dst === "string" ? 6 : 4;
  pkt.src = src;
  pkt.dst = dst;
  pkt.proto = s.proto;
  pkt.ttl = 64;
  pkt.ipHdrLen = pkt.ipVersion === 4 ? 20 : 40;
  const body = typeof s.payload === "string" ? enc.encode(s.payload) : s.payload ?? new Uint8Array(0);
  pkt.hasL4 = !s.noL4;
  pkt.isFragment = !!s.noL4;
  pkt.isLaterFragment = !!s.noL4;
  let l4 = 0;
  if (pkt.hasL4) {
    if (s.proto === IpProto.TCP) {
      pkt.srcPort = s.sp ?? 40000;
      pkt.dstPort = s.dp ?? 80;
      pkt.tcpFlags = s.flags ?? 0;
      pkt.tcpSeq = s.seq ?? 0;
      pkt.tcpHdrLen = 20;
      l4 = 20;
    } else if (s.proto === IpProto.UDP) {
      pkt.srcPort = s.sp ?? 40000;
      pkt.dstPort = s.dp ?? 53;
      l4 = 8;
    } else if (s.proto === IpProto.ICMP || s.proto === IpProto.ICMPV6) {
      pkt.icmpType = s.icmpType ?? (s.proto === IpProto.ICMP ? 8 : 128);
      pkt.icmpCode = s.icmpCode ?? 0;
      l4 = 8;
    }
  }
  pkt.buf = body;
  pkt.l3Off = 0;
  pkt.l4Off = 0;
  pkt.payloadOff = 0;
  pkt.payloadLen = body.length;
  pkt.ipLen = pkt.ipHdrLen + l4 + body.length;
  pkt.wireLen = s.wireLen ?? pkt.ipLen + 14;
  return pkt;
}

/** Options of {@link Harness}. */
export interface HarnessOptions {
  /** Flow table cap (default 65536). */
  maxFlows?: number;
  /** Give TCP segments consecutive sequence numbers per direction, so the stream stage reassembles them (default off). */
  tcpSeq?: boolean;
}

/**
 * Feeds packets through a flow table, the stream stage and app layer, and detectors (as the
 * pipeline does) and records what they report. The hand-made packets carry no real TCP checksums,
 * so the stream stage does not validate them.
 */
export class Harness {
  readonly flows: FlowTable;
  readonly detectors: Detector[];
  readonly detections: Detection[] = [];
  readonly pkt: Packet = new Packet();
  readonly app: AppLayer;
  readonly stream: StreamTable;
  #emit = (d: Detection): void => {
    this.detections.push(d);
  };

  #seq: Map<string, number> | null = null;

  constructor(detectors: Detector | Detector[], options: HarnessOptions = {}) {
    this.detectors = Array.isArray(detectors) ? detectors : [detectors];
    if (options.tcpSeq) this.#seq = new Map();
    this.flows = new FlowTable({
      maxFlows: options.maxFlows ?? 65536,
      onEnd: (t, slot, reason) => {
        this.stream.onFlowEnd(slot, t.lastUs(slot));
        for (const d of this.detectors) d.onFlowEnd?.(t, slot, reason, this.#emit);
      },
    });
    this.app = new AppLayer(this.flows, { httpPorts: [80, 8080, 8000, 8008, 8888] });
    this.app.listen(appListener(this.detectors, () => this.#emit));
    this.stream = new StreamTable(this.app, { capacity: this.flows.capacity, checksumValidation: "no" });
  }

  /** Runs an already filled packet. */
  run(pkt: Packet): Packet {
    this.flows.update(pkt);
    if (pkt.proto === IpProto.TCP) this.stream.onPacket(pkt);
    for (const d of this.detectors) d.onPacket(pkt, this.flows, this.#emit);
    return pkt;
  }

  /** Builds and runs one packet. */
  send(spec: PacketSpec): Packet {
    return this.run(fillPacket(this.pkt, spec));
  }

  /** A TCP packet. */
  tcp(tsUs: number, src: IpKey, dst: IpKey, ports: [number, number], flags: number, payload?: string): Packet {
    let seq = 0;
    if (this.#seq !== null) {
      const k = `${src}|${ports[0]}|${dst}|${ports[1]}`;
      seq = (flags & F.S) !== 0 ? 1000 : this.#seq.get(k) ?? 1000;
      const len = payload === undefined ? 0 : enc.encode(payload).length;
      this.#seq.set(k, (seq + len + ((flags & (F.S | TcpFlag.FIN)) !== 0 ? 1 : 0)) >>> 0);
    }
    return this.send({ tsUs, src, dst, proto: IpProto.TCP, sp: ports[0], dp: ports[1], flags, payload, seq });
  }

  /** A UDP packet. */
  udp(tsUs: number, src: IpKey, dst: IpKey, ports: [number, number], payload?: string): Packet {
    return this.send({ tsUs, src, dst, proto: IpProto.UDP, sp: ports[0], dp: ports[1], payload });
  }

  /** An ICMP (IPv4 addresses) or ICMPv6 (IPv6 addresses) packet; type 8/128 (echo request) by default. */
  icmp(tsUs: number, src: IpKey, dst: IpKey, type?: number, code = 0): Packet {
    const v6 = typeof key(src) === "string";
    return this.send({
      tsUs,
      src,
      dst,
      proto: v6 ? IpProto.ICMPV6 : IpProto.ICMP,
      icmpType: type ?? (v6 ? 128 : 8),
      icmpCode: code,
    });
  }

  /** Three-way handshake from `client` to `server`; returns the time of the last packet. */
  handshake(tsUs: number, client: IpKey, server: IpKey, ports: [number, number], rttUs = 200): number {
    const back: [number, number] = [ports[1], ports[0]];
    this.tcp(tsUs, client, server, ports, F.S);
    this.tcp(tsUs + rttUs / 2, server, client, back, F.SA);
    this.tcp(tsUs + rttUs, client, server, ports, F.A);
    return tsUs + rttUs;
  }

  /**
   * A whole TCP session: handshake, `exchanges` request/response pairs, FIN from the client,
   * FIN-ACK and the last ACK. Returns the time of the last packet.
   */
  session(
    tsUs: number,
    client: IpKey,
    server: IpKey,
    options: { ports: [number, number]; exchanges?: number; gapUs?: number; rttUs?: number },
  ): number {
    const { ports, exchanges = 1, gapUs = 1000, rttUs = 200 } = options;
    const back: [number, number] = [ports[1], ports[0]];
    let t = this.handshake(tsUs, client, server, ports, rttUs);
    for (let i = 0; i < exchanges; i++) {
      t += gapUs;
      this.tcp(t, client, server, ports, F.PA, "request");
      this.tcp(t + rttUs / 2, server, client, back, F.PA, "response");
      t += rttUs / 2;
    }
    t += gapUs;
    this.tcp(t, client, server, ports, F.FA);
    this.tcp(t + rttUs / 2, server, client, back, F.FA);
    this.tcp(t + rttUs, client, server, ports, F.A);
    return t + rttUs;
  }

  /** A DNS-like UDP query answered after `rttUs`. */
  query(tsUs: number, client: IpKey, server: IpKey, ports: [number, number], rttUs = 300): number {
    this.udp(tsUs, client, server, ports, "query");
    this.udp(tsUs + rttUs, server, client, [ports[1], ports[0]], "answer");
    return tsUs + rttUs;
  }

  /** Lets packet time pass (expires flows) without a packet. */
  advance(tsUs: number): void {
    this.flows.advance(tsUs);
  }

  /** Ends every flow, as at the end of a replay. */
  flush(): void {
    this.flows.flush();
  }

  /** Detections of one type (all when omitted). */
  of(type?: string): Detection[] {
    return type === undefined ? this.detections : this.detections.filter((d) => d.type === type);
  }
}

/** A partial configuration: any key at any depth may be left out. */
export type ConfigPatch = {
  [K in keyof Config]?: Config[K] extends readonly unknown[] ? Config[K] : Partial<Config[K]>;
};

/** {@link DEFAULT_CONFIG} with some sections patched (one level deep), e.g. `{ syn_flood: { threshold: 5 } }`. */
export function testConfig(patch: ConfigPatch = {}): Config {
  const out: Record<string, unknown> = { ...DEFAULT_CONFIG };
  for (const [k, v] of Object.entries(patch)) {
    const base = (DEFAULT_CONFIG as unknown as Record<string, unknown>)[k];
    out[k] = v !== null && typeof v === "object" && !Array.isArray(v) ? { ...(base as object), ...v } : v;
  }
  return out as unknown as Config;
}
