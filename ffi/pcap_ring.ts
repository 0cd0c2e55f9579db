/**
 * The capture ring libpcap maps on Linux, and the `pcap_set_buffer_size` that makes it a given size.
 *
 * libpcap 1.10 (pcap-linux.c, `create_ring`) does not map `buffer_size` bytes. With immediate mode (what `ids`
 * asks for) it uses TPACKET_V2, whose ring is made of fixed-size frames:
 *
 * - frame = TPACKET_ALIGN(macoff + frame_len), where `frame_len` is the snaplen, bounded on Ethernet-framed links
 *   by MTU + 18 (by max(MTU, 65,535) + 18 when TSO, GSO, LRO, GRO or UFO is on), and `macoff` is the frame header
 *   (TPACKET_ALIGN(tpacket2_hdr, 32 bytes from `PACKET_HDRLEN`) + sockaddr_ll, 20), the room it leaves for a link
 *   header (256 bytes, none in cooked mode), and the `PACKET_RESERVE` (4 bytes for a VLAN tag, 8 in cooked mode):
 *   68 bytes on Ethernet, so 2,128 bytes for a 2,048-byte snaplen;
 * - block = the smallest power of two ≥ frame, from the page size up; frames per block = ⌊block / frame⌋;
 * - frames = ⌈buffer_size / frame⌉; blocks = ⌊frames / frames per block⌋; the ring is blocks × block.
 *
 * A frame over half a page takes a whole page: the default 2,048-byte snaplen makes the ring 4,096 / 2,128 ≈ 1.9×
 * `buffer_size`. Without immediate mode (TPACKET_V3) the "frame" is 256 KiB (`MAXIMUM_SNAPLEN`), one per block,
 * and the ring is `buffer_size` rounded up to 256 KiB. Npcap (Windows) and BPF (macOS, BSD) take the buffer size
 * as the kernel buffer's size: no such rounding.
 *
 * @module
 */

/** What libpcap sizes the ring by on Linux, besides the buffer size. */
export interface LinuxLink {
  /** Cooked mode (`any`): a SOCK_DGRAM socket, no link header room, 4 more reserved bytes, no MTU bound. */
  cooked: boolean;
  /** Ethernet-framed (ARPHRD_ETHER, ARPHRD_LOOPBACK, ARPHRD_METRICOM: DLT_EN10MB): the frame is bounded by the MTU. */
  ethernet: boolean;
  /** The interface's MTU (`SIOCGIFMTU`). */
  mtu: number;
  /** TSO, GSO, LRO, GRO or UFO on (libpcap's `iface_get_offload`): frames up to 65,535 + 18 bytes. */
  offload: boolean;
  /** Page size (`getpagesize()`), default 4,096. */
  pageSize?: number;
}

/** A capture's ring settings. */
export interface RingParams {
  /** `pcap_set_snaplen`. */
  snaplen: number;
  /** `pcap_set_immediate_mode(1)`: TPACKET_V2; else TPACKET_V3. */
  immediate: boolean;
  /** The interface. */
  link: LinuxLink;
}

/** The ring libpcap asks the kernel for (`struct tpacket_req`). */
export interface LinuxRing {
  /** `tp_frame_size`. */
  frameSize: number;
  /** `tp_block_size`. */
  blockSize: number;
  /** Frames in a block. */
  framesPerBlock: number;
  /** `tp_block_nr`. */
  blocks: number;
  /** Bytes mapped: blocks × block size. */
  bytes: number;
}

/** libpcap's `MAXIMUM_SNAPLEN`. */
const MAXIMUM_SNAPLEN = 262_144;
/** `MAX_LINKHEADER_SIZE` in pcap-linux.c. */
const MAX_LINKHEADER_SIZE = 256;
/** `VLAN_TAG_LEN`. */
const VLAN_TAG_LEN = 4;
/** `SLL2_HDR_LEN` − 16: the extra reserve in cooked mode. */
const COOKED_EXTRA_RESERVE = 4;
/** `sizeof(struct tpacket2_hdr)`: what `getsockopt(PACKET_HDRLEN)` answers for TPACKET_V2. */
const TPACKET2_HDR = 32;
/** `sizeof(struct sockaddr_ll)`. */
const SOCKADDR_LL = 20;
/** Largest `int` libpcap's `pcap_set_buffer_size` takes. */
const INT_MAX = 2 ** 31 - 1;

const align16 = (n: number) => (n + 15) & ~15;

/** libpcap 1.10's ring frame size (`tp_frame_size`) for `params`. */
export function linuxFrameSize(params: RingParams): number {
  if (!params.immediate) return MAXIMUM_SNAPLEN;
  const { link } = params;
  let snapshot = params.snaplen <= 0 || params.snaplen > MAXIMUM_SNAPLEN ? MAXIMUM_SNAPLEN : params.snaplen;
  if (link.cooked) snapshot = Math.max(snapshot, 21);
  let frameLen = snapshot;
  if (link.ethernet && !link.cooked) {
    const maxFrameLen = (link.offload ? Math.max(link.mtu, 65_535) : link.mtu) + 18;
    frameLen = Math.min(frameLen, maxFrameLen);
  }
  const reserve = VLAN_TAG_LEN + (link.cooked ? COOKED_EXTRA_RESERVE : 0);
  const maclen = link.cooked ? 0 : MAX_LINKHEADER_SIZE;
  const hdrlen = align16(TPACKET2_HDR) + SOCKADDR_LL;
  const netoff = align16(hdrlen + Math.max(maclen, 16)) + reserve;
  return align16(netoff - maclen + frameLen);
}

