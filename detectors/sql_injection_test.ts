import assert from "node:assert/strict";
import { type Config, DEFAULT_CONFIG } from "../config/defaults.ts";
import { type IpKey, ipToString, Packet, TcpFlag } from "../decode/packet.ts";
import { AppLayer } from "../app/app_layer.ts";
import type { HttpRequest } from "../app/http_request.ts";
import { FlowTable } from "../flow/flow_table.ts";
import { StreamTable } from "../stream/stream_table.ts";
import type { Detection } from "./detection.ts";
import { SqlInjectionDetector } from "./sql_injection.ts";

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const ip = (a: number, b: number, c: number, d: number): number => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

const CLIENT = ip(10, 77, 0, 66);
const SERVER = ip(10, 77, 0, 1);

type Overrides = {
  sql_injection?: Partial<Config["sql_injection"]>;
  limits?: Partial<Config["limits"]>;
  trusted_ips?: string[];
  trusted_cidrs?: string[];
};

function config(o: Overrides = {}): Config {
  return {
    ...DEFAULT_CONFIG,
    trusted_ips: o.trusted_ips ?? DEFAULT_CONFIG.trusted_ips,
    trusted_cidrs: o.trusted_cidrs ?? DEFAULT_CONFIG.trusted_cidrs,
    sql_injection: { ...DEFAULT_CONFIG.sql_injection, ...o.sql_injection },
    limits: { ...DEFAULT_CONFIG.limits, ...o.limits },
  };
}

/** A flow table, the stream stage, the app layer and the detector, wired like the pipeline. */
class Harness {
  readonly detections: Detection[] = [];
  readonly emit = (d: Detection) => this.detections.push(d);
  readonly det: SqlInjectionDetector;
  readonly flows: FlowTable;
  readonly app: AppLayer;
  readonly stream: StreamTable;
  readonly pkt = new Packet();
  tsUs = 1_700_000_000_000_000;

  constructor(cfg: Config = config(), maxFlows = 4096) {
    this.det = new SqlInjectionDetector(cfg);
    this.flows = new FlowTable({
      maxFlows,
      onEnd: (t, slot) => this.stream.onFlowEnd(slot, t.lastUs(slot)),
    });
    this.app = new AppLayer(this.flows, {
      httpPorts: cfg.sql_injection.ports,
      maxRequestBytes: cfg.sql_injection.max_request_bytes,
      maxHttpStreams: cfg.limits.max_http_streams,
    });
    this.app.listen({ onHttpRequest: (r, ctx) => this.det.onHttpRequest(r, ctx, this.emit) });
    // these hand-made packets carry no real checksums
    this.stream = new StreamTable(this.app, { capacity: this.flows.capacity, checksumValidation: "no" });
  }

  /** HTTP connections being parsed. */
  streams(): number {
    return this.app.httpStreams;
  }

  /** Sends one TCP segment through the flow table and the detector. */
  tcp(
    src: IpKey,
    dst: IpKey,
    sport: number,
    dport: number,
    flags: number,
    seq: number,
    payload: Uint8Array = new Uint8Array(0),
  ): void {
    const p = this.pkt;
    p.reset();
    this.tsUs += 1000;
    p.tsUs = this.tsUs;
    p.ipVersion = 4;
    p.src = src;
    p.dst = dst;
    p.proto = 6;
    p.hasL4 = true;
    p.srcPort = sport;
    p.dstPort = dport;
    p.tcpFlags = flags;
    p.tcpSeq = seq >>> 0;
    // the payload sits after a fake 54-byte header, as in a real frame
    const buf = new Uint8Array(54 + payload.length);
    buf.set(payload, 54);
    p.buf = buf;
    p.payloadOff = 54;
    p.payloadLen = payload.length;
    p.wireLen = buf.length;
    this.flows.update(p);
    this.stream.onPacket(p);
    this.det.onPacket();
  }
}

let nextPort = 0;

