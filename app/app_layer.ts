/**
 * The app layer: protocol detection by content and the parsers behind it, fed by the stream stage.
 *
 * For every TCP connection the first bytes of whichever side speaks first decide the protocol
 * ({@link detectClient}, {@link detectServer}); a connection nothing recognises is left alone
 * (reassembly stops at once, so bulk traffic costs almost nothing). Port lists are hints only: a
 * connection picked up in the middle (no start seen) whose server port is an HTTP hint port is
 * parsed as HTTP, resynchronising at the next request line.
 *
 * What listeners receive (see {@link AppListener}):
 * - `onProtocol`: once per connection, when its protocol is known (with the SSH banner, RDP cookie);
 * - `onHttpRequest`: every request (client side); a listener returns true to be told its answer …
 * - `onHttpResponse`: … the response head (server side). The server side of an HTTP connection is
 *   reassembled and parsed only while a response is wanted (a login form's answer): an HTTP flood
 *   or a download costs nothing on that side. Following starts at the next server segment, which
 *   must begin a response (`HTTP/1.x`); a pipelined client's earlier answers may be taken for it;
 * - `onLogin`: login attempts, failures and successes of FTP, SMTP AUTH, POP3, IMAP, Telnet, and
 *   an attempt per RDP connection request;
 * - `onEnd`: the connection ended (flush per-connection state).
 *
 * Every callback gets the connection's {@link AppContext}: one object per connection, updated in
 * place (read it during the call; copy what you keep).
 *
 * @module
 */
import type { IpKey } from "../decode/packet.ts";
import type { FlowTable } from "../flow/flow_table.ts";
import type { StreamConsumer } from "../stream/stream_table.ts";
import { type AppProtocol, detectClient, type Detected, detectServer } from "./detect.ts";
import { type HttpRequest, HttpRequestParser } from "./http_request.ts";
import { type HttpResponse, HttpResponseParser } from "./http_response.ts";
import { type LoginEvent, LoginTracker } from "./login.ts";
import { latin1 } from "./url_decode.ts";

/** One connection as the app layer sees it. */
export interface AppContext {
  /** Flow table slot and the flow's unique id. */
  slot: number;
  flowId: number;
  /** The flow table the slot is in (for listeners that keep per-flow marks). */
  readonly flows: FlowTable;
  /** Packet time of the bytes being reported (µs). */
  tsUs: number;
  client: IpKey;
  server: IpKey;
  clientPort: number;
  serverPort: number;
  proto: AppProtocol;
  /** SSH: the client's and server's identification strings (escaped on display!), else "". */
  clientBanner: string;
  serverBanner: string;
  /** HTTP requests seen on this connection so far. */
  requests: number;
  /** Login attempts seen on this connection so far. */
  attempts: number;
}

/** Receives what the app layer finds. Every method is optional. */
export interface AppListener {
  onProtocol?(ctx: AppContext): void;
  /** Returns true to have the response to this request reported to `onHttpResponse`. */
  onHttpRequest?(req: HttpRequest, ctx: AppContext): boolean | void;
  onHttpResponse?(res: HttpResponse, ctx: AppContext): void;
  onLogin?(ev: LoginEvent, ctx: AppContext): void;
  onEnd?(ctx: AppContext): void;
}

/** Options of {@link AppLayer}. */
export interface AppLayerOptions {
  /** Bytes buffered per HTTP request (default 16384). */
  maxRequestBytes?: number;
  /** Server ports treated as HTTP when a connection is picked up mid-stream. */
  httpPorts?: readonly number[];
  /** HTTP connections parsed at once (default 4096): the least recently active is ended first. */
  maxHttpStreams?: number;
}

/** Counters of the app layer. */
export interface AppCounters {
  /** Connections whose protocol was recognised, by protocol. */
  detected: Record<AppProtocol, number>;
  /** Connections left alone (nothing recognised). */
  unknown: number;
  httpRequests: number;
  logins: number;
  /** HTTP connections whose parsing was ended early by `maxHttpStreams`. */
  httpEvicted: number;
}

/** A response body larger than this ends response parsing on its connection (downloads are not logins). */
const MAX_FOLLOWED_BODY = 65536;

/** Lets the app layer stop one direction of a connection in the stream stage. */
export interface StreamControl {
  stopDirection(slot: number, dir: number): void;
  /** Reassembles a stopped direction again from its next segment on. */
  resumeDirection(slot: number, dir: number): void;
}

/** Connection records kept for reuse. */
const POOL_MAX = 4096;

