/**
 * A local stand-in for the Telegram Bot API, for tests: it listens on 127.0.0.1, speaks the real
 * request and answer shapes of `sendMessage` and `getMe`, parses the HTML parse mode the way
 * Telegram does (refusing unknown tags and entities), finds the links and mentions a Telegram
 * client would make clickable, enforces per-chat flood control with 429 + `retry_after`, and fails
 * on demand (429, 401, 403, 5xx, garbage, slow answers).
 *
 * @module
 */

/** A message entity, as the Bot API reports it. */
export interface StubEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
}

/** One request the stub received. */
export interface StubRequest {
  method: string;
  token: string;
  atMs: number;
  body: Record<string, unknown>;
  contentType: string;
  /** For sendMessage accepted (answered ok, or answered too late after a "slow" failure): text and entities. */
  parsed?: { text: string; entities: StubEntity[] };
  status: number;
}

/** A scripted failure for the next request(s); `pass` lets one request through untouched. */
export type StubFailure =
  | { kind: "status"; status: number; description: string; retryAfter?: number; migrateTo?: number }
  | { kind: "garbage"; status?: number }
  | { kind: "slow"; ms: number }
  | { kind: "pass" };

const ALLOWED_TAGS = new Set([
  "b",
  "strong",
  "i",
  "em",
  "u",
  "ins",
  "s",
  "strike",
  "del",
  "code",
  "pre",
  "a",
  "tg-spoiler",
  "span",
  "blockquote",
]);
const ENTITY_OF: Record<string, string> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  code: "code",
  pre: "pre",
  a: "text_link",
  "tg-spoiler": "spoiler",
  span: "spoiler",
  blockquote: "blockquote",
};

/**
 * Parses Telegram HTML: returns the plain text and entities, or the error text Telegram would give
 * ("Bad Request: can't parse entities: …").
 */
export function parseTelegramHtml(html: string): { text: string; entities: StubEntity[] } | string {
  let text = "";
  const entities: StubEntity[] = [];
  const open: { tag: string; start: number; url?: string }[] = [];
  let i = 0;
  const fail = (why: string) => `Bad Request: can't parse entities: ${why} at byte offset ${i}`;
  while (i < html.length) {
    const c = html[i];
    if (c === "<") {
      const end = html.indexOf(">", i);
      if (end < 0) return fail("Unclosed start tag");
      const inner = html.slice(i + 1, end);
      if (inner.startsWith("/")) {
        const name = inner.slice(1).trim().toLowerCase();
        const top = open.pop();
        if (top === undefined || top.tag !== name) return fail(`Unmatched end tag "${name}"`);
        const entity: StubEntity = { type: ENTITY_OF[name], offset: top.start, length: text.length - top.start };
        if (top.url !== undefined) entity.url = top.url;
        entities.push(entity);
      } else {
        const m = /^([a-z-]+)(\s+(.*))?$/is.exec(inner);
        const name = m?.[1].toLowerCase() ?? "";
        if (!ALLOWED_TAGS.has(name)) return fail(`Unsupported start tag "${name}"`);
        let url: string | undefined;
        if (name === "a") {
          const href = /href\s*=\s*"([^"]*)"/i.exec(m?.[3] ?? "");
          if (href === null) return fail("Missing href");
          url = href[1];
        }
        open.push({ tag: name, start: text.length, url });
      }
      i = end + 1;
    } else if (c === "&") {
      const end = html.indexOf(";", i);
      const name = end < 0 ? "" : html.slice(i + 1, end);
      const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };
      if (named[name] !== undefined) text += named[name];
      else if (/^#[0-9]{1,7}$/.test(name)) text += String.fromCodePoint(Number(name.slice(1)));
      else if (/^#x[0-9a-f]{1,6}$/i.test(name)) text += String.fromCodePoint(parseInt(name.slice(2), 16));
      else return fail(`Unsupported HTML entity "&${name.slice(0, 10)}"`);
      i = end + 1;
    } else if (c === ">") {
      // Telegram tolerates a bare ">", but our escaping never leaves one: flag it
      return fail('Unescaped ">"');
    } else {
      text += c;
      i++;
    }
  }
  if (open.length > 0) return fail(`Unclosed start tag "${open[open.length - 1].tag}"`);
  // what a client makes clickable: links, mentions, hashtags and commands in the text outside code and pre
  // (entities never overlap code), each plain stretch on its own
  const code = entities.filter((e) => e.type === "code" || e.type === "pre").sort((a, b) => a.offset - b.offset);
  const stretches: [number, number][] = [];
  let from = 0;
  for (const e of code) {
    if (e.offset > from) stretches.push([from, e.offset]);
    from = Math.max(from, e.offset + e.length);
  }
  if (from < text.length) stretches.push([from, text.length]);
  const detectors: [string, RegExp][] = [
    ["url", /\b(?:https?:\/\/)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:\/[^\s]*)?/gi],
    ["mention", /@[a-z0-9_]{4,}/gi],
    ["hashtag", /#[a-z_][a-z0-9_]*/gi],
    ["bot_command", /(?<![\w/.])\/[a-z][a-z0-9_]{1,}/gi],
  ];
  for (const [start, end] of stretches) {
    const plain = text.slice(start, end);
    for (const [type, re] of detectors) {
      for (const m of plain.matchAll(re)) entities.push({ type, offset: start + m.index, length: m[0].length });
    }
  }
  return { text, entities };
}