/** One TCP connection from a client to a server, with sequence numbers. */
class Conn {
  seq: number;
  readonly sport: number;
  constructor(
    readonly h: Harness,
    readonly client: IpKey = CLIENT,
    readonly server: IpKey = SERVER,
    readonly dport = 80,
    sport?: number,
    isn = 1000,
  ) {
    this.sport = sport ?? 40000 + (nextPort++ % 20000);
    this.seq = isn;
  }
  handshake(): this {
    this.h.tcp(this.client, this.server, this.sport, this.dport, TcpFlag.SYN, this.seq - 1);
    this.h.tcp(this.server, this.client, this.dport, this.sport, TcpFlag.SYN | TcpFlag.ACK, 5000);
    this.h.tcp(this.client, this.server, this.sport, this.dport, TcpFlag.ACK, this.seq);
    return this;
  }
  send(data: string, flags: number = TcpFlag.PSH | TcpFlag.ACK): number {
    const b = enc(data);
    const seq = this.seq;
    this.h.tcp(this.client, this.server, this.sport, this.dport, flags, seq, b);
    this.seq = (this.seq + b.length) >>> 0;
    return seq;
  }
  sendAt(seq: number, data: string): void {
    this.h.tcp(this.client, this.server, this.sport, this.dport, TcpFlag.PSH | TcpFlag.ACK, seq, enc(data));
  }
  reply(data: string): void {
    this.h.tcp(this.server, this.client, this.dport, this.sport, TcpFlag.PSH | TcpFlag.ACK, 5001, enc(data));
  }
  fin(): void {
    this.h.tcp(this.client, this.server, this.sport, this.dport, TcpFlag.FIN | TcpFlag.ACK, this.seq);
  }
}

