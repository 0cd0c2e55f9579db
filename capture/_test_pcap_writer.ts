/**
 * Test helper: builds pcap and pcapng files byte by byte, in either byte order, so the readers can be
 * tested on inputs no capture tool on this machine writes (big-endian files, odd resolutions,
 * obsolete blocks). Not used by the product.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ByteStream } from "./_byte_stream.ts";
import { readCapture } from "./file_source.ts";
import { type Frame, frameBytes, type SourceSummary } from "./packet_source.ts";

/** One pcap record. */
export interface PcapRecord {
  /** Seconds part of the timestamp. */
  sec: number;
  /** Microseconds (usec files) or nanoseconds (nsec files). */
  frac: number;
  /** Captured bytes. */
  data: Uint8Array;
  /** Length on the wire (default: data.length). */
  origLen?: number;
}

/** Options of {@link pcapFile}. */
export interface PcapOptions {
  /** Little-endian (default true). */
  le?: boolean;
  /** Nanosecond magic (default false). */
  nano?: boolean;
  /** LINKTYPE_* (default 1, Ethernet); may carry FCS bits in the upper nibble. */
  linkType?: number;
  /** Snapshot length (default 262144). */
  snaplen?: number;
}

/** A growable byte writer with both byte orders. */
export class Bytes {
  #buf = new Uint8Array(256);
  #view = new DataView(this.#buf.buffer);
  length = 0;

  #grow(n: number): void {
    if (this.length + n <= this.#buf.length) return;
    let size = this.#buf.length;
    while (size < this.length + n) size *= 2;
    const nb = new Uint8Array(size);
    nb.set(this.#buf.subarray(0, this.length));
    this.#buf = nb;
    this.#view = new DataView(nb.buffer);
  }
  u8(v: number): this {
    this.#grow(1);
    this.#buf[this.length++] = v;
    return this;
  }
  u16(v: number, le: boolean): this {
    this.#grow(2);
    this.#view.setUint16(this.length, v, le);
    this.length += 2;
    return this;
  }
  u32(v: number, le: boolean): this {
    this.#grow(4);
    this.#view.setUint32(this.length, v >>> 0, le);
    this.length += 4;
    return this;
  }
  u64(v: bigint, le: boolean): this {
    this.#grow(8);
    this.#view.setBigUint64(this.length, BigInt.asUintN(64, v), le);
    this.length += 8;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.#grow(b.length);
    this.#buf.set(b, this.length);
    this.length += b.length;
    return this;
  }
  /** Pads with zeros to a multiple of 4. */
  pad4(): this {
    while (this.length & 3) this.u8(0);
    return this;
  }
  /** Overwrites a uint32 at `at`. */
  setU32(at: number, v: number, le: boolean): void {
    this.#view.setUint32(at, v >>> 0, le);
  }
  /** A copy of the written bytes. */
  done(): Uint8Array {
    return this.#buf.slice(0, this.length);
  }
}

/** The 24-byte pcap global header. */
export function pcapHeader(o: PcapOptions = {}): Uint8Array {
  const le = o.le ?? true;
  return new Bytes()
    .u32(o.nano ? 0xa1b23c4d : 0xa1b2c3d4, le)
    .u16(2, le)
    .u16(4, le)
    .u32(0, le)
    .u32(0, le)
    .u32(o.snaplen ?? 262144, le)
    .u32(o.linkType ?? 1, le)
    .done();
}

/** One 16-byte record header plus its data. */
export function pcapRecord(r: PcapRecord, le = true): Uint8Array {
  return new Bytes()
    .u32(r.sec, le)
    .u32(r.frac, le)
    .u32(r.data.length, le)
    .u32(r.origLen ?? r.data.length, le)
    .bytes(r.data)
    .done();
}

/** A whole pcap file. */
export function pcapFile(records: readonly PcapRecord[], o: PcapOptions = {}): Uint8Array {
  const le = o.le ?? true;
  const w = new Bytes().bytes(pcapHeader(o));
  for (const r of records) w.bytes(pcapRecord(r, le));
  return w.done();
}

// ------------------------------------------------------------------------------------------- pcapng

/** An option of a pcapng block. */
export interface NgOption {
  code: number;
  value: Uint8Array;
}

/** A pcapng block to write. */
export type NgBlock =
  | {
    type: "idb";
    linkType: number;
    snaplen?: number;
    /** if_tsresol byte (absent: default 6 = µs). */
    tsresol?: number;
    /** if_tsoffset in seconds. */
    tsoffset?: bigint;
    name?: string;
  }
  | { type: "epb"; iface: number; ticks: bigint; data: Uint8Array; origLen?: number; options?: NgOption[] }
  | { type: "spb"; data: Uint8Array; origLen?: number }
  | { type: "pb"; iface: number; ticks: bigint; data: Uint8Array; origLen?: number }
  | { type: "other"; blockType: number; body: Uint8Array };

/** One section: an SHB and its blocks. */
export interface NgSection {
  /** Little-endian (default true). */
  le?: boolean;
  blocks: NgBlock[];
  /** SHB options. */
  options?: NgOption[];
}

function writeOptions(w: Bytes, opts: readonly NgOption[], le: boolean): void {
  if (opts.length === 0) return;
  for (const o of opts) {
    w.u16(o.code, le).u16(o.value.length, le).bytes(o.value).pad4();
  }
  w.u16(0, le).u16(0, le); // opt_endofopt
}

/** Wraps a block body with type and both total lengths. */
export function ngBlock(type: number, body: Uint8Array, le = true): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const total = 12 + padded;
  const w = new Bytes().u32(type, le).u32(total, le).bytes(body);
  w.pad4();
  w.u32(total, le);
  return w.done();
}

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** Encodes one block of a section of byte order `le`. */
export function ngEncode(b: NgBlock, le = true): Uint8Array {
  const w = new Bytes();
  switch (b.type) {
    case "idb": {
      w.u16(b.linkType, le).u16(0, le).u32(b.snaplen ?? 0, le);
      const opts: NgOption[] = [];
      if (b.name !== undefined) opts.push({ code: 2, value: text(b.name) });
      if (b.tsresol !== undefined) opts.push({ code: 9, value: new Uint8Array([b.tsresol]) });
      if (b.tsoffset !== undefined) opts.push({ code: 14, value: new Bytes().u64(b.tsoffset, le).done() });
      writeOptions(w, opts, le);
      return ngBlock(1, w.done(), le);
    }
    case "epb": {
      const t = BigInt.asUintN(64, b.ticks);
      w.u32(b.iface, le).u32(Number(t >> 32n), le).u32(Number(t & 0xffffffffn), le);
      w.u32(b.data.length, le).u32(b.origLen ?? b.data.length, le).bytes(b.data).pad4();
      writeOptions(w, b.options ?? [], le);
      return ngBlock(6, w.done(), le);
    }
    case "spb":
      w.u32(b.origLen ?? b.data.length, le).bytes(b.data);
      return ngBlock(3, w.done(), le);
    case "pb": {
      const t = BigInt.asUintN(64, b.ticks);
      w.u16(b.iface, le).u16(0, le).u32(Number(t >> 32n), le).u32(Number(t & 0xffffffffn), le);
      w.u32(b.data.length, le).u32(b.origLen ?? b.data.length, le).bytes(b.data);
      return ngBlock(2, w.done(), le);
    }
    case "other":
      return ngBlock(b.blockType, b.body, le);
  }
}

