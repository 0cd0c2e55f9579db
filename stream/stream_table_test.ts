/** The stream stage: consumer control, checksum modes, bounds under many connections. */
import assert from "node:assert/strict";
import { IpProto, Packet, TcpFlag } from "../decode/packet.ts";
import { FlowTable } from "../flow/flow_table.ts";
import { type StreamConsumer, StreamTable, type StreamTableOptions } from "./stream_table.ts";

const T0 = 1_700_000_000_000_000;

/** A consumer that keeps the text per slot and declines connections whose first bytes start with "X". */
class Collect implements StreamConsumer {
  text = new Map<number, string>();
  ended = 0;
  data(slot: number, dir: number, bytes: Uint8Array): boolean {
    const t = (this.text.get(slot * 2 + dir) ?? "") + new TextDecoder().decode(bytes);
    this.text.set(slot * 2 + dir, t);
    return !t.startsWith("X");
  }
  gap(): void {}
  end(): void {
    this.ended++;
  }
}

/** Builds a TCP segment as the decoder would leave it (IPv4, with a correct or broken checksum). */
function segment(
  p: Packet,
  o: { src: number; dst: number; sp: number; dp: number; seq: number; flags: number; data?: string; ts: number },
  badChecksum = false,
): Packet {
  const data = new TextEncoder().encode(o.data ?? "");
  const buf = new Uint8Array(20 + 20 + data.length);
  const v = new DataView(buf.buffer);
  buf[0] = 0x45;
  v.setUint16(2, buf.length);
  buf[9] = 6;
  v.setUint32(12, o.src);
  v.setUint32(16, o.dst);
  v.setUint16(20, o.sp);
  v.setUint16(22, o.dp);
  v.setUint32(24, o.seq);
  buf[32] = 0x50;
  buf[33] = o.flags;
  buf.set(data, 40);
  // TCP checksum over the pseudo-header and segment
  let sum = (o.src >>> 16) + (o.src & 0xffff) + (o.dst >>> 16) + (o.dst & 0xffff) + 6 + (buf.length - 20);
  for (let i = 20; i < buf.length; i += 2) sum += (buf[i] << 8) | (buf[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  v.setUint16(36, badChecksum ? 0xdead : ~sum & 0xffff);
  p.reset();
  Object.assign(p, {
    buf,
    tsUs: o.ts,
    wireLen: buf.length,
    ipVersion: 4,
    l3Off: 0,
    ipHdrLen: 20,
    ipLen: buf.length,
    src: o.src,
    dst: o.dst,
    proto: IpProto.TCP,
    hasL4: true,
    l4Off: 20,
    srcPort: o.sp,
    dstPort: o.dp,
    tcpSeq: o.seq,
    tcpFlags: o.flags,
    tcpHdrLen: 20,
    payloadOff: 40,
    payloadLen: data.length,
  });
  return p;
}

function setup(options: Partial<StreamTableOptions> = {}, maxFlows = 4096) {
  const c = new Collect();
  const ref: { stream?: StreamTable } = {};
  const flows = new FlowTable({ maxFlows, onEnd: (t, slot) => ref.stream!.onFlowEnd(slot, t.lastUs(slot)) });
  const stream = ref.stream = new StreamTable(c, { capacity: flows.capacity, ...options });
  const p = new Packet();
  const send = (o: Parameters<typeof segment>[1], bad = false) => {
    segment(p, o, bad);
    flows.update(p);
    stream.onPacket(p);
    return p;
  };
  return { c, flows, stream, send };
}

Deno.test("bad checksums are ignored under yes and auto, trusted under no", () => {
  for (const mode of ["yes", "auto", "no"] as const) {
    const { c, send } = setup({ checksumValidation: mode });
    const base = { src: 0x0a000042, dst: 0x0a000001, sp: 40000, dp: 80, ts: T0 };
    send({ ...base, seq: 99, flags: TcpFlag.SYN });
    const p = send({ ...base, seq: 100, flags: TcpFlag.ACK | TcpFlag.PSH, data: "decoy" }, true);
    send({ ...base, seq: 100, flags: TcpFlag.ACK | TcpFlag.PSH, data: "real!" });
    assert.equal(c.text.get(p.flow * 2), mode === "no" ? "decoy" : "real!", mode);
  }
});

Deno.test("a declined connection is let go: no more bytes, no state", () => {
  const { c, stream, send } = setup();
  const base = { src: 0x0a000042, dst: 0x0a000001, sp: 40001, dp: 443, ts: T0 };
  const p = send({ ...base, seq: 1, flags: TcpFlag.ACK, data: "X-not-interesting" });
  assert.equal(stream.size, 0);
  send({ ...base, seq: 18, flags: TcpFlag.ACK, data: "more" });
  assert.equal(c.text.get(p.flow * 2), "X-not-interesting");
  assert.equal(stream.size, 0);
});

Deno.test("30k connections with out-of-order data stay within max_streams and max bytes; evictions counted", () => {
  const maxStreams = 1000, maxBytes = 1 << 20;
  const { stream, send } = setup({ maxStreams, maxBytes, checksumValidation: "no" }, 262144);
  let peak = 0, peakBytes = 0;
  for (let i = 0; i < 30_000; i++) {
    const base = { src: (0x0b000000 + i) >>> 0, dst: 0x0a000001, sp: 1024 + (i % 60000), dp: 8080, ts: T0 + i };
    send({ ...base, seq: 1, flags: TcpFlag.ACK, data: "GET / HTTP/1.1\r\n" });
    send({ ...base, seq: 5000, flags: TcpFlag.ACK, data: "x".repeat(1000) }); // ahead of a hole: queued
    peak = Math.max(peak, stream.size);
    peakBytes = Math.max(peakBytes, stream.heldBytes);
  }
  assert.ok(peak <= maxStreams, `connections ${peak}`);
  assert.ok(peakBytes <= maxBytes + 4096, `bytes ${peakBytes}`);
  assert.ok(stream.counters.evicted >= 30_000 - maxStreams);
});

Deno.test("ended connections' directions are reused clean; a stopped direction resumes at its next segment", () => {
  const { c, stream, send } = setup({ checksumValidation: "no" });
  const a = { src: 0x0a000042, dst: 0x0a000001, sp: 40010, dp: 80, ts: T0 };
  const pa = send({ ...a, seq: 1, flags: TcpFlag.ACK, data: "GET /a HTTP/1.1\r\n" }).flow;
  send({ ...a, seq: 18, flags: TcpFlag.RST });
  assert.equal(stream.size, 0);
  const b = { src: 0x0a000043, dst: 0x0a000001, sp: 40011, dp: 80, ts: T0 + 1 };
  const srv = { src: b.dst, dst: b.src, sp: b.dp, dp: b.sp, ts: T0 + 2 };
  const pb = send({ ...b, seq: 7, flags: TcpFlag.ACK, data: "GET /b HTTP/1.1\r\n" }).flow;
  assert.notEqual(pa, pb);
  send({ ...b, seq: 7, flags: TcpFlag.ACK, data: "GET /b HTTP/1.1\r\n" }); // a retransmission: nothing new
  assert.equal(stream.counters.overlapsDifferent, 0, "nothing of the old connection is compared");
  assert.equal(c.text.get(pb * 2), "GET /b HTTP/1.1\r\n");
  stream.stopDirection(pb, 1);
  send({ ...srv, seq: 900, flags: TcpFlag.ACK, data: "HTTP/1.1 200 OK\r\n\r\n" });
  assert.equal(c.text.get(pb * 2 + 1), undefined, "a stopped side is not reassembled");
  stream.resumeDirection(pb, 1);
  send({ ...srv, seq: 5000, flags: TcpFlag.ACK, data: "HTTP/1.1 401 No\r\n\r\n" });
  send({ ...srv, seq: 5019, flags: TcpFlag.ACK, data: "more" });
  assert.equal(c.text.get(pb * 2 + 1), "HTTP/1.1 401 No\r\n\r\nmore");
});
