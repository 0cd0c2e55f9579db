/**
 * A small client for the Telegram Bot API: `sendMessage` and `getMe`, with every outcome sorted
 * into one {@link TelegramResult} (never a thrown error), so callers can retry, back off or give up.
 *
 * Requests: `POST {base}/bot{token}/{method}` with a JSON body. Answers: `{"ok":true,"result":…}`
 * or `{"ok":false,"error_code":N,"description":"…","parameters":{"retry_after":S}}`.
 * The token is part of the URL; it is removed from every message this module produces.
 *
 * @module
 */

/** Why a request failed. */
export type TelegramFailureKind =
  /** 401, or 404 for a malformed token: the token is wrong or revoked. */
  | "unauthorized"
  /** 400 "chat not found": the chat id is wrong, or the bot was never added to that chat. */
  | "chat_not_found"
  /** 403: the bot was blocked by the user, or removed from the group. */
  | "forbidden"
  /** Another 400 (for example a group upgraded to a supergroup: `migrateToChatId`). */
  | "bad_request"
  /** 429: too many requests; `retryAfterS` says how long to wait. */
  | "rate_limited"
  /** 5xx from the Bot API or a proxy. */
  | "server"
  /** No connection: refused, unreachable, DNS failure, TLS failure. */
  | "network"
  /** No answer within the timeout. */
  | "timeout"
  /** An answer that is not the Bot API's JSON. */
  | "bad_response";

/** A failed request. */
export interface TelegramFailure {
  readonly ok: false;
  readonly kind: TelegramFailureKind;
  /** HTTP status, when an answer came. */
  readonly status?: number;
  /** The API's `description`, or what went wrong (never contains the token). */
  readonly description: string;
  /** `parameters.retry_after` of a 429, in seconds. */
  readonly retryAfterS?: number;
  /** `parameters.migrate_to_chat_id`: the group's new id. */
  readonly migrateToChatId?: number;
}

/** A successful request. */
export interface TelegramSuccess<T> {
  readonly ok: true;
  readonly result: T;
}

/** The outcome of one request. */
export type TelegramResult<T> = TelegramSuccess<T> | TelegramFailure;

/** The parts of a sent `Message` we use. */
export interface SentMessage {
  readonly message_id: number;
  readonly chat: { readonly id: number; readonly type?: string; readonly title?: string; readonly username?: string };
  readonly date?: number;
}

/** The parts of the bot `User` (from `getMe`) we use. */
export interface BotUser {
  readonly id: number;
  readonly is_bot: boolean;
  readonly first_name: string;
  readonly username?: string;
}

/** Failure kinds worth retrying later with the same message. */
export const RETRIABLE: ReadonlySet<TelegramFailureKind> = new Set([
  "rate_limited",
  "server",
  "network",
  "timeout",
  "bad_response",
]);

/** Options of {@link TelegramClient}. */
export interface TelegramClientOptions {
  /** Bot token (`123456:ABC…`). */
  token: string;
  /** Base URL, default `https://api.telegram.org`. */
  baseUrl?: string;
  /** Milliseconds to wait for one answer. Default 10 000. */
  timeoutMs?: number;
}

/** Talks to the Bot API. Never throws: every outcome is a {@link TelegramResult}. */
export class TelegramClient {
  readonly #token: string;
  readonly #base: string;
  readonly #timeoutMs: number;