const get = (target: string, extra = ""): string => `GET ${target} HTTP/1.1\r\nHost: shop.example\r\n${extra}\r\n`;
const post = (target: string, body: string, type = "application/x-www-form-urlencoded", extra = ""): string =>
  `POST ${target} HTTP/1.1\r\nHost: shop.example\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

/** Runs one request on a fresh connection and returns the detections it caused. */
function run(request: string, cfg?: Config): Detection[] {
  const h = new Harness(cfg);
  const c = new Conn(h).handshake();
  c.send(request);
  c.reply("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  return h.detections;
}

Deno.test("SqlInjectionDetector reports a UNION SELECT in a query parameter", () => {
  const ds = run(get("/item.php?id=1%20UNION%20SELECT%20username,password%20FROM%20users"));
  assert.equal(ds.length, 1);
  const d = ds[0];
  assert.equal(d.type, "sql_injection");
  assert.equal(ipToString(d.src), "10.77.0.66");
  assert.equal(ipToString(d.dst), "10.77.0.1");
  assert.equal(d.dstPort, 80);
  assert.ok(d.srcPort >= 40000);
  assert.equal(d.proto, 6);
  assert.equal(d.severity, 1);
  assert.deepEqual(d.tags, ["union"]);
  assert.match(d.reason, /^UNION SELECT in query parameter "id": /);
  assert.ok(d.reason.length < 160);
  assert.ok(d.flow >= 0);
});

Deno.test("SqlInjectionDetector fires on the required attack requests", () => {
  const cases: [string, string][] = [
    [get("/p?id=1'+OR+1=1--"), "tautology"],
    [get("/p?id=1%20UNION%20SELECT%20username,password%20FROM%20users"), "union"],
    [get("/p?id=1;DROP%20TABLE%20users"), "stacked"],
    [get("/p?id=1'%20AND%20SLEEP(5)--"), "time_based"],
    [get("/p?id=1%2527%2520OR%25201%253D1--"), "tautology"],
    [post("/login", "user=admin'--&pass=x"), "comment"],
    [get("/p?id=1%20AND%201=1"), "tautology"],
    [get("/p?id=1'%20AND%20'1'='1"), "tautology"],
    [get("/p?id=-1%20UNION%20ALL%20SELECT%20NULL,NULL--"), "union"],
    [get("/p?cmd=exec%20xp_cmdshell%20'dir'"), "procedure"],
    [get("/p?id=1%20AND%201234=5678"), "tautology"],
    [get("/p?id=1%20AND%20EXTRACTVALUE(1234,CONCAT(0x5c,0x71))"), "error_based"],
    [get("/p?id=1;SELECT%20SLEEP(5)%23"), "stacked"],
    [get("/p?id=1%20UNION%20ALL%20SELECT%20NULL,NULL,NULL--%20-"), "union"],
  ];
  for (const [req, family] of cases) {
    const ds = run(req);
    assert.equal(ds.length, 1, `no detection for ${req.split("\r\n")[0]}`);
    assert.equal(ds[0].tags![0], family, req.split("\r\n")[0]);
  }
});

Deno.test("SqlInjectionDetector tags double encoding", () => {
  const ds = run(get("/p?id=1%2527%2520OR%25201%253D1--"));
  assert.deepEqual(ds[0].tags, ["tautology", "double_encoded"]);
});

Deno.test("SqlInjectionDetector stays quiet on benign requests", () => {
  const benign = [
    get("/search?search=select+a+plan&order=desc&limit=10"),
    get("/music?q=drop+the+beat&page=2"),
    get("/people?name=O'Brien"),
    get("/q?q=it's+a+union+of+friends"),
    post("/comment", "comment=I+select+the+best+--+really&name=O%27Brien&email=a%40b.com"),
    post("/register", "first=Ann&last=O%27Neil&city=Saint-%C3%89tienne&bio=I+love+SQL+%28select%2C+update%29&agree=on"),
    post(
      "/api/items",
      '{"action":"update","note":"please delete and drop me","tags":["select","union"],"n":5}',
      "application/json",
    ),
    get(
      "/",
      "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0\r\n" +
        "Cookie: sid=abc123; theme=dark; _ga=GA1.2.3.4\r\nReferer: https://www.google.com/search?q=union+station+hours\r\n",
    ),
    get("/static/app.js?v=1.2.3"),
    post(
      "/upload",
      '--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nMy cat\'s photo -- cute\r\n--XyZ--\r\n',
      "multipart/form-data; boundary=XyZ",
    ),
  ];
  for (const req of benign) assert.deepEqual(run(req), [], req.split("\r\n")[0]);
});

Deno.test("SqlInjectionDetector inspects form, JSON, multipart and text bodies", () => {
  assert.equal(run(post("/login", "user=admin%27+or+%271%27%3D%271&pass=x"))[0]?.tags?.[0], "tautology");
  const json = run(post("/api", '{"user":{"id":"1 UNION SELECT password,1 FROM users"}}', "application/json"));
  assert.match(json[0].reason, /JSON field "user\.id"/);
  const mp = run(
    post(
      "/f",
      "--B\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n1' OR '1'='1\r\n--B--\r\n",
      'multipart/form-data; boundary="B"',
    ),
  );
  assert.match(mp[0].reason, /multipart field "id"/);
  const xml = run(post("/x", "<q>1' or 1=1--</q>", "text/xml"));
  assert.equal(xml[0].tags![0], "tautology");
  // uploaded file content is not inspected
  assert.deepEqual(
    run(
      post(
        "/f",
        '--B\r\nContent-Disposition: form-data; name="f"; filename="a.sql"\r\n\r\n1\' OR 1=1--\r\n--B--\r\n',
        "multipart/form-data; boundary=B",
      ),
    ),
    [],
  );
});

Deno.test("SqlInjectionDetector inspects Cookie, User-Agent, Referer and X-Forwarded-For", () => {
  assert.match(run(get("/", "Cookie: sid=abc; uid=1%27%20OR%20%271%27%3D%271\r\n"))[0].reason, /Cookie "uid"/);
  assert.match(run(get("/", "User-Agent: ' or sleep(5)#\r\n"))[0].reason, /User-Agent header/);
  assert.match(
    run(get("/", "Referer: http://x/?id=1 union select null,null--\r\n"))[0].reason,
    /Referer parameter "id"/,
  );
  assert.match(run(get("/", "X-Forwarded-For: 1.2.3.4' and 1=1--\r\n"))[0].reason, /X-Forwarded-For header/);
});

Deno.test("SqlInjectionDetector flags the sqlmap User-Agent as weak evidence", () => {
  const ds = run(get("/p?id=1", "User-Agent: sqlmap/1.7.2#stable (https://sqlmap.org)\r\n"));
  assert.equal(ds.length, 1);
  assert.equal(ds[0].severity, 2);
  assert.deepEqual(ds[0].tags, ["scanner"]);
});

Deno.test("SqlInjectionDetector applies the benign-parameter list", () => {
  // exact entry: order=desc skips the parameter; name entries keep strong rules only
  assert.deepEqual(run(get("/l?order=desc&limit=10&search=information_schema.tables")), []);
  assert.equal(run(get("/l?q=information_schema.tables"))[0]?.severity, 2);
  assert.equal(run(get("/l?search=x'%20union%20select%20null,null--"))[0]?.tags?.[0], "union");
  const cfg = config({ sql_injection: { benign_params: ["id=1 and 1=1"] } });
  assert.deepEqual(run(get("/p?id=1%20and%201=1"), cfg), []);
});

Deno.test("SqlInjectionDetector reassembles a request split across segments with retransmissions", () => {
  const h = new Harness();
  const c = new Conn(h).handshake();
  const req = get("/p?id=1%20UNION%20ALL%20SELECT%20NULL,NULL--");
  const s1 = c.send(req.slice(0, 12));
  c.sendAt(s1, req.slice(0, 12)); // retransmission
  c.send(req.slice(12, 30));
  assert.equal(h.detections.length, 0);
  c.send(req.slice(30));
  c.sendAt(s1, req); // full retransmission of the request must not duplicate it
  assert.equal(h.detections.length, 1);
  assert.equal(h.det.requests, 1);
});

Deno.test("SqlInjectionDetector handles out-of-order segments", () => {
  const h = new Harness();
  const c = new Conn(h).handshake();
  const req = get("/p?id=1'%20AND%20SLEEP(5)--");
  const base = c.seq;
  c.sendAt(base + 20, req.slice(20));
  c.sendAt(base, req.slice(0, 20));
  assert.equal(h.detections.length, 1);
  assert.deepEqual(h.detections[0].tags, ["time_based"]);
});

Deno.test("SqlInjectionDetector inspects every pipelined and keep-alive request", () => {
  const h = new Harness();
  const c = new Conn(h).handshake();
  c.send(get("/a?x=1") + get("/b?id=1%20AND%201=1") + get("/c?id=2;DROP%20TABLE%20t"));
  c.reply("HTTP/1.1 200 OK\r\n\r\n");
  c.send(get("/d?id=3%20UNION%20SELECT%201,2"));
  assert.deepEqual(h.detections.map((d) => d.tags![0]), ["tautology", "stacked", "union"]);
  assert.equal(h.det.requests, 4);
  assert.equal(h.streams(), 1, "one idle keep-alive stream");
  c.fin();
  assert.equal(h.streams(), 0, "released when the client closes");
});

Deno.test("SqlInjectionDetector inspects an unfinished request when the flow ends", () => {
  const h = new Harness();
  const c = new Conn(h).handshake();
  c.send("GET /p?id=1'%20OR%201=1-- HTTP/1.1\r\nHost: x\r\n");
  assert.equal(h.detections.length, 0);
  h.flows.flush();
  assert.equal(h.detections.length, 1);
  assert.deepEqual(h.detections[0].tags, ["tautology", "truncated"]);
  assert.equal(h.streams(), 0);
});

Deno.test("SqlInjectionDetector bounds an oversized request and flags it truncated", () => {
  const cfg = config({ sql_injection: { max_request_bytes: 1024 } });
  const h = new Harness(cfg);
  const c = new Conn(h).handshake();
  const body = "id=1'%20or%201=1--&pad=" + "x".repeat(6000);
  const req = post("/big", body);
  for (let i = 0; i < req.length; i += 1000) c.send(req.slice(i, i + 1000));
  assert.equal(h.detections.length, 1);
  assert.deepEqual(h.detections[0].tags, ["tautology", "truncated"]);
  c.send(get("/after?id=2%20and%201=1"));
  assert.equal(h.detections.length, 2);
});

Deno.test("SqlInjectionDetector sees HTTP on any port, ignores server replies, non-HTTP and disabled config", () => {
  const h = new Harness();
  // HTTP is recognised by content: port 9999 is not in sql_injection.ports
  new Conn(h, CLIENT, SERVER, 9999).handshake().send(get("/p?id=1%20UNION%20SELECT%201,2"));
  assert.equal(h.detections.length, 1);
  assert.equal(h.detections[0].dstPort, 9999);
  // SQL in a server reply, or in a connection that is not HTTP (TLS-like bytes on port 80), is not a request
  const c2 = new Conn(h).handshake();
  c2.reply("HTTP/1.1 200 OK\r\n\r\n1 UNION SELECT 1,2");
  const c3 = new Conn(h, CLIENT, SERVER, 443).handshake();
  c3.send("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 id=1 UNION SELECT 1,2");
  assert.equal(h.detections.length, 1);
  assert.deepEqual(run(get("/p?id=1%20AND%201=1"), config({ sql_injection: { enabled: false } })), []);
  assert.equal(run(get("/p?id=1%20AND%201=1"), config({ sql_injection: { ports: [8080] } })).length, 1);
});

Deno.test("SqlInjectionDetector finds the client when capture starts mid-connection", () => {
  const h = new Harness();
  const sport = 51000;
  // first packet seen is the server's reply: the flow's initiator is the server
  h.tcp(SERVER, CLIENT, 80, sport, TcpFlag.PSH | TcpFlag.ACK, 9000, enc("HTTP/1.1 200 OK\r\n\r\n"));
  h.tcp(CLIENT, SERVER, sport, 80, TcpFlag.PSH | TcpFlag.ACK, 7000, enc(get("/p?id=1%20AND%201=1")));
  assert.equal(h.detections.length, 1);
  assert.equal(ipToString(h.detections[0].src), "10.77.0.66");
});

Deno.test("SqlInjectionDetector detects trusted sources by default; skips them only with use_trusted", () => {
  const cdn = ip(104, 16, 0, 9);
  const h = new Harness(config({ sql_injection: { use_trusted: true } }));
  new Conn(h, cdn).handshake().send(get("/p?id=1%20AND%201=1"));
  assert.equal(h.detections.length, 0);
  const h2 = new Harness();
  new Conn(h2, cdn).handshake().send(get("/p?id=1%20AND%201=1"));
  assert.equal(h2.detections.length, 1);
});

Deno.test("SqlInjectionDetector does not confuse a reused flow slot with the old flow", () => {
  const h = new Harness(config(), 16);
  const c = new Conn(h, CLIENT, SERVER, 80, 40001).handshake();
  c.send("GET /p?id=1%20AND%20");
  // the flow is evicted by 16 other flows, its slot reused by a new connection
  for (let i = 0; i < 16; i++) new Conn(h, ip(10, 1, 0, i), SERVER, 80, 30000 + i).handshake();
  const c2 = new Conn(h, ip(10, 2, 0, 2), SERVER, 80, 40002).handshake();
  c2.send("1=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  // the partial request was inspected (truncated) when its flow ended; the new bytes are not glued to it
  assert.equal(h.detections.length, 0);
  assert.ok(h.streams() <= 1);
});

Deno.test("SqlInjectionDetector bounds streams: 100k partial requests with a small cap", () => {
  const cap = 64;
  const h = new Harness(config({ limits: { max_http_streams: cap } }), 262144);
  const partial = enc("GET /p?id=1 HTTP/1.1\r\nHost: x\r\n");
  for (let i = 0; i < 100_000; i++) {
    h.tcp(
      ip(10, 100 + (i >>> 16), (i >>> 8) & 255, i & 255),
      SERVER,
      1024 + (i % 60000),
      80,
      TcpFlag.ACK | TcpFlag.PSH,
      1,
      partial,
    );
    if (h.streams() > cap) assert.fail(`size ${h.streams()} > ${cap}`);
  }
  assert.equal(h.streams(), cap);
  assert.ok(h.app.counters.httpEvicted >= 100_000 - cap);
  // an attack still gets through after the churn
  new Conn(h).handshake().send(get("/p?id=1%20UNION%20SELECT%201,2"));
  assert.equal(h.detections.length, 1);
});

Deno.test("SqlInjectionDetector configure() applies a smaller cap and new ports live", () => {
  const h = new Harness();
  for (let i = 0; i < 10; i++) new Conn(h, ip(10, 3, 0, i)).handshake().send("GET /partial");
  assert.equal(h.streams(), 10);
  const cfg = config({ limits: { max_http_streams: 4 }, sql_injection: { ports: [80, 9000] } });
  h.det.configure(cfg);
  h.app.configure({ maxHttpStreams: cfg.limits.max_http_streams, httpPorts: cfg.sql_injection.ports });
  assert.equal(h.streams(), 4);
  new Conn(h, CLIENT, SERVER, 9000).handshake().send(get("/p?id=1%20AND%201=1"));
  assert.equal(h.detections.length, 1);
});

Deno.test("SqlInjectionDetector.inspect escapes the excerpt", () => {
  const det = new SqlInjectionDetector(config());
  const req: HttpRequest = {
    method: "GET",
    target: "/p?id=1%27%0d%0a%1b[31m%20or%201=1--",
    version: "HTTP/1.1",
    headers: [],
    body: "",
    truncated: false,
  };
  const f = det.inspect(req);
  assert.ok(f !== null);
  assert.ok([...f.reason].every((ch) => ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) !== 0x7f), f.reason);
  assert.match(f.reason, /\\x1b\[31m/);
});

Deno.test("SqlInjectionDetector works on IPv6 flows", () => {
  const h = new Harness();
  const c = new Conn(h, 0, 0, 80, 40100);
  const client = "fd77::66", server = "fd77::1";
  h.tcp(client, server, c.sport, 80, TcpFlag.SYN, 999);
  h.tcp(client, server, c.sport, 80, TcpFlag.PSH | TcpFlag.ACK, 1000, enc(get("/p?id=1%20AND%201=1")));
  assert.equal(h.detections.length, 1);
  assert.equal(h.detections[0].src, "fd77::66");
  assert.equal(h.detections[0].dst, "fd77::1");
});

Deno.test("SqlInjectionDetector keeps a WebSocket connection closed to parsing", () => {
  const h = new Harness();
  const c = new Conn(h).handshake();
  c.send(get("/ws", "Upgrade: websocket\r\nConnection: Upgrade\r\n"));
  c.send("\x81\x85\x37\xfa\x21\x3d GET /?id=1 AND 1=1 HTTP/1.1\r\n\r\n");
  assert.equal(h.detections.length, 0);
  assert.equal(h.det.requests, 1);
  assert.equal(h.streams(), 0, "no answer asked for: the connection is let go");
});

Deno.test("SqlInjectionDetector stays quiet on realistic browsing", () => {
  const targets = [
    "/search?q=what%27s+the+difference+between+or+and+and&hl=en&oq=what%27s+the&gs_lcp=Cgdnd3Mtd2l6EAMyBQgAEIAE",
    "/search?q=drop+table+tennis+rules&client=firefox-b-d",
    "/search?q=%22select%22+vs+%22choose%22+grammar",
    "/search?q=how+to+sleep+better+(8+tips)",
    "/search?q=O%27Reilly+%26+Sons+--+books",
    "/search?q=1%3D1+meaning&tbm=isch",
    "/wiki/Rock_%27n%27_roll",
    "/wiki/Pride_(1998_film)",
    "/wiki/%22Weird_Al%22_Yankovic",
    "/wiki/Select_(SQL)",
    "/dp/B08N5WRWNW/ref=sr_1_3?crid=2M&keywords=usb+c+cable&qid=1700000000&sprefix=usb%2Caps%2C180&sr=8-3",
    "/collect?v=1&_v=j99&t=pageview&dl=https%3A%2F%2Fexample.com%2F%3Fa%3D1&dt=Home%20%E2%80%93%20Shop&_u=IEBAAEABAAAAAC~",
    "/g/collect?v=2&tid=G-XXXX&dl=https%3A%2F%2Fshop.example%2Fcart&dt=Cart%20(2)&en=page_view",
    "/api/v1/items?filter=price%3E10&sort=-created_at&page[size]=20&page[number]=2",
    "/api/v1/users?where=%7B%22name%22%3A%22O%27Brien%22%7D",
    "/products?category=men%27s+shoes&size=10.5&color=black%2Fwhite&sort=price_asc",
    "/index.php?option=com_content&view=article&id=42:hello-world&catid=8&Itemid=101",
    "/news/2024/05/why-the-or-and-and-operators-matter--a-guide",
    "/recipes?q=mac+%27n%27+cheese+(baked)",
    "/help?topic=exec+summary;+board+meeting",
    "/quotes?text=%22To+be%2C+or+not+to+be%22+--+Hamlet",
    "/jobs?title=SQL+Developer+(select%2Finsert%2Fupdate)&loc=remote",
    "/search?q=x%3E5+and+y%3C10",
    "/search?q=%22hello%22+and+%22world%22",
    "/track?event=click&props=%7B%22button%22%3A%22buy%22%2C%22price%22%3A9.99%7D",
    "/search?q=why+is+%27select+*%27+bad",
    "/p?name=D%27Angelo&title=Ma%27am",
  ];
  const h = new Harness();
  const c = new Conn(h).handshake();
  const headers = "User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) " +
    "Version/17.1 Safari/605.1.15\r\nAccept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8\r\n" +
    "Cookie: _ga=GA1.1.1234.5678; consent=%7B%22ads%22%3Afalse%7D; cart=a%3A2%3A%7Bi%3A0%3B%7D\r\n" +
    "Referer: https://www.google.com/search?q=it%27s+a+union+of+friends\r\n";
  for (const t of targets) c.send(get(t, headers));
  assert.equal(h.det.requests, targets.length);
  assert.deepEqual(h.detections.map((d) => d.reason), []);
});

Deno.test("SqlInjectionDetector remembers clean requests only: repeats of an injection are found every time", () => {
  const det = new SqlInjectionDetector(config());
  const req = (headers: [string, string][], target = "/", body = ""): HttpRequest => ({
    method: "GET",
    target,
    version: "HTTP/1.1",
    headers,
    body,
    truncated: false,
  });
  const flood = req([["host", "shop"], ["user-agent", "ApacheBench/2.3"]]);
  for (let i = 0; i < 3; i++) assert.equal(det.inspect(flood), null);
  const bad = req([["cookie", "id=1' OR '1'='1"]]);
  for (let i = 0; i < 3; i++) assert.equal(det.inspect(bad)?.family, "tautology", `repeat ${i}`);
  // a clean request whose header text spells another header is not taken for that request
  const spelled = req([["content-type", "x\ncookie:id=1' OR '1'='1"]]);
  assert.equal(det.inspect(spelled), null);
  const real = req([["content-type", "x"], ["cookie", "id=1' OR '1'='1"]]);
  assert.equal(det.inspect(real)?.family, "tautology");
  // the same target with a different body is inspected again
  assert.equal(det.inspect(req([], "/f", "q=1")), null);
  assert.equal(det.inspect(req([], "/f", "q=1' OR '1'='1"))?.family, "tautology");
});
