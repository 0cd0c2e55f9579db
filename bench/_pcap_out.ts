/**
 * A buffered writer of classic little-endian microsecond pcap files, for the benchmark captures.
 *
 * @module
 */

/** Streams records into a pcap file through a 4 MiB buffer. */
export class PcapOut {
  #w: WritableStreamDefaultWriter<Uint8Array>;
  #chunk = new Uint8Array(4 << 20);
  #view = new DataView(this.#chunk.buffer);
  #pos = 0;
  /** Records written. */
  count = 0;

  private constructor(w: WritableStreamDefaultWriter<Uint8Array>) {
    this.#w = w;
  }

  /** Creates (truncates) `path` and writes the file header for `linkType`. */
  static async create(path: string, linkType: number): Promise<PcapOut> {
    const file = await Deno.open(path, { write: true, create: true, truncate: true });
    const out = new PcapOut(file.writable.getWriter());
    const hdr = new DataView(new ArrayBuffer(24));
    hdr.setUint32(0, 0xa1b2c3d4, true);
    hdr.setUint16(4, 2, true);
    hdr.setUint16(6, 4, true);
    hdr.setUint32(16, 262144, true);
    hdr.setUint32(20, linkType, true);
    await out.#w.write(new Uint8Array(hdr.buffer));
    return out;
  }

  /**
   * Appends one record at `tsUs` with the captured bytes `data` (original length `len`). Returns the
   * offset of the copied bytes in the buffer so the caller may patch them with {@link bytes} before
   * the next write.
   */
  async write(tsUs: number, data: Uint8Array, len: number): Promise<number> {
    const need = 16 + data.length;
    if (this.#pos + need > this.#chunk.length) await this.#flush();
    const p = this.#pos, v = this.#view;
    v.setUint32(p, Math.floor(tsUs / 1e6), true);
    v.setUint32(p + 4, tsUs % 1e6, true);
    v.setUint32(p + 8, data.length, true);
    v.setUint32(p + 12, len, true);
    this.#chunk.set(data, p + 16);
    this.#pos += need;
    this.count++;
    return p + 16;
  }

  /** The buffer that {@link write}'s offsets point into. */
  get bytes(): Uint8Array {
    return this.#chunk;
  }

  async #flush(): Promise<void> {
    await this.#w.write(this.#chunk.slice(0, this.#pos));
    this.#pos = 0;
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    await this.#flush();
    await this.#w.close();
  }
}

/** Ones'-complement checksum update for one 16-bit word changing from `old` to `now` (RFC 1624). */
function csumAdjust(sum: number, old: number, now: number): number {
  let s = (~sum & 0xffff) + (~old & 0xffff) + now;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/**
 * Rewrites the second and third octets of both IPv4 addresses of an Ethernet frame at `p` in `b`
 * (to `hi`, `lo`), keeping the IPv4 header checksum and the TCP/UDP checksum (pseudo-header) valid.
 * Frames that are not Ethernet + IPv4 are left alone.
 */
export function moveIpv4Block(b: Uint8Array, p: number, caplen: number, hi: number, lo: number): void {
  if (caplen < 34 || b[p + 12] !== 0x08 || b[p + 13] !== 0x00) return;
  const ip = p + 14;
  const ihl = (b[ip] & 0x0f) * 4;
  const proto = b[ip + 9];
  const fragOffset = ((b[ip + 6] & 0x1f) << 8) | b[ip + 7];
  const l4 = ip + ihl;
  // checksum field positions (only in the first fragment, when captured)
  let l4sum = -1;
  if (fragOffset === 0) {
    if (proto === 6 && l4 + 18 <= p + caplen) l4sum = l4 + 16;
    else if (proto === 17 && l4 + 8 <= p + caplen && (b[l4 + 6] | b[l4 + 7]) !== 0) l4sum = l4 + 6;
  }
  let ipSum = (b[ip + 10] << 8) | b[ip + 11];
  let tSum = l4sum >= 0 ? (b[l4sum] << 8) | b[l4sum + 1] : 0;
  for (const a of [ip + 12, ip + 16]) {
    const oldHi = (b[a] << 8) | b[a + 1], oldLo = (b[a + 2] << 8) | b[a + 3];
    b[a + 1] = hi;
    b[a + 2] = lo;
    const newHi = (b[a] << 8) | b[a + 1], newLo = (b[a + 2] << 8) | b[a + 3];
    ipSum = csumAdjust(csumAdjust(ipSum, oldHi, newHi), oldLo, newLo);
    if (l4sum >= 0) tSum = csumAdjust(csumAdjust(tSum, oldHi, newHi), oldLo, newLo);
  }
  b[ip + 10] = ipSum >> 8, b[ip + 11] = ipSum & 0xff;
  if (l4sum >= 0) {
    if (proto === 17 && tSum === 0) tSum = 0xffff; // UDP: 0 means "no checksum"
    b[l4sum] = tSum >> 8, b[l4sum + 1] = tSum & 0xff;
  }
}