/** Bytes kept per direction while the first bytes are too few to decide. */
const MAX_PREFIX = 64;

interface AppFlow {
  /** Index in the layer's record array (kept across reuse). */
  idx: number;
  ctx: AppContext;
  /** Direction (0: from the initiator) the client sends in. */
  clientDir: number;
  prefix: [Uint8Array | null, Uint8Array | null];
  http: HttpRequestParser | null;
  /** The request parser this object keeps for reuse (set as `http` for HTTP connections). */
  spareHttp: HttpRequestParser | null;
  resp: HttpResponseParser | null;
  login: LoginTracker | null;
  detected: boolean;
  /** SSH: bit 1 client banner seen, bit 2 server banner seen. */
  sshSeen: number;
  /** HTTP: responses asked for and not yet seen (the server side is followed while > 0). */
  want: number;
}

/** Protocol detection and parsing for every TCP connection; the consumer of the stream stage. */
export class AppLayer implements StreamConsumer {
  /**
   * Per flow slot: the index + 1 of its connection record in `#records` (0: none). Records are
   * recycled, and `#records` grows with the connections in progress, not with the flow table (a
   * per-slot array of objects cost milliseconds of start-up to allocate).
   */
  #flowOf: Int32Array;
  #records: (AppFlow | undefined)[] = [];
  /** Indexes of `#records` free to reuse: holding a record kept for reuse (at most POOL_MAX), or empty. */
  #pool: number[] = [];
  #bare: number[] = [];
  #table: FlowTable;
  #listeners: AppListener[] = [];
  #maxRequest: number;
  #httpPorts = new Uint8Array(65536);
  #cur: AppFlow | null = null;
  /** Connection records of ended connections, reused (with their request parsers) by new ones. */
  /** The stream stage, to stop reassembling a direction nobody needs (set by the pipeline). */
  streamControl: StreamControl | null = null;
  /** Counters. */
  readonly counters: AppCounters = {
    detected: { http: 0, ssh: 0, ftp: 0, smtp: 0, pop3: 0, imap: 0, telnet: 0, rdp: 0, redis: 0 },
    unknown: 0,
    httpRequests: 0,
    logins: 0,
    httpEvicted: 0,
  };
  /** HTTP connections being parsed, least recently active first: a linked list over slots (head `#cap`). */
  #prev: Int32Array;
  #next: Int32Array;
  #inLru: Uint8Array;
  #cap: number;
  #httpCount = 0;
  #maxHttp = 4096;

  constructor(flows: FlowTable, options: AppLayerOptions = {}) {
    this.#table = flows;
    this.#flowOf = new Int32Array(flows.capacity);
    const cap = this.#cap = flows.capacity;
    this.#prev = new Int32Array(cap + 1);
    this.#next = new Int32Array(cap + 1);
    this.#prev[cap] = this.#next[cap] = cap;
    this.#inLru = new Uint8Array(cap);
    this.#maxRequest = options.maxRequestBytes ?? 16384;
    this.configure(options);
  }

  /** Applies changed options (connections in progress keep their parsers). */
  configure(options: AppLayerOptions): void {
    if (options.maxRequestBytes !== undefined) this.#maxRequest = options.maxRequestBytes;
    if (options.maxHttpStreams !== undefined) {
      this.#maxHttp = Math.max(1, options.maxHttpStreams);
      while (this.#httpCount > this.#maxHttp) this.#evictHttp();
    }
    if (options.httpPorts !== undefined) {
      this.#httpPorts.fill(0);
      for (const p of options.httpPorts) if (p > 0 && p < 65536) this.#httpPorts[p] = 1;
    }
  }

  /** Adds a listener. */
  listen(listener: AppListener): void {
    this.#listeners.push(listener);
  }

  /** HTTP connections being parsed. */
  get httpStreams(): number {
    return this.#httpCount;
  }

  #lruAdd(slot: number): void {
    const cap = this.#cap, prev = this.#prev, next = this.#next;
    const last = prev[cap];
    prev[slot] = last;
    next[slot] = cap;
    next[last] = slot;
    prev[cap] = slot;
    this.#inLru[slot] = 1;
    this.#httpCount++;
  }

  #lruDelete(slot: number): void {
    if (this.#inLru[slot] === 0) return;
    const prev = this.#prev, next = this.#next;
    const p = prev[slot], n = next[slot];
    next[p] = n;
    prev[n] = p;
    this.#inLru[slot] = 0;
    this.#httpCount--;
  }

