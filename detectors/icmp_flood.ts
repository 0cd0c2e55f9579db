/**
 * ICMP flood: ICMP/ICMPv6 requests per source and per destination.
 *
 * Counts the messages a flooder sends — echo requests and other non-reply, non-error types — by
 * the packet's own source, whether or not the victim answers them. Echo replies, errors
 * (unreachable, time exceeded, …) and IPv6 neighbour discovery are never counted, so the victim
 * answering a ping flood is never taken for the attacker.
 *
 * Fires for a source sending `source_threshold` requests within `window_s` (src = that source),
 * or for a destination receiving `threshold` (src = its busiest source; `spoofed` when they come
 * from 64+ sources with none above 10 %).
 *
 * @module
 */
import type { Config, FloodConfig } from "../config/defaults.ts";
import type { TrustedMatcher } from "../config/trusted.ts";
import { IpProto, type Packet } from "../decode/packet.ts";
import type { FlowTable } from "../flow/flow_table.ts";
import { FloodCounter, floodOrigin } from "./_flood.ts";
import { isIcmpRequest, num, toUs, trustedFilter } from "./_util.ts";
import type { Detection } from "./detection.ts";
import { type Detector, type Emit, type PacketInterest, PacketKind } from "./detector.ts";

/** Detects ICMP floods (see module docs). */
export class IcmpFloodDetector implements Detector {
  /** The attack type reported. */
  readonly type = "icmp_flood" as const;
  /** ICMP and ICMPv6 only. */
  readonly packets: PacketInterest = { kinds: PacketKind.ICMP, tcpFlags: 0 };
  #cfg!: FloodConfig;
  #trusted: TrustedMatcher | null = null;
  #counter: FloodCounter;

  /** Creates the detector with `config.icmp_flood` and `config.limits`. */
  constructor(config: Config) {
    this.#counter = new FloodCounter(config.limits.max_tracked_ips);
    this.configure(config);
  }

  /** Applies a new configuration; a changed window clears the counts. */
  configure(config: Config): void {
    const c = config.icmp_flood;
    this.#cfg = c;
    this.#counter.configure(toUs(c.window_s), config.limits.max_tracked_ips);
    this.#trusted = trustedFilter(config, c.use_trusted);
  }

  /** Entries in the per-source and per-destination tables. */
  size(): number {
    return this.#counter.size;
  }

  /** Counts ICMP requests. */
  onPacket(pkt: Packet, _flows: FlowTable, emit: Emit): void {
    const cfg = this.#cfg;
    if (!cfg.enabled) return;
    const proto = pkt.proto;
    if (proto !== IpProto.ICMP && proto !== IpProto.ICMPV6) return;
    if (!pkt.hasL4 || !isIcmpRequest(proto, pkt.icmpType)) return;
    if (this.#trusted !== null && this.#trusted(pkt.src)) return;
    const v = this.#counter.add(pkt.src, pkt.dst, pkt.tsUs, cfg);
    if (v.kind === 0) return;
    const own = v.attacker === pkt.src;
    const what = pkt.icmpType === (proto === IpProto.ICMP ? 8 : 128)
      ? "ICMP echo requests"
      : `ICMP requests (last type ${pkt.icmpType})`;
    const from = floodOrigin(v);
    const det: Detection = {
      type: "icmp_flood",
      tsUs: pkt.tsUs,
      src: v.attacker,
      dst: pkt.dst,
      srcPort: 0,
      dstPort: 0,
      proto,
      severity: 1,
      reason: `${v.count} ${what} ${from} in ${num(cfg.window_s)} s`,
      flow: own ? pkt.flow : -1,
    };
    if (v.spoofed) det.spoofed = true;
    emit(det);
  }
}
