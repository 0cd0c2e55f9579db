/**
 * The decoded packet record. One instance is reused for every frame: decoders overwrite its fields
 * and keep offsets into the frame buffer instead of copying bytes.
 *
 * Addresses: IPv4 addresses are unsigned 32-bit numbers; IPv6 addresses are their canonical text
 * (RFC 5952), built only for IPv6 packets. Use {@link ipToString} to print either.
 *
 * @module
 */

export { type IpKey, IpProto, ipToString, protoName, TcpFlag } from "../core/ip.ts";
import type { IpKey } from "../core/ip.ts";

const EMPTY = new Uint8Array(0);

/** A decoded frame. Fields are valid only when the layer flag says the layer was decoded. */
export class Packet {
  /**
   * The bytes holding the frame (valid only during the frame callback): the frame is
   * `buf[start, end)`, and `buf` may be the reader's whole buffer. Every offset below is into `buf`.
   */
  buf: Uint8Array = EMPTY;
  /** Offset of the frame's first byte in `buf`. */
  start = 0;
  /** End of the frame's captured bytes in `buf` (exclusive; a link trailer such as an FCS excluded). */
  end = 0;
  /** Capture time, microseconds since the epoch. */
  tsUs = 0;
  /** Length on the wire. */
  wireLen = 0;
  /** LINKTYPE_* of the frame. */
  linkType = 0;
  /** Interface index (pcapng). */
  iface = 0;

  // ---- layer 2 ----
  /** EtherType of the network layer (after VLAN tags), 0 when unknown. */
  etherType = 0;
  /** Number of 802.1Q/802.1ad tags seen. */
  vlanCount = 0;
  /** Innermost VLAN id (0 when untagged). */
  vlanId = 0;

  // ---- ARP ----
  /** True when the frame is an ARP packet that decoded. */
  isArp = false;
  /** ARP operation (1 request, 2 reply). */
  arpOp = 0;
  /** ARP sender/target protocol addresses (IPv4 only). */
  arpSpa = 0;
  arpTpa = 0;

  // ---- layer 3 ----
  /** 4 or 6 when an IP header decoded, else 0. */
  ipVersion = 0;
  /** Offset of the IP header in `buf`. */
  l3Off = 0;
  /** Source and destination addresses (see module docs). */
  src: IpKey = 0;
  dst: IpKey = 0;
  /** TTL / hop limit. */
  ttl = 0;
  /** IPv4 header length incl. options, or IPv6 fixed header + extension headers. */
  ipHdrLen = 0;
  /** Total IP length from the header (IPv4 total length; IPv6 40 + payload length). */
  ipLen = 0;
  /** Final upper-layer protocol (after IPv6 extension headers). */
  proto = 0;
  /** True for any fragment (first or later). */
  isFragment = false;
  /** True for a non-first fragment: no L4 header in this packet. */
  isLaterFragment = false;
  /** IPv4 options present. */
  ipOptions = false;
  /** Fragments: identification (IPv4 16-bit, IPv6 32-bit), offset in bytes, more-fragments flag. */
  fragId = 0;
  fragOffset = 0;
  fragMore = false;
  /** Fragments: the fragment's data (after the IPv4 header / the IPv6 fragment header) in `buf`. */
  fragDataOff = 0;
  fragDataEnd = 0;
  /** IPv6 fragments: offset of the fragment header and of the byte naming it as next header. */
  fragHdrOff = 0;
  fragNextAt = 0;
  /** True when this packet is a datagram rebuilt from fragments by the defrag stage. */
  reassembled = false;

  // ---- layer 4 ----
  /** True when a TCP/UDP/ICMP/ICMPv6 header decoded. */
  hasL4 = false;
  /** Offset of the L4 header. */
  l4Off = 0;
  srcPort = 0;
  dstPort = 0;
  /** TCP flags byte. */
  tcpFlags = 0;
  tcpSeq = 0;
  tcpAck = 0;
  tcpWindow = 0;
  /** TCP header length incl. options. */
  tcpHdrLen = 0;
  /** ICMP / ICMPv6 type and code (-1 when not ICMP). */
  icmpType = -1;
  icmpCode = -1;
  /** Payload offset and length (bytes actually captured). */
  payloadOff = 0;
  payloadLen = 0;

  // ---- flow (filled by the flow table) ----
  /** Flow slot id, -1 when not tracked. */
  flow = -1;
  /** 0 when the packet travels from the flow's initiator, 1 for replies. */
  dir = 0;
  /** True when this packet created the flow. */
  flowNew = false;

  /** Clears every layer before decoding a new frame. */
  reset(): void {
    this.etherType = 0;
    this.vlanCount = 0;
    this.vlanId = 0;
    this.isArp = false;
    this.ipVersion = 0;
    this.proto = 0;
    this.isFragment = false;
    this.isLaterFragment = false;
    this.ipOptions = false;
    this.reassembled = false;
    this.hasL4 = false;
    this.srcPort = 0;
    this.dstPort = 0;
    this.tcpFlags = 0;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.payloadOff = 0;
    this.payloadLen = 0;
    this.flow = -1;
    this.dir = 0;
    this.flowNew = false;
  }

  /** The L4 payload as a view (allocates a view object; call only when needed). */
  payload(): Uint8Array {
    return this.buf.subarray(this.payloadOff, this.payloadOff + this.payloadLen);
  }
}