/** The ring libpcap 1.10 maps on Linux for `pcap_set_buffer_size(bufferSize)` (before any ENOMEM retry). */
export function libpcapLinuxRing(bufferSize: number, params: RingParams): LinuxRing {
  const frameSize = linuxFrameSize(params);
  let blockSize = params.link.pageSize ?? 4096;
  while (blockSize < frameSize) blockSize *= 2;
  const framesPerBlock = Math.floor(blockSize / frameSize);
  const frames = Math.ceil(bufferSize / frameSize);
  const blocks = Math.floor(frames / framesPerBlock);
  return { frameSize, blockSize, framesPerBlock, blocks, bytes: blocks * blockSize };
}

/**
 * The `pcap_set_buffer_size` for which libpcap 1.10 on Linux maps a ring of `ringBytes` (the nearest whole number
 * of blocks, at least one; at most what an `int` holds).
 */
export function linuxBufferSizeFor(ringBytes: number, params: RingParams): number {
  const { frameSize, blockSize, framesPerBlock } = libpcapLinuxRing(0, params);
  const perBlock = framesPerBlock * frameSize;
  const blocks = Math.min(Math.max(1, Math.round(ringBytes / blockSize)), Math.floor(INT_MAX / perBlock));
  return blocks * perBlock;
}

/** `ARPHRD_*` types libpcap captures as DLT_EN10MB: ETHER, METRICOM, LOOPBACK. */
const ETHERNET_ARPHRD = new Set([1, 23, 772]);
const SIOCGIFMTU = 0x8921;
const SIOCGIFHWADDR = 0x8927;
const SIOCETHTOOL = 0x8946;
/** ETHTOOL_GTSO, ETHTOOL_GGSO, ETHTOOL_GGRO, ETHTOOL_GUFO: a non-zero value means on. */
const ETHTOOL_ON_OFF = [0x1e, 0x23, 0x2b, 0x21];
const ETHTOOL_GFLAGS = 0x25;
const ETH_FLAG_LRO = 1 << 15;

const LIBC_LINK_SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

/** The page size from the auxiliary vector (`AT_PAGESZ`), or 4,096 when it cannot be read. */
export function linuxPageSize(): number {
  try {
    const auxv = Deno.readFileSync("/proc/self/auxv");
    const v = new DataView(auxv.buffer, auxv.byteOffset, auxv.byteLength);
    for (let at = 0; at + 16 <= auxv.byteLength; at += 16) {
      const type = v.getBigUint64(at, true);
      if (type === 0n) break;
      if (type === 6n) return Number(v.getBigUint64(at + 8, true));
    }
  } catch { /* not readable: the common size */ }
  return 4096;
}

/**
 * What libpcap will see of `iface` (Linux): its link type (`SIOCGIFHWADDR`), MTU (`SIOCGIFMTU`) and offloads
 * (`SIOCETHTOOL`, as `iface_get_offload` asks), through libc in this process's network namespace. Anything it cannot
 * read takes the common value (Ethernet, offload on: GRO is on by default), which leaves the snaplen unbounded.
 */
export function probeLinuxLink(iface: string): LinuxLink {
  const link: LinuxLink = { cooked: iface === "any", ethernet: iface !== "any", mtu: 1500, offload: true };
  link.pageSize = linuxPageSize();
  if (link.cooked) return link;
  let libc: Deno.DynamicLibrary<typeof LIBC_LINK_SYMBOLS> | undefined;
  let fd = -1;
  try {
    libc = Deno.dlopen("libc.so.6", LIBC_LINK_SYMBOLS);
    const s = libc.symbols;
    fd = s.socket(2, 2, 0); // AF_INET, SOCK_DGRAM
    if (fd < 0) return link;
    const ifr = new Uint8Array(40);
    const view = new DataView(ifr.buffer);
    const name = new TextEncoder().encode(iface);
    if (name.length > 15) return link;
    const ask = (request: number): boolean => {
      ifr.fill(0);
      ifr.set(name);
      return s.ioctl(fd, BigInt(request), ifr) === 0;
    };
    if (ask(SIOCGIFHWADDR)) link.ethernet = ETHERNET_ARPHRD.has(view.getUint16(16, true));
    if (ask(SIOCGIFMTU)) link.mtu = view.getInt32(16, true);
    const value = new Uint32Array(2);
    const ethtool = (cmd: number): number => {
      value[0] = cmd, value[1] = 0;
      ifr.fill(0);
      ifr.set(name);
      view.setBigUint64(16, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(value))), true);
      return s.ioctl(fd, BigInt(SIOCETHTOOL), ifr) === 0 ? value[1] : 0;
    };
    link.offload = ETHTOOL_ON_OFF.some((cmd) => ethtool(cmd) !== 0) || (ethtool(ETHTOOL_GFLAGS) & ETH_FLAG_LRO) !== 0;
  } catch {
    /* no libc or no FFI permission: the common values */
  } finally {
    if (fd >= 0) libc?.symbols.close(fd);
    libc?.close();
  }
  return link;
}
