/**
 * UDP flood: unanswered UDP packets per source and per destination.
 *
 * A UDP packet from a flow's initiator counts while the flow has not been answered. When the first
 * answer of a flow arrives, the packets already counted for it are taken back — so a client's
 * burst of DNS queries, each answered within the window, counts (almost) nothing, while a flood
 * that gets no answers or only ICMP port-unreachable messages (a separate ICMP flow) keeps
 * counting. Packets to multicast/broadcast groups (streams, discovery) are not counted.
 *
 * Fires for a source sending `source_threshold` such packets within `window_s` (src = that
 * source), or for a destination receiving `threshold` (src = its busiest source; `spoofed` when
 * they come from 64+ sources with none above 10 %).
 *
 * @module
 */
import type { Config, FloodConfig } from "../config/defaults.ts";
import type { TrustedMatcher } from "../config/trusted.ts";
import { IpProto, type Packet } from "../decode/packet.ts";
import { FlowState, type FlowTable } from "../flow/flow_table.ts";
import { FloodCounter, floodOrigin } from "./_flood.ts";
import { FlowMarks } from "./_flow_marks.ts";
import { isGroupAddress, num, toUs, trustedFilter } from "./_util.ts";
import type { Detection } from "./detection.ts";
import type { Detector, Emit } from "./detector.ts";

/** Detects UDP floods (see module docs). */
export class UdpFloodDetector implements Detector {
  /** The attack type reported. */
  readonly type = "udp_flood" as const;
  #cfg!: FloodConfig;
  #trusted: TrustedMatcher | null = null;
  #counter: FloodCounter;
  #marks = new FlowMarks();

  /** Creates the detector with `config.udp_flood` and `config.limits`. */
  constructor(config: Config) {
    this.#counter = new FloodCounter(config.limits.max_tracked_ips);
    this.configure(config);
  }

  /** Applies a new configuration; a changed window clears the counts. */
  configure(config: Config): void {
    const c = config.udp_flood;
    this.#cfg = c;
    this.#counter.configure(toUs(c.window_s), config.limits.max_tracked_ips);
    this.#trusted = trustedFilter(config, c.use_trusted);
  }

  /** Entries in the per-source and per-destination tables. */
  size(): number {
    return this.#counter.size;
  }

  /** Counts unanswered UDP packets and takes back flows that got answered. */
  onPacket(pkt: Packet, flows: FlowTable, emit: Emit): void {
    const cfg = this.#cfg;
    if (!cfg.enabled || pkt.proto !== IpProto.UDP) return;
    const slot = pkt.flow;
    if (slot < 0) return;
    if ((flows.state(slot) & FlowState.REPLIED) !== 0) {
      const n = this.#marks.get(flows, slot);
      if (n > 0) {
        this.#marks.set(flows, slot, 0);
        this.#counter.refund(flows.initiatorIp(slot), flows.responderIp(slot), flows.firstUs(slot), n);
      }
      return;
    }
    if (pkt.dir !== 0 || isGroupAddress(pkt.dst)) return;
    if (this.#trusted !== null && this.#trusted(pkt.src)) return;
    this.#marks.set(flows, slot, this.#marks.get(flows, slot) + 1);
    const v = this.#counter.add(pkt.src, pkt.dst, pkt.tsUs, cfg);
    if (v.kind === 0) return;
    const own = v.attacker === pkt.src;
    const from = floodOrigin(v);
    const det: Detection = {
      type: "udp_flood",
      tsUs: pkt.tsUs,
      src: v.attacker,
      dst: pkt.dst,
      srcPort: own ? pkt.srcPort : 0,
      dstPort: pkt.dstPort,
      proto: IpProto.UDP,
      severity: 1,
      reason: `${v.count} unanswered UDP packets ${from} in ${num(cfg.window_s)} s`,
      flow: own ? slot : -1,
    };
    if (v.spoofed) det.spoofed = true;
    emit(det);
  }
}
