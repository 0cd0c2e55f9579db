/**
 * One line per sampled packet for the live traffic panel (the seed's `nuevo_trafico`), built in the
 * capture Worker from the decoded packet. Only addresses, ports, protocol, flags and length: no
 * payload bytes, so nothing an attacker controls beyond numbers reaches the screen.
 *
 * @module
 */
import type { TrafficLine } from "../core/hub_event.ts";
import { IpProto, ipToString, protoName, tcpFlagsString } from "../core/ip.ts";
import type { Packet } from "../decode/packet.ts";

/** Builds the traffic line of the decoded packet `pkt`. */
export function trafficLine(pkt: Packet): TrafficLine {
  const len = pkt.wireLen;
  if (pkt.ipVersion === 0) {
    const summary = pkt.isArp
      ? `ARP ${pkt.arpOp === 1 ? "who-has" : "is-at"} ${ipToString(pkt.arpTpa)} tell ${
        ipToString(pkt.arpSpa)
      } len ${len}`
      : `non-IP frame (ethertype 0x${pkt.etherType.toString(16).padStart(4, "0")}) len ${len}`;
    return { tsUs: pkt.tsUs, src: "", dst: "", srcPort: 0, dstPort: 0, proto: 0, len, tcpFlags: 0, summary };
  }
  const src = ipToString(pkt.src);
  const dst = ipToString(pkt.dst);
  const ports = pkt.hasL4 && (pkt.proto === IpProto.TCP || pkt.proto === IpProto.UDP);
  const tcpFlags = pkt.hasL4 && pkt.proto === IpProto.TCP ? pkt.tcpFlags : 0;
  const host = (ip: string, port: number) => ports ? (ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`) : ip;
  let extra = "";
  if (tcpFlags !== 0) extra = ` ${tcpFlagsString(tcpFlags)}`;
  else if (pkt.hasL4 && pkt.icmpType >= 0) extra = ` type ${pkt.icmpType} code ${pkt.icmpCode}`;
  if (pkt.isFragment) extra += " frag";
  return {
    tsUs: pkt.tsUs,
    src,
    dst,
    srcPort: ports ? pkt.srcPort : 0,
    dstPort: ports ? pkt.dstPort : 0,
    proto: pkt.proto,
    len,
    tcpFlags,
    summary: `${host(src, pkt.srcPort)} > ${host(dst, pkt.dstPort)} ${protoName(pkt.proto)}${extra} len ${len}`,
  };
}

/**
 * Samples at most `perSecond` packets per second of wall time without reading the clock per
 * packet: a timer raises {@link TrafficSampler.want}; the packet loop checks the flag (one load)
 * and takes the next packet when it is set.
 */
export class TrafficSampler {
  /** True when the next packet should be sampled. */
  want = false;
  #lines: TrafficLine[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #max: number;

  /** `perSecond` 0 disables sampling. */
  constructor(perSecond: number) {
    this.#max = Math.max(0, Math.floor(perSecond));
    if (this.#max > 0) {
      this.#timer = setInterval(() => this.want = true, Math.max(1, Math.floor(1000 / this.#max)));
    }
  }

  /** False when it samples nothing (0 per second): {@link want} then never becomes true. */
  get active(): boolean {
    return this.#max > 0;
  }

  /** Records the packet just decoded (call only when {@link want} is set). */
  take(pkt: Packet): void {
    this.want = false;
    if (this.#lines.length < this.#max) this.#lines.push(trafficLine(pkt));
  }

  /** The lines sampled since the last call. */
  drain(): TrafficLine[] {
    const out = this.#lines;
    this.#lines = [];
    return out;
  }

  /** Stops the timer. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.want = false;
  }
}