  /** Ends the parsing of the least recently active HTTP connection (its partial request is reported). */
  #evictHttp(): void {
    const slot = this.#next[this.#cap];
    if (slot === this.#cap) return;
    const f = this.#flow(slot)!;
    this.#lruDelete(slot);
    this.counters.httpEvicted++;
    if (f.http !== null) {
      this.#cur = f;
      f.http.finish(this.#onRequest);
      this.#cur = null;
    }
    this.#unfollow(f);
  }

  // ---- StreamConsumer ----

  /** @internal Quick look: false when these first bytes name no protocol and no hint port applies. */
  wants(slot: number, dir: number, bytes: Uint8Array): boolean {
    const v = dir === 0 ? detectClient(bytes) : detectServer(bytes);
    if (v !== "unknown") return true;
    const w = dir === 0 ? detectServer(bytes) : detectClient(bytes);
    if (w !== "unknown") return true;
    const t = this.#table;
    if (this.#httpPorts[t.responderPort(slot)] === 1 || this.#httpPorts[t.initiatorPort(slot)] === 1) return true;
    this.counters.unknown++;
    return false;
  }

  /** @internal */
  data(slot: number, dir: number, bytes: Uint8Array, tsUs: number): boolean {
    let f = this.#flow(slot);
    if (f === undefined) f = this.#open(slot);
    f.ctx.tsUs = tsUs;
    if (!f.detected && !this.#detect(f, dir, bytes)) return false;
    if (!f.detected) return true; // need more bytes
    const prefix = f.prefix[dir];
    if (prefix !== null) {
      f.prefix[dir] = null;
      const all = new Uint8Array(prefix.length + bytes.length);
      all.set(prefix);
      all.set(bytes, prefix.length);
      bytes = all;
    }
    return this.#parse(f, dir === f.clientDir, bytes);
  }

  /** @internal */
  gap(slot: number, dir: number): void {
    const f = this.#flow(slot);
    if (f === undefined || !f.detected) return;
    if (dir === f.clientDir && f.http !== null) {
      this.#cur = f;
      f.http.gap(this.#onRequest);
      this.#cur = null;
    } else if (dir !== f.clientDir && f.resp !== null) f.resp.resync(); // the next response head starts a segment
  }

  /** @internal */
  closed(slot: number, dir: number, tsUs: number): void {
    const f = this.#flow(slot);
    if (f === undefined || !f.detected || dir !== f.clientDir || f.http === null) return;
    // the client closed its side: no more requests; the request in progress is reported
    f.ctx.tsUs = tsUs;
    this.#cur = f;
    f.http.finish(this.#onRequest);
    this.#cur = null;
    this.#lruDelete(slot);
  }

  /** @internal */
  end(slot: number, tsUs: number): void {
    const f = this.#flow(slot);
    if (f === undefined) return;
    this.#flowOf[slot] = 0;
    if (f.detected) {
      this.#lruDelete(slot);
      f.ctx.tsUs = tsUs;
      if (f.http !== null) {
        this.#cur = f;
        f.http.finish(this.#onRequest);
        this.#cur = null;
      }
      for (let i = 0, ls = this.#listeners; i < ls.length; i++) ls[i].onEnd?.(f.ctx);
    }
    if (this.#pool.length < POOL_MAX) this.#pool.push(f.idx);
    else {
      this.#records[f.idx] = undefined;
      this.#bare.push(f.idx);
    }
  }

  /** The connection record of a flow slot, if it has one. */
  #flow(slot: number): AppFlow | undefined {
    const i = this.#flowOf[slot];
    return i === 0 ? undefined : this.#records[i - 1];
  }

  /** A connection record for `slot` (a kept one reused as new, else a new one). */
  #open(slot: number): AppFlow {
    const pooled = this.#pool.pop();
    const f = pooled !== undefined ? this.#records[pooled]! : this.#newRecord(slot);
    this.#flowOf[slot] = f.idx + 1;
    if (pooled === undefined) return f;
    // listeners were told to copy what they keep of a context: the record is reused as new
    const t = this.#table;
    const c = f.ctx;
    c.slot = slot;
    c.flowId = t.flowId(slot);
    c.tsUs = 0;
    c.client = t.initiatorIp(slot);
    c.server = t.responderIp(slot);
    c.clientPort = t.initiatorPort(slot);
    c.serverPort = t.responderPort(slot);
    c.proto = "http";
    c.clientBanner = c.serverBanner = "";
    c.requests = c.attempts = 0;
    f.clientDir = 0;
    f.prefix[0] = f.prefix[1] = null;
    f.http = f.resp = null;
    f.login = null;
    f.detected = false;
    f.sshSeen = f.want = 0;
    return f;
  }

  #newRecord(slot: number): AppFlow {
    const t = this.#table;
    const bare = this.#bare.pop();
    const idx = bare ?? this.#records.length;
    const f: AppFlow = {
      idx,
      ctx: {
        slot,
        flowId: t.flowId(slot),
        flows: t,
        tsUs: 0,
        client: t.initiatorIp(slot),
        server: t.responderIp(slot),
        clientPort: t.initiatorPort(slot),
        serverPort: t.responderPort(slot),
        proto: "http",
        clientBanner: "",
        serverBanner: "",
        requests: 0,
        attempts: 0,
      },
      clientDir: 0,
      prefix: [null, null],
      http: null,
      spareHttp: null,
      resp: null,
      login: null,
      detected: false,
      sshSeen: 0,
      want: 0,
    };
    if (bare === undefined) this.#records.push(f);
    else this.#records[idx] = f;
    return f;
  }

  /** Decides the protocol from the first bytes; false when the connection is of no interest. */
  #detect(f: AppFlow, dir: number, bytes: Uint8Array): boolean {
    let b = bytes;
    const prefix = f.prefix[dir];
    if (prefix !== null) {
      b = new Uint8Array(prefix.length + bytes.length);
      b.set(prefix);
      b.set(bytes, prefix.length);
    }
    // the initiator is the client unless the content says otherwise
    let v: Detected = dir === 0 ? detectClient(b) : detectServer(b);
    let clientDir = 0;
    if (v === "unknown") {
      const other = dir === 0 ? detectServer(b) : detectClient(b);
      if (other !== "unknown" && other !== "more") {
        v = other;
        clientDir = 1; // the flow was picked up from the server's side
      }
    }
    if (v === "more") {
      if (b.length >= MAX_PREFIX) v = "unknown";
      else {
        f.prefix[dir] = b.slice();
        return true;
      }
    }
    if (v === "unknown") {
      // a mid-stream pickup on an HTTP hint port: parse as HTTP and resynchronise
      const ctx = f.ctx;
      if (this.#httpPorts[ctx.serverPort] === 1) v = "http";
      else if (this.#httpPorts[ctx.clientPort] === 1) {
        v = "http";
        clientDir = 1;
      } else {
        this.counters.unknown++;
        return false;
      }
    }
    // (a prefix held while undecided stays in f.prefix[dir]: data() puts it before these bytes)
    f.detected = true;
    f.clientDir = clientDir;
    const ctx = f.ctx;
    if (clientDir === 1) {
      [ctx.client, ctx.server] = [ctx.server, ctx.client];
      [ctx.clientPort, ctx.serverPort] = [ctx.serverPort, ctx.clientPort];
    }
    ctx.proto = v;
    this.counters.detected[v]++;
    if (v === "http") {
      if (this.#httpCount >= this.#maxHttp) this.#evictHttp();
      if (f.spareHttp === null) f.spareHttp = new HttpRequestParser(this.#maxRequest);
      else f.spareHttp.reset(this.#maxRequest);
      f.http = f.spareHttp;
      this.#lruAdd(ctx.slot);
      // the server side waits until a request asks for its answer (see onHttpRequest)
      this.streamControl?.stopDirection(ctx.slot, clientDir ^ 1);
    } else if (v === "ftp" || v === "smtp" || v === "pop3" || v === "imap" || v === "telnet" || v === "redis") {
      f.login = new LoginTracker(v);
    }
    if (v !== "ssh" && v !== "rdp") {
      for (let i = 0, ls = this.#listeners; i < ls.length; i++) {
        ls[i].onProtocol?.(ctx);
      }
    }
    return true;
  }

  /** Hands bytes to the connection's parser; false when nothing more is wanted. */
  #parse(f: AppFlow, fromClient: boolean, b: Uint8Array): boolean {
    const ctx = f.ctx;
    switch (ctx.proto) {
      case "http":
        if (this.#inLru[ctx.slot] === 1 && this.#prev[this.#cap] !== ctx.slot) {
          this.#lruDelete(ctx.slot);
          this.#lruAdd(ctx.slot);
        }
        if (fromClient) {
          if (f.http === null || f.http.closed) return f.want > 0;
          this.#cur = f;
          f.http.feed(b, this.#onRequest);
          this.#cur = null;
        } else if (f.want > 0 && f.resp !== null && !f.resp.closed) {
          this.#cur = f;
          f.resp.feed(b, this.#onResponse);
          this.#cur = null;
          if (f.resp.closed || f.want === 0 || f.resp.pendingBody > MAX_FOLLOWED_BODY) {
            // every answer asked for was seen (or a download): stop following the server side
            this.#unfollow(f);
          }
        } else this.#unfollow(f);
        return !((f.http === null || f.http.closed) && f.want === 0);
      case "ssh": {
        // the identification string is the first line of each side; everything after it is binary
        if (fromClient) {
          if (f.sshSeen & 1) return this.#sshDone(f);
          f.sshSeen |= 1;
          ctx.clientBanner = bannerLine(b);
        } else {
          if (f.sshSeen & 2) return this.#sshDone(f);
          f.sshSeen |= 2;
          ctx.serverBanner = bannerLine(b);
        }
        return f.sshSeen === 3 ? this.#sshDone(f) : true;
      }
      case "rdp": {
        if (!fromClient) return false;
        const m = /Cookie: mstshash=([^\r\n]{0,128})/.exec(latin1(b, 0, Math.min(b.length, 512)));
        ctx.clientBanner = m === null ? "" : m[0];
        for (let i = 0, ls = this.#listeners; i < ls.length; i++) ls[i].onProtocol?.(ctx);
        ctx.attempts++;
        this.counters.logins++;
        const ev: LoginEvent = { kind: "attempt", user: m === null ? "" : m[1], detail: "" };
        for (let i = 0, ls = this.#listeners; i < ls.length; i++) ls[i].onLogin?.(ev, ctx);
        return false;
      }
      default: {
        let login = f.login!;
        if (fromClient && ctx.proto === "ftp" && ctx.attempts === 0 && /^(EHLO|HELO) /i.test(latin1(b, 0, 5))) {
          // a 220 greeting that did not name SMTP was taken for FTP: EHLO/HELO from the client settles it
          this.counters.detected.ftp--;
          this.counters.detected.smtp++;
          ctx.proto = "smtp";
          login = f.login = new LoginTracker("smtp");
        }
        this.#cur = f;
        login.feed(b, fromClient, this.#onLogin);
        this.#cur = null;
        return !login.exhausted;
      }
    }
  }

  /** Both SSH identification strings seen (or one side went on without the other's): report, let go. */
  #sshDone(f: AppFlow): boolean {
    for (let i = 0, ls = this.#listeners; i < ls.length; i++) ls[i].onProtocol?.(f.ctx);
    return false;
  }

  /** Stops parsing and reassembling the server side of an HTTP connection (until a request wants it). */
  #unfollow(f: AppFlow): void {
    f.want = 0;
    if (f.resp === null) return;
    f.resp = null;
    this.streamControl?.stopDirection(f.ctx.slot, f.clientDir ^ 1);
  }

  readonly #onRequest = (req: HttpRequest): void => {
    const f = this.#cur!;
    f.ctx.requests++;
    this.counters.httpRequests++;
    let want = false;
    for (let i = 0, ls = this.#listeners; i < ls.length; i++) {
      if (ls[i].onHttpRequest?.(req, f.ctx) === true) want = true;
    }
    if (!want || !f.detected || f.ctx.proto !== "http") return;
    f.want++;
    if (f.resp === null) {
      // follow the server side from its next segment, which must start a response
      f.resp = new HttpResponseParser(true);
      this.streamControl?.resumeDirection(f.ctx.slot, f.clientDir ^ 1);
    }
  };

  readonly #onResponse = (res: HttpResponse): void => {
    const f = this.#cur!;
    if (f.want > 0) f.want--;
    for (let i = 0, ls = this.#listeners; i < ls.length; i++) ls[i].onHttpResponse?.(res, f.ctx);
  };

  readonly #onLogin = (ev: LoginEvent): void => {
    const f = this.#cur!;
    if (ev.kind === "attempt") f.ctx.attempts++;
    this.counters.logins++;
    for (let i = 0, ls = this.#listeners; i < ls.length; i++) ls[i].onLogin?.(ev, f.ctx);
  };
}

/** The first line of `b` (latin1, at most 255 characters). */
function bannerLine(b: Uint8Array): string {
  let end = b.indexOf(10);
  if (end < 0) end = b.length;
  if (end > 0 && b[end - 1] === 13) end--;
  return latin1(b, 0, Math.min(end, 255));
}