/** Options of {@link TelegramStub}. */
export interface TelegramStubOptions {
  /** The token it accepts. */
  token: string;
  /** Chat ids that exist. */
  chats: string[];
  /** Two messages to one chat closer than this get 429 (real Telegram: about 1 s). Default 0: off. */
  floodGapMs?: number;
  /** `retry_after` of flood-control 429s. Default 1. */
  floodRetryAfter?: number;
}

/** The stub server. `await using` closes it. */
export class TelegramStub {
  readonly requests: StubRequest[] = [];
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #options: TelegramStubOptions;
  readonly #failures: StubFailure[] = [];
  readonly #lastByChat = new Map<string, number>();
  #messageId = 0;
  /** 429s sent by flood control. */
  floodRejections = 0;

  /** Starts listening on a free loopback port. */
  constructor(options: TelegramStubOptions) {
    this.#options = options;
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (request) => this.#handle(request),
    );
  }

  /** Base URL to give the client. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  /** The next requests fail like this, in order. */
  fail(...failures: StubFailure[]): void {
    this.#failures.push(...failures);
  }

  /** sendMessage requests answered ok, per chat. */
  delivered(chat?: string): StubRequest[] {
    return this.requests.filter((r) =>
      r.method === "sendMessage" && r.parsed !== undefined && (chat === undefined || String(r.body.chat_id) === chat)
    );
  }

  /** Stops the server. */
  async close(): Promise<void> {
    await this.#server.shutdown();
  }

  /** For `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    const contentType = request.headers.get("content-type") ?? "";
    let body: Record<string, unknown> = {};
    try {
      const raw = await request.text();
      if (raw !== "") body = JSON.parse(raw);
    } catch {
      body = {};
    }
    const record: StubRequest = {
      method: m?.[2] ?? "",
      token: m === null ? "" : decodeURIComponent(m[1]),
      atMs: performance.now(),
      body,
      contentType,
      status: 0,
    };
    this.requests.push(record);
    const answer = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      return Response.json(json, { status, headers });
    };
    const error = (status: number, description: string, parameters?: Record<string, number>) =>
      answer(status, { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) });

    if (m === null) return error(404, "Not Found");
    const failure = this.#failures.shift();
    if (failure !== undefined) {
      switch (failure.kind) {
        case "status": {
          const parameters: Record<string, number> = {};
          if (failure.retryAfter !== undefined) parameters.retry_after = failure.retryAfter;
          if (failure.migrateTo !== undefined) parameters.migrate_to_chat_id = failure.migrateTo;
          return error(failure.status, failure.description, Object.keys(parameters).length ? parameters : undefined);
        }
        case "garbage":
          record.status = failure.status ?? 200;
          return new Response("<html><body>502 Bad Gateway</body></html>{", {
            status: record.status,
            headers: { "content-type": "text/html" },
          });
        case "slow":
          await new Promise((resolve) => setTimeout(resolve, failure.ms));
          break;
        case "pass":
          break;
      }
    }
    if (record.token !== this.#options.token) {
      // Telegram answers 404 for a malformed token and 401 for a well-formed unknown one
      return /^\d+:[\w-]{20,}$/.test(record.token) ? error(401, "Unauthorized") : error(404, "Not Found");
    }
    if (record.method === "getMe") {
      return answer(200, {
        ok: true,
        result: { id: 4242, is_bot: true, first_name: "ids stub", username: "ids_stub_bot" },
      });
    }
    if (record.method !== "sendMessage") return error(404, "Not Found: method not found");
    if (!contentType.startsWith("application/json")) return error(400, "Bad Request: message text is empty");
    const chat = String(body.chat_id ?? "");
    if (typeof body.text !== "string" || body.text === "") return error(400, "Bad Request: message text is empty");
    if (!this.#options.chats.includes(chat)) return error(400, "Bad Request: chat not found");
    const gap = this.#options.floodGapMs ?? 0;
    const last = this.#lastByChat.get(chat);
    if (gap > 0 && last !== undefined && record.atMs - last < gap) {
      this.floodRejections++;
      const retryAfter = this.#options.floodRetryAfter ?? 1;
      return error(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
    }
    let parsed: { text: string; entities: StubEntity[] } | string;
    if (body.parse_mode === "HTML") parsed = parseTelegramHtml(body.text);
    else parsed = { text: body.text, entities: [] };
    if (typeof parsed === "string") return error(400, parsed);
    if (parsed.text.length > 4096) return error(400, "Bad Request: message is too long");
    this.#lastByChat.set(chat, record.atMs);
    record.parsed = parsed;
    return answer(200, {
      ok: true,
      result: {
        message_id: ++this.#messageId,
        from: { id: 4242, is_bot: true, first_name: "ids stub", username: "ids_stub_bot" },
        chat: { id: /^-?\d+$/.test(chat) ? Number(chat) : -100, type: chat.startsWith("-") ? "supergroup" : "private" },
        date: Math.floor(Date.now() / 1000),
        text: parsed.text,
        ...(parsed.entities.length ? { entities: parsed.entities } : {}),
      },
    });
  }
}

/** A loopback port with nothing listening (connection refused). */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