/** A Section Header Block. */
export function ngShb(le = true, options: readonly NgOption[] = []): Uint8Array {
  const w = new Bytes().u32(0x1a2b3c4d, le).u16(1, le).u16(0, le).u64(-1n, le);
  writeOptions(w, options, le);
  return ngBlock(0x0a0d0d0a, w.done(), le);
}

/** A whole pcapng file of one or more sections. */
export function pcapngFile(sections: readonly NgSection[]): Uint8Array {
  const w = new Bytes();
  for (const s of sections) {
    const le = s.le ?? true;
    w.bytes(ngShb(le, s.options ?? []));
    for (const b of s.blocks) w.bytes(ngEncode(b, le));
  }
  return w.done();
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** gzip-compresses bytes with the platform's CompressionStream. */
export async function gzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Writes bytes to a new temp file and returns its path. */
export async function tempFile(data: Uint8Array, suffix = ".pcap"): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "ids-test-", suffix });
  await Deno.writeFile(path, data);
  return path;
}

/** A frame copied out of the callback. */
export interface Got {
  data: number[];
  caplen: number;
  len: number;
  tsUs: number;
  linkType: number;
  iface: number;
}

/** Reads bytes held in memory; returns copies of every frame and the summary. */
export async function readBytes(bytes: Uint8Array): Promise<{ frames: Got[]; summary: SourceSummary }> {
  const frames: Got[] = [];
  const summary = await readCapture(ByteStream.fromBytes(bytes), (f: Frame) => {
    const bytes = frameBytes(f);
    assert.equal(bytes.length, f.caplen);
    frames.push({ data: [...bytes], caplen: f.caplen, len: f.len, tsUs: f.tsUs, linkType: f.linkType, iface: f.iface });
  });
  return { frames, summary };
}