  /** A client for one bot. */
  constructor(options: TelegramClientOptions) {
    this.#token = options.token;
    this.#base = (options.baseUrl ?? "https://api.telegram.org").replace(/\/+$/, "");
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Sends `text` (HTML parse mode, link previews off) to one chat. */
  sendMessage(chatId: string, text: string, signal?: AbortSignal): Promise<TelegramResult<SentMessage>> {
    return this.call<SentMessage>("sendMessage", {
      chat_id: chatId,
      text,
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
    }, signal);
  }

  /** Asks who the bot is: checks the token without sending anything to a chat. */
  getMe(signal?: AbortSignal): Promise<TelegramResult<BotUser>> {
    return this.call<BotUser>("getMe", {}, signal);
  }

  /** Calls any Bot API method with a JSON body. */
  async call<T>(method: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<TelegramResult<T>> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.#base}/bot${this.#token}/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body),
        signal: combined,
      });
      text = await response.text();
    } catch (error) {
      if (timeout.aborted) {
        return { ok: false, kind: "timeout", description: `no answer within ${this.#timeoutMs / 1000} s` };
      }
      if (signal?.aborted) return { ok: false, kind: "network", description: "cancelled" };
      return { ok: false, kind: "network", description: this.#redact(describeFetchError(error)) };
    }
    return this.#interpret<T>(response.status, text);
  }

  #interpret<T>(status: number, text: string): TelegramResult<T> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const body = isObject(json) ? json : undefined;
    if (body?.ok === true && status >= 200 && status < 300) {
      if (!("result" in body)) return { ok: false, kind: "bad_response", status, description: "answer without result" };
      return { ok: true, result: body.result as T };
    }
    const description = this.#redact(
      typeof body?.description === "string"
        ? body.description.slice(0, 300)
        : `HTTP ${status}${
          body === undefined ? ` with a body that is not JSON (${JSON.stringify(text.slice(0, 60))})` : ""
        }`,
    );
    const parameters = isObject(body?.parameters) ? body.parameters : {};
    const code = typeof body?.error_code === "number" ? body.error_code : status;
    const failure = (kind: TelegramFailureKind, extra: Partial<TelegramFailure> = {}): TelegramFailure => ({
      ok: false,
      kind,
      status,
      description,
      ...extra,
    });
    if (code === 429 || status === 429) {
      const retryAfter = Number(parameters.retry_after);
      return failure("rate_limited", { retryAfterS: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : 1 });
    }
    if (status >= 500) return failure("server");
    if (body === undefined || (body.ok !== false && status >= 200 && status < 300)) return failure("bad_response");
    if (code === 401 || code === 404) return failure("unauthorized");
    if (code === 403) return failure("forbidden");
    if (code === 400 && /chat not found/i.test(description)) return failure("chat_not_found");
    const migrate = Number(parameters.migrate_to_chat_id);
    return failure("bad_request", Number.isSafeInteger(migrate) ? { migrateToChatId: migrate } : {});
  }

  #redact(text: string): string {
    return this.#token === "" ? text : text.replaceAll(this.#token, "<token>");
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The most useful line of a fetch error (the cause chain holds "Connection refused" and the like). */
export function describeFetchError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    parts.push(current.message);
    current = current.cause;
  }
  const text = parts.join(": ") || String(error);
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/** One line for a person: what failed and what to do. */
export function explainFailure(failure: TelegramFailure, chatId?: string): string {
  const chat = chatId === undefined ? "" : ` (chat ${chatId})`;
  const api = failure.status === undefined ? failure.description : `${failure.status} ${failure.description}`;
  switch (failure.kind) {
    case "unauthorized":
      return `bad token: the Bot API refused it (${api}); set telegram.token or IDS_TELEGRAM_TOKEN to the token from @BotFather`;
    case "chat_not_found":
      return `chat not found${chat}: ${api}; check the chat id, and send the bot a message (or add it to the group) first`;
    case "forbidden":
      return `not allowed to write${chat}: ${api}; unblock the bot or add it to the chat again`;
    case "rate_limited":
      return `rate limited by Telegram${chat}: retry after ${failure.retryAfterS ?? "?"} s (${api})`;
    case "server":
      return `Telegram server error${chat}: ${api}; retrying later usually helps`;
    case "network":
      return `network unreachable: cannot connect to the Bot API (${api}); check the connection, proxy or telegram.base_url`;
    case "timeout":
      return `timeout: the Bot API did not answer (${api}); check the connection or raise telegram.timeout_s`;
    case "bad_response":
      return `unexpected answer from the Bot API${chat}: ${api}; check telegram.base_url`;
    case "bad_request":
      return failure.migrateToChatId !== undefined
        ? `the group became a supergroup${chat}: use chat id ${failure.migrateToChatId} (${api})`
        : `request refused${chat}: ${api}`;
  }
}
