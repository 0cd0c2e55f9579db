/**
 * Frame → {@link Packet}: the decoding stage of the pipeline.
 *
 * @module
 */
import { type Frame, MAX_PACKET_TIME_US } from "../core/frame.ts";
import { DecodeEvents, Ev } from "./events.ts";
import { decodeEtherPayload, decodeLink, EtherType } from "./link.ts";
import type { Packet } from "./packet.ts";

/** Decodes frames into one reused packet record and counts decode events. */
export class Decoder {
  /** Decode event counters. */
  readonly events: DecodeEvents = new DecodeEvents();
  /** Frames by link type. */
  readonly linkTypes: Map<number, number> = new Map();
  #lastLink = -1;
  #lastLinkCount = 0;
  #lastGoodUs = -1;

  /**
   * Decodes `frame` into `pkt` (reset first). Never throws on malformed bytes. A frame time outside
   * 0…{@link MAX_PACKET_TIME_US} (or not a number) is a `frame.bad_timestamp` event; the packet then takes the
   * last good time, or the time clamped into range when there was none.
   */
  decode(frame: Frame, pkt: Packet): void {
    pkt.reset();
    const buf = pkt.buf = frame.buf;
    const off = frame.off;
    if (off === undefined) {
      pkt.start = 0;
      pkt.end = buf.length;
    } else {
      pkt.start = off;
      pkt.end = off + frame.caplen;
    }
    const ts = frame.tsUs;
    const before = this.events.n;
    if (ts >= 0 && ts <= MAX_PACKET_TIME_US) {
      pkt.tsUs = this.#lastGoodUs = ts;
    } else {
      this.events.add(Ev["frame.bad_timestamp"]);
      pkt.tsUs = this.#lastGoodUs >= 0 ? this.#lastGoodUs : ts > MAX_PACKET_TIME_US ? MAX_PACKET_TIME_US : 0;
    }
    pkt.wireLen = frame.len;
    pkt.linkType = frame.linkType;
    pkt.iface = frame.iface;
    if (frame.linkType !== this.#lastLink) this.#flushLink(frame.linkType);
    this.#lastLinkCount++;
    decodeLink(pkt, frame.linkType, this.events);
    // without a branch: the first frame with an event then meets no optimized code that never ran this (which would
    // throw the reader's whole optimized loop away, a deoptimization)
    const ev = this.events;
    ev.frames += ev.n !== before ? 1 : 0;
  }

  /**
   * Decodes a datagram rebuilt from fragments (IP header first) into `pkt`, keeping the frame
   * fields (time, interface) of the fragment that completed it.
   */
  decodeDatagram(datagram: Uint8Array, pkt: Packet): void {
    pkt.reset();
    pkt.buf = datagram;
    pkt.start = 0;
    pkt.end = datagram.length;
    pkt.wireLen = datagram.length;
    decodeEtherPayload(pkt, datagram[0] >> 4 === 6 ? EtherType.IPV6 : EtherType.IPV4, 0, this.events);
    pkt.reassembled = true;
  }

  /** Link type of the latest frame (-1 before the first). */
  get lastLinkType(): number {
    return this.#lastLink;
  }

  /** Frames per link type (call after the run). */
  linkTypeCounts(): Map<number, number> {
    this.#flushLink(this.#lastLink);
    return this.linkTypes;
  }

  #flushLink(next: number): void {
    if (this.#lastLink >= 0 && this.#lastLinkCount > 0) {
      this.linkTypes.set(this.#lastLink, (this.linkTypes.get(this.#lastLink) ?? 0) + this.#lastLinkCount);
    }
    this.#lastLink = next;
    this.#lastLinkCount = 0;
  }
}
