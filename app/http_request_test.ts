import assert from "node:assert/strict";
import { TcpDirection } from "../stream/tcp_stream.ts";
import { headerValue, type HttpRequest, HttpRequestParser } from "./http_request.ts";

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/**
 * Collects requests from the client half of a connection: segments go through the stream stage's
 * {@link TcpDirection} (ordering, overlaps, lost bytes) into the parser, as in the pipeline.
 */
class Feeder {
  readonly stream: HttpRequestParser;
  readonly dir: TcpDirection;
  readonly out: HttpRequest[] = [];
  /** Segments that carried bytes already seen. */
  overlaps = 0;
  seq: number;
  readonly #cb = (r: HttpRequest) => this.out.push(r);
  readonly #sink = {
    data: (b: Uint8Array) => this.stream.feed(b, this.#cb),
    gap: () => this.stream.gap(this.#cb),
  };
  constructor(max = 16384, isn = 1000) {
    this.stream = new HttpRequestParser(max);
    this.dir = new TcpDirection({ policy: "bsd", depth: 1 << 30, maxQueued: max });
    this.dir.start(isn);
    this.seq = isn;
  }
  /** Sends the next bytes in order; returns their sequence number. */
  send(s: string | Uint8Array): number {
    const b = typeof s === "string" ? enc(s) : s;
    const seq = this.seq;
    if (this.dir.push(seq, b, this.#sink) !== 0) this.overlaps++;
    this.seq = (this.seq + b.length) >>> 0;
    return seq;
  }
  /** Pushes bytes at an explicit sequence number (retransmissions, reordering). */
  at(seq: number, s: string): void {
    if (this.dir.push(seq >>> 0, enc(s), this.#sink) !== 0) this.overlaps++;
  }
  /** The server acknowledges everything sent so far. */
  ack(): void {
    this.dir.acked(this.seq, this.#sink);
  }
  finish(): void {
    this.dir.finish(this.#sink);
    this.stream.finish(this.#cb);
  }
}

const GET = "GET /index.html?id=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.0\r\n\r\n";

Deno.test("HttpRequestParser parses a request in one segment", () => {
  const f = new Feeder();
  f.send(GET);
  assert.equal(f.out.length, 1);
  const r = f.out[0];
  assert.equal(r.method, "GET");
  assert.equal(r.target, "/index.html?id=1");
  assert.equal(r.version, "HTTP/1.1");
  assert.equal(headerValue(r, "host"), "example.com");
  assert.equal(headerValue(r, "user-agent"), "curl/8.0");
  assert.equal(r.body, "");
  assert.equal(r.truncated, false);
  assert.equal(f.stream.bufferedBytes, 0, "buffer released after the request");
});

Deno.test("HttpRequestParser reassembles a request split across 3 segments", () => {
  const f = new Feeder();
  f.send("GET /a?q=sel");
  f.send("ect HTTP/1.1\r\nHo");
  assert.equal(f.out.length, 0);
  f.send("st: x\r\n\r\n");
  assert.equal(f.out.length, 1);
  assert.equal(f.out[0].target, "/a?q=select");
});

Deno.test("HttpRequestParser drops retransmitted and overlapping bytes", () => {
  const f = new Feeder();
  const s1 = f.send("POST /login HTTP/1.1\r\nContent-Length: 10\r\n\r\n");
  const s2 = f.send("user=");
  f.at(s2, "user="); // exact retransmission
  f.at(s1, "POST /login"); // old bytes
  f.at(s2 + 3, "r=admi"); // overlaps 2 known bytes, adds "admi"
  f.seq = s2 + 9;
  f.send("n");
  assert.equal(f.out.length, 1);
  assert.equal(f.out[0].body, "user=admin");
  assert.equal(f.overlaps, 3);
});

Deno.test("HttpRequestParser reorders out-of-order segments", () => {
  const f = new Feeder(16384, 5000);
  f.at(5000 + 10, "HTTP/1.1\r\n\r\n");
  f.at(5000 + 5, "/xyz ");
  assert.equal(f.out.length, 0);
  f.at(5000, "GET  "); // 5 bytes: the target's extra space is trimmed
  assert.equal(f.out.length, 1);
  assert.equal(f.out[0].target, "/xyz");
});

Deno.test("HttpRequestParser handles sequence numbers that wrap", () => {
  const f = new Feeder(16384, 0xfffffff0);
  f.send("GET /wrap HTTP/1.1\r\n");
  f.send("Host: x\r\n\r\n");
  assert.equal(f.out.length, 1);
  assert.equal(f.out[0].target, "/wrap");
});

Deno.test("HttpRequestParser splits pipelined requests", () => {
  const f = new Feeder();
  f.send(
    "GET /one HTTP/1.1\r\nHost: x\r\n\r\n" +
      "POST /two HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc" +
      "GET /three HTTP/1.1\r\nHost: x\r\n\r\nGET /fo",
  );
  assert.deepEqual(f.out.map((r) => r.target), ["/one", "/two", "/three"]);
  assert.equal(f.out[1].body, "abc");
  f.send("ur HTTP/1.1\r\n\r\n");
  assert.deepEqual(f.out.map((r) => r.target), ["/one", "/two", "/three", "/four"]);
});

Deno.test("HttpRequestParser handles keep-alive requests in separate segments", () => {
  const f = new Feeder();
  for (let i = 0; i < 5; i++) f.send(`GET /r${i} HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert.deepEqual(f.out.map((r) => r.target), ["/r0", "/r1", "/r2", "/r3", "/r4"]);
  assert.equal(f.stream.requests, 5);
});

Deno.test("HttpRequestParser waits for a Content-Length body split across segments", () => {
  const f = new Feeder();
  f.send("POST /f HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 20\r\n\r\nuser=ad");
  assert.equal(f.out.length, 0);
  f.send("min'--&pas");
  assert.equal(f.out.length, 0);
  f.send("s=x");
  assert.equal(f.out.length, 1);
  assert.equal(f.out[0].body, "user=admin'--&pass=x");
  assert.equal(f.out[0].truncated, false);
});

Deno.test("HttpRequestParser de-chunks a chunked body", () => {
  const f = new Feeder();
  f.send("POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
  assert.equal(f.out.length, 0);
  f.send("6;ext=1\r\n world\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n");
  assert.equal(f.out.length, 2);
  assert.equal(f.out[0].body, "hello world");
  assert.equal(f.out[1].target, "/next");
});

Deno.test("HttpRequestParser bounds an oversized body and resumes after it", () => {
  const f = new Feeder(1024);
  const big = "a=" + "x".repeat(5000);
  f.send(`POST /up HTTP/1.1\r\nContent-Length: ${big.length}\r\n\r\n`);
  for (let i = 0; i < big.length; i += 700) f.send(big.slice(i, i + 700));
  assert.equal(f.out.length, 1);
  assert.equal(f.out[0].truncated, true);
  assert.ok(f.out[0].body.length < 1024);
  assert.ok(f.out[0].body.startsWith("a=xxx"));
  assert.ok(f.stream.bufferedBytes <= 1024);
  f.send("GET /after HTTP/1.1\r\n\r\n");
  assert.equal(f.out.length, 2);
  assert.equal(f.out[1].target, "/after");
});

Deno.test("HttpRequestParser bounds an oversized head", () => {
  const f = new Feeder(512);
  f.send("GET /?q=" + "y".repeat(2000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.equal(f.out.length, 1);
  assert.equal(f.out[0].truncated, true);
  assert.ok(f.out[0].target.length < 512);
  assert.ok(f.stream.bufferedBytes <= 512);
  f.send("GET /next HTTP/1.1\r\n\r\n");
  assert.equal(f.out.at(-1)!.target, "/next");
});

Deno.test("HttpRequestParser parses header-only requests and bare request lines", () => {
  const f = new Feeder();
  f.send("HEAD /h HTTP/1.0\r\n\r\n");
  f.send("DELETE /item/7 HTTP/1.1\nHost: x\n\n");
  assert.deepEqual(f.out.map((r) => [r.method, r.target]), [["HEAD", "/h"], ["DELETE", "/item/7"]]);
});

Deno.test("HttpRequestParser keeps raw spaces in a request target", () => {
  const f = new Feeder();
  f.send("GET /?id=1 OR 1=1 HTTP/1.1\r\n\r\n");
  assert.equal(f.out[0].target, "/?id=1 OR 1=1");
});

Deno.test("HttpRequestParser reports a partial request on finish", () => {
  const f = new Feeder();
  f.send("GET /?id=1'-- HTTP/1.1\r\nHost: x\r\n");
  assert.equal(f.out.length, 0);
  f.finish();
  assert.equal(f.out.length, 1);
  assert.equal(f.out[0].truncated, true);
  assert.equal(f.out[0].target, "/?id=1'--");
  assert.equal(f.stream.bufferedBytes, 0);
});

Deno.test("HttpRequestParser resynchronizes after non-HTTP bytes and after a lost segment", () => {
  const f = new Feeder();
  f.send("\x16\x03\x01\x02\x00 binary junk\r\nmore junk\r\nGET /ok HTTP/1.1\r\n\r\n");
  // the stream start is known (the SYN's sequence number): the junk is skipped up to the request line
  assert.deepEqual(f.out.map((r) => r.target), ["/ok"]);
  f.send("GET /ok2 HTTP/1.1\r\n\r\n");
  f.finish();
  assert.deepEqual(f.out.map((r) => r.target), ["/ok", "/ok2"]);

  const g = new Feeder(16384, 1);
  g.send("POST /a HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc");
  g.seq += 50; // bytes lost before capture
  for (let i = 0; i < 9; i++) g.send(`GET /n${i} HTTP/1.1\r\n\r\n`);
  assert.equal(g.out.length, 0, "waiting for the hole to fill");
  g.ack();
  // the server acknowledged past the hole: the partial request is reported truncated and parsing picks up again
  assert.equal(g.out[0].target, "/a");
  assert.equal(g.out[0].truncated, true);
  assert.ok(g.stream.gaps >= 1);
  assert.ok(g.out.some((r) => r.target === "/n8"));
});

Deno.test("HttpRequestParser stops after a WebSocket upgrade", () => {
  const f = new Feeder();
  f.send("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  f.send("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
  assert.equal(f.out.length, 1);
  assert.equal(f.stream.closed, true);
  assert.equal(f.stream.bufferedBytes, 0);

  const h2 = new Feeder();
  h2.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04\x00\x00\x00\x00\x00");
  assert.equal(h2.out.length, 1);
  assert.equal(h2.stream.closed, true);
});

Deno.test("HttpRequestParser gives up on a connection that never carries HTTP", () => {
  const f = new Feeder();
  const junk = "\x16\x03\x01".repeat(400);
  for (let i = 0; i < 1000; i++) f.send(junk);
  assert.equal(f.stream.closed, true);
  assert.equal(f.stream.bufferedBytes, 0);
  assert.equal(f.out.length, 0);
});

Deno.test("HttpRequestParser picks up at the next request after a mid-request capture start", () => {
  const f = new Feeder();
  f.send("ody-tail-of-an-earlier-upload&x=1");
  f.send("GET /next?id=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.deepEqual(f.out.map((r) => r.target), ["/next?id=1"]);
});

Deno.test("HttpRequestParser parses whole requests straight from a segment and buffers only the rest", () => {
  const p = new HttpRequestParser(16384);
  const out: HttpRequest[] = [];
  const post = "POST /f HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\na=1&b=2";
  p.feed(enc(`${GET}\r\n${post}GET /third?x=`), (r) => out.push(r));
  assert.deepEqual(out.map((r) => [r.method, r.target, r.body, r.truncated]), [
    ["GET", "/index.html?id=1", "", false],
    ["POST", "/f", "a=1&b=2", false],
  ]);
  assert.equal(p.bufferedBytes, "GET /third?x=".length, "only the unfinished request is copied");
  p.feed(enc("1 HTTP/1.1\r\nHost: x\r\n\r\n"), (r) => out.push(r));
  assert.equal(out.length, 3);
  assert.equal(out[2].target, "/third?x=1");
  assert.equal(p.bufferedBytes, 0);
  // a body past the limit, or a chunked one, takes the buffered path with the same results as before
  const q = new HttpRequestParser(64);
  const big: HttpRequest[] = [];
  q.feed(
    enc(`POST /b HTTP/1.1\r\nContent-Length: 100\r\n\r\n${"z".repeat(100)}GET /n HTTP/1.1\r\n\r\n`),
    (r) => big.push(r),
  );
  assert.deepEqual(big.map((r) => [r.target, r.truncated]), [["/b", true], ["/n", false]]);
  const c = new HttpRequestParser();
  const chunked: HttpRequest[] = [];
  c.feed(enc("POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"), (r) => chunked.push(r));
  assert.equal(chunked[0].body, "abc");
});

Deno.test("HttpRequestParser: heads of one length that differ in any byte never share a cached parse", () => {
  // 3,000 distinct heads of the same length into a 256-slot cache: slots collide; every head, at any
  // byte (inside a word, in the tail past the last whole word), must still come out as itself
  const heads: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const n = String(i).padStart(4, "0");
    heads.push(`GET /p?n=${n} HTTP/1.1\r\nHost: a\r\nX: 0000\r\n\r\n`); // differs early
    heads.push(`GET /p?n=0000 HTTP/1.1\r\nHost: a\r\nX: ${n}\r\n\r\n`); // differs late
    heads.push(`GET /p?n=0000 HTTP/1.1\nHost: a\nX: 00${n}\n\n`); // LF only, another length
  }
  assert.equal(new Set(heads.map((h) => h.length)).size, 2);
  const p = new HttpRequestParser();
  let rng = 7;
  for (let round = 0; round < 3; round++) {
    for (let k = 0; k < heads.length; k++) {
      rng = (Math.imul(rng, 1103515245) + 12345) >>> 0;
      const h = heads[rng % heads.length];
      const got: HttpRequest[] = [];
      p.feed(enc(h), (r) => got.push(r));
      assert.equal(got.length, 1);
      const want = h.split(/\r?\n/);
      assert.equal(got[0].target, want[0].split(" ")[1]);
      assert.deepEqual(
        got[0].headers.map(([k, v]) => `${k}: ${v}`),
        want.slice(1).filter((l) => l.includes(":")).map((l) => {
          const c = l.indexOf(":");
          return `${l.slice(0, c).toLowerCase()}: ${l.slice(c + 1).trim()}`;
        }),
      );
    }
  }
});

Deno.test("HttpRequestParser: whole segments (parsed in place), random pieces and single bytes (buffered) give the same requests", () => {
  // random heads: LF or CRLF line ends, blank-line look-alikes (LF CR x), lengths putting the ending at
  // every offset of a 4-byte word, some bodies; in one segment the head's end is found word by word,
  // byte by byte the buffered path finds it: both must cut the stream at the same places
  let rng = 11;
  const rand = (n: number) => (rng = (Math.imul(rng, 1103515245) + 12345) >>> 0) % n;
  for (let trial = 0; trial < 400; trial++) {
    let text = "";
    for (let r = 1 + rand(3); r > 0; r--) {
      const eol = () => (rand(2) === 0 ? "\r\n" : "\n");
      let head = `${["GET", "POST", "PUT"][rand(3)]} /${"abc/?=&".slice(0, rand(8))}${
        "x".repeat(rand(9))
      } HTTP/1.1${eol()}`;
      for (let h = rand(5); h > 0; h--) head += `H${h}: ${"v".repeat(rand(7))}${rand(4) === 0 ? "\r" : ""}${eol()}`;
      const body = rand(3) === 0 ? "b=".concat("1".repeat(rand(12))) : "";
      if (body !== "") head += `Content-Length: ${body.length}${eol()}`;
      text += `${head}${eol()}${body}`;
    }
    const key = (r: HttpRequest) => JSON.stringify([r.method, r.target, r.version, r.headers, r.body, r.truncated]);
    const whole: string[] = [], bytes: string[] = [];
    const a = new HttpRequestParser();
    a.feed(enc(text), (r) => whole.push(key(r)));
    a.finish((r) => whole.push(key(r)));
    const b = new HttpRequestParser();
    for (const c of enc(text)) b.feed(Uint8Array.of(c), (r) => bytes.push(key(r)));
    b.finish((r) => bytes.push(key(r)));
    assert.deepEqual(whole, bytes, JSON.stringify(text));
    // random pieces: each starts in place, the rest of a head cut short continues buffered
    const pieces: string[] = [];
    const c = new HttpRequestParser();
    const all = enc(text);
    for (let at = 0; at < all.length;) {
      const k = 1 + rand(40);
      c.feed(all.subarray(at, at + k), (r) => pieces.push(key(r)));
      at += k;
    }
    c.finish((r) => pieces.push(key(r)));
    assert.deepEqual(pieces, whole, JSON.stringify(text));
    assert.ok(whole.length >= 1);
  }
});
