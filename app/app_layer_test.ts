/** The app layer with the stream stage: which sides of an HTTP connection are followed. */
import assert from "node:assert/strict";
import { IpProto, Packet, TcpFlag } from "../decode/packet.ts";
import { FlowTable } from "../flow/flow_table.ts";
import { StreamTable } from "../stream/stream_table.ts";
import { AppLayer } from "./app_layer.ts";
import type { HttpResponse } from "./http_response.ts";

const T0 = 1_700_000_000_000_000;
const CLIENT = 0x0a4d0042, SERVER = 0x0a4d0001;

/** Fills `p` as the decoder would for one IPv4 TCP segment (checksums are not validated here). */
function segment(p: Packet, src: number, dst: number, sp: number, dp: number, seq: number, data: string, ts: number) {
  const bytes = Uint8Array.from(data, (c) => c.charCodeAt(0));
  const buf = new Uint8Array(40 + bytes.length);
  buf.set(bytes, 40);
  p.reset();
  Object.assign(p, {
    buf,
    tsUs: ts,
    wireLen: buf.length,
    ipVersion: 4,
    l3Off: 0,
    ipHdrLen: 20,
    ipLen: buf.length,
    src,
    dst,
    proto: IpProto.TCP,
    hasL4: true,
    l4Off: 20,
    srcPort: sp,
    dstPort: dp,
    tcpSeq: seq,
    tcpAck: 0,
    tcpFlags: TcpFlag.ACK | TcpFlag.PSH,
    tcpHdrLen: 20,
    payloadOff: 40,
    payloadLen: bytes.length,
  });
}

Deno.test("the server side of HTTP is reassembled and parsed only for requests that ask for their answer", () => {
  const ref: { stream?: StreamTable } = {};
  const flows = new FlowTable({ maxFlows: 1024, onEnd: (t, slot) => ref.stream!.onFlowEnd(slot, t.lastUs(slot)) });
  const app = new AppLayer(flows, { httpPorts: [] });
  const stream = ref.stream = new StreamTable(app, { capacity: flows.capacity, checksumValidation: "no" });
  app.streamControl = stream;
  const answers: [string, number][] = [];
  let requests = 0;
  app.listen({
    // only a login asks for its answer
    onHttpRequest: (req) => (requests++, req.method === "POST"),
    onHttpResponse: (res: HttpResponse, ctx) => answers.push([ctx.client === CLIENT ? "client" : "?", res.status]),
  });
  const p = new Packet();
  let cseq = 1000, sseq = 9000, ts = T0;
  const client = (data: string) => {
    segment(p, CLIENT, SERVER, 40000, 8123, cseq, data, ts += 1000);
    cseq += data.length;
    flows.update(p);
    stream.onPacket(p);
  };
  const server = (data: string) => {
    segment(p, SERVER, CLIENT, 8123, 40000, sseq, data, ts += 1000);
    sseq += data.length;
    flows.update(p);
    stream.onPacket(p);
  };
  const page = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  client("GET / HTTP/1.1\r\nHost: shop\r\n\r\n");
  server(page);
  const body = "user=admin&password=x";
  client(`POST /login HTTP/1.1\r\nHost: shop\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  server("HTTP/1.1 401 Unauthorized\r\nContent-Length: 6\r\n\r\ndenied");
  client("GET /again HTTP/1.1\r\nHost: shop\r\n\r\n");
  server(page);
  assert.equal(requests, 3);
  assert.deepEqual(answers, [["client", 401]], "only the login's answer is parsed");
  assert.equal(stream.counters.segments, 4, "three requests and the one answer asked for were reassembled");
  assert.equal(app.counters.detected.http, 1);
});
