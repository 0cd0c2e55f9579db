/**
 * The Telegram notifier: takes alerts without ever blocking the caller, and delivers them to every
 * configured chat from its own asynchronous sender.
 *
 * - {@link TelegramNotifier.push} is synchronous and O(1): filter, then queue (or add to a digest).
 * - One sender per chat, paced (default one message per second per chat), and at most about 30
 *   messages a second in all (Telegram's limit per bot).
 * - HTTP 429: waits `parameters.retry_after` seconds and sends the same message again.
 * - Network errors, timeouts, 5xx, garbled answers: retried with exponential backoff, up to
 *   `maxAttempts` tries per message.
 * - Bad token, chat not found, bot blocked: the message is dropped and the problem logged once.
 * - Storms: after `maxPerMinute` single-alert messages in a minute, alerts are summed into a digest
 *   ("37 alerts in the last minute: 30 syn_flood from 10.0.0.5, …") sent every `digestIntervalMs`
 *   while the storm lasts.
 * - Bounded: each chat's queue holds at most `queueSize` messages; past that the oldest is dropped,
 *   and the next message delivered to that chat says how many were dropped.
 *
 * @module
 */
import { Digest } from "./digest.ts";
import { alertMessage, digestMessage, type DigestView, type NotifyAlert, type ReputationView } from "./message.ts";
import { explainFailure, RETRIABLE, type SentMessage, type TelegramResult } from "./telegram_api.ts";

/** What sends one message (the {@link TelegramClient}, or anything with its shape). */
export interface MessageSender {
  sendMessage(chatId: string, text: string, signal?: AbortSignal): Promise<TelegramResult<SentMessage>>;
}

/** Options of {@link TelegramNotifier}. */
export interface NotifierOptions {
  /** Sends the messages. */
  sender: MessageSender;
  /** Chat ids that receive every message. */
  chats: readonly string[];
  /** Attack types sent; undefined or empty: every type. */
  types?: Iterable<string>;
  /** Least severe level sent (1 high … 3 low). Default 3: every alert. */
  minSeverity?: number;
  /** Milliseconds between two messages to one chat. Default 1000. */
  paceMs?: number;
  /** Milliseconds between any two messages of this bot (Telegram: about 30 per second in all). Default 35. */
  globalGapMs?: number;
  /** Single-alert messages per minute before alerts go into a digest. Default 20. */
  maxPerMinute?: number;
  /** How long a digest collects before it is sent. Default 60 000 ms. */
  digestIntervalMs?: number;
  /** Messages waiting per chat. Default 100. */
  queueSize?: number;
  /** First retry delay after a network error. Default 1000 ms; doubles each time. */
  backoffBaseMs?: number;
  /** Longest retry delay. Default 60 000 ms. */
  backoffMaxMs?: number;
  /** Tries per message for network errors, timeouts and 5xx (429 waits do not count). Default 8. */
  maxAttempts?: number;
  /** Looks up a source's reputation for the message; awaited at most `reputationWaitMs`. */
  reputation?: (ip: string) => Promise<ReputationView | undefined>;
  /** How long a message waits for the reputation. Default 2000 ms. */
  reputationWaitMs?: number;
  /** Receives one line per problem (and per recovery). Default: stderr. */
  log?: (line: string) => void;
  /** Clock (ms). Default `Date.now`. */
  now?: () => number;
}

type Item =
  | { kind: "alert"; alert: NotifyAlert; attempts: number; text?: string }
  | { kind: "digest"; view: DigestView; attempts: number; text?: string }
  | { kind: "text"; text: string; attempts: number };

interface Chat {
  readonly id: string;
  readonly queue: Item[];
  nextAt: number;
  running: boolean;
  failures: number;
  dropped: number;
  sent: number;
  failed: number;
  retries: number;
  rateLimited: number;
  lastError?: string;
  lastErrorKind?: string;
  lastOkMs?: number;
}

/** Counters of one chat. */
export interface ChatStatus {
  readonly id: string;
  /** Messages waiting. */
  readonly queued: number;
  /** Messages delivered. */
  readonly sent: number;
  /** Messages given up (permanent error, or too many failed tries). */
  readonly failed: number;
  /** Messages dropped because the queue was full (not yet reported in a delivered message). */
  readonly dropped: number;
  /** Tries repeated after a transient failure. */
  readonly retries: number;
  /** 429 answers. */
  readonly rateLimited: number;
  /** The last problem, one line, until a message gets through. */
  readonly lastError?: string;
  /** When a message last got through (ms). */
  readonly lastOkMs?: number;
}

/** Counters of the notifier (for the dashboard and the run summary). */
export interface NotifierStatus {
  /** Alerts offered. */
  readonly received: number;
  /** Alerts not sent because of the type or severity filter. */
  readonly filtered: number;
  /** Alerts sent as single messages. */
  readonly single: number;
  /** Digests sent (queued). */
  readonly digests: number;
  /** Alerts summed into digests. */
  readonly inDigests: number;
  /** Alerts in the digest being collected now. */
  readonly collecting: number;
  readonly chats: readonly ChatStatus[];
}

const MINUTE = 60_000;

type Timer = ReturnType<typeof setTimeout>;

/** Delivers alerts to Telegram chats; see the module documentation. */
export class TelegramNotifier {
  readonly #sender: MessageSender;
  readonly #chats: Chat[];
  readonly #types: ReadonlySet<string> | null;
  readonly #minSeverity: number;
  readonly #paceMs: number;
  readonly #globalGapMs: number;
  #globalNextAt = 0;
  readonly #maxPerMinute: number;
  readonly #digestMs: number;
  readonly #queueSize: number;
  readonly #backoffBase: number;
  readonly #backoffMax: number;
  readonly #maxAttempts: number;
  readonly #reputation?: (ip: string) => Promise<ReputationView | undefined>;
  readonly #reputationWaitMs: number;
  readonly #log: (line: string) => void;
  readonly #now: () => number;
  readonly #abort = new AbortController();
  readonly #timers = new Set<Timer>();
  readonly #wakers = new Set<() => void>();
  readonly #singles: number[] = [];
  #digest?: Digest;
  #digestTimer?: Timer;
  #stormUntil = 0;
  #closed = false;
  #received = 0;
  #filtered = 0;
  #single = 0;
  #digests = 0;
  #inDigests = 0;

  /** A notifier for `options.chats`. Nothing is sent until {@link push} is called. */
  constructor(options: NotifierOptions) {
    this.#sender = options.sender;
    this.#chats = [...new Set(options.chats)].map((id) => ({
      id,
      queue: [],
      nextAt: 0,
      running: false,
      failures: 0,
      dropped: 0,
      sent: 0,
      failed: 0,
      retries: 0,
      rateLimited: 0,
    }));
    const types = options.types === undefined ? [] : [...options.types];
    this.#types = types.length === 0 ? null : new Set(types);
    this.#minSeverity = options.minSeverity ?? 3;
    this.#paceMs = options.paceMs ?? 1_000;
    this.#globalGapMs = options.globalGapMs ?? 35;
    this.#maxPerMinute = options.maxPerMinute ?? 20;
    this.#digestMs = options.digestIntervalMs ?? MINUTE;
    this.#queueSize = Math.max(1, options.queueSize ?? 100);
    this.#backoffBase = options.backoffBaseMs ?? 1_000;
    this.#backoffMax = options.backoffMaxMs ?? MINUTE;
    this.#maxAttempts = options.maxAttempts ?? 8;
    this.#reputation = options.reputation;
    this.#reputationWaitMs = options.reputationWaitMs ?? 2_000;
    this.#log = options.log ?? ((line) => console.error(line));
    this.#now = options.now ?? Date.now;
  }

  /** Would this alert be sent (type and severity filters)? */
  accepts(alert: Pick<NotifyAlert, "type" | "severity">): boolean {
    return alert.severity <= this.#minSeverity && (this.#types === null || this.#types.has(alert.type));
  }

  /** Offers one alert. Never blocks, never throws; after {@link close} it is ignored. */
  push(alert: NotifyAlert): void {
    if (this.#closed) return;
    this.#received++;
    if (!this.accepts(alert)) {
      this.#filtered++;
      return;
    }
    const now = this.#now();
    if (this.#digest === undefined) {
      while (this.#singles.length > 0 && this.#singles[0] <= now - MINUTE) this.#singles.shift();
      if (now >= this.#stormUntil && this.#singles.length < this.#maxPerMinute) {
        this.#singles.push(now);
        this.#single++;
        this.#enqueue(() => ({ kind: "alert", alert, attempts: 0 }));
        return;
      }
      this.#digest = new Digest(now);
      this.#digestTimer = setTimeout(() => this.#flushDigest(), this.#digestMs);
    }
    this.#digest.add(alert.type, alert.src, alert.spoofed === true);
  }

  /** Queues a ready-made message (HTML, already escaped) for every chat. */
  pushText(text: string): void {
    if (!this.#closed) this.#enqueue(() => ({ kind: "text", text, attempts: 0 }));
  }

  /** Counters, per chat too. */
  status(): NotifierStatus {
    return {
      received: this.#received,
      filtered: this.#filtered,
      single: this.#single,
      digests: this.#digests,
      inDigests: this.#inDigests,
      collecting: this.#digest?.total ?? 0,
      chats: this.#chats.map((c) => ({
        id: c.id,
        queued: c.queue.length,
        sent: c.sent,
        failed: c.failed,
        dropped: c.dropped,
        retries: c.retries,
        rateLimited: c.rateLimited,
        lastError: c.lastError,
        lastOkMs: c.lastOkMs,
      })),
    };
  }

  /** Resolves when every queue is empty and no digest is collecting (for tests and shutdown). */
  async idle(timeoutMs = Infinity): Promise<boolean> {
    const deadline = this.#now() + timeoutMs;
    while (this.#digest !== undefined || this.#chats.some((c) => c.queue.length > 0 || c.running)) {
      if (this.#closed || this.#now() >= deadline) return false;
      await this.#sleep(Math.min(20, Math.max(1, deadline - this.#now())));
    }
    return true;
  }

  /**
   * Stops: sends the digest being collected, gives the queues up to `graceMs` to drain, then
   * cancels what is still in flight. Later alerts are ignored.
   */
  async close(graceMs = 0): Promise<void> {
    if (this.#closed) return;
    if (this.#digest !== undefined) this.#flushDigest();
    if (graceMs > 0) await this.idle(graceMs);
    this.#closed = true;
    this.#abort.abort();
    if (this.#digestTimer !== undefined) clearTimeout(this.#digestTimer);
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const wake of this.#wakers) wake();
    this.#wakers.clear();
    // let the pumps see the abort and end
    while (this.#chats.some((c) => c.running)) await new Promise((resolve) => setTimeout(resolve, 1));
  }

  #flushDigest(): void {
    const digest = this.#digest;
    if (digest === undefined) return;
    if (this.#digestTimer !== undefined) clearTimeout(this.#digestTimer);
    this.#digestTimer = undefined;
    this.#digest = undefined;
    const now = this.#now();
    const view = digest.view(now);
    this.#digests++;
    this.#inDigests += digest.total;
    // a storm that filled the digest keeps the next alerts in digests; a calm one ends it
    this.#stormUntil = digest.total >= this.#maxPerMinute ? now + this.#digestMs : 0;
    this.#enqueue(() => ({ kind: "digest", view, attempts: 0 }));
  }

  #enqueue(make: () => Item): void {
    for (const chat of this.#chats) {
      if (chat.queue.length >= this.#queueSize) {
        // keep the newest; the head may be in flight, so drop the oldest one behind it
        chat.queue.splice(chat.running && chat.queue.length > 1 ? 1 : 0, 1);
        chat.dropped++;
      }
      chat.queue.push(make());
      if (!chat.running) void this.#pump(chat);
    }
  }

  async #pump(chat: Chat): Promise<void> {
    chat.running = true;
    try {
      while (!this.#closed && chat.queue.length > 0) {
        const now0 = this.#now();
        const wait = Math.max(chat.nextAt, this.#globalNextAt) - now0;
        if (wait > 0) {
          await this.#sleep(wait);
          continue;
        }
        const item = chat.queue[0];
        const body = await this.#render(item);
        if (this.#closed) break;
        // the bot-wide slot is claimed right before the request leaves (no await in between), so rendering
        // (which may wait for a reputation look-up) can never bring two requests closer than the gap
        const globalWait = this.#globalNextAt - this.#now();
        if (globalWait > 0) {
          await this.#sleep(globalWait);
          continue;
        }
        this.#globalNextAt = this.#now() + this.#globalGapMs;
        const dropped = chat.dropped;
        const text = dropped > 0
          ? `${body}\n\n(${dropped} earlier ${dropped === 1 ? "message" : "messages"} to this chat dropped: queue full)`
          : body;
        const result = await this.#sender.sendMessage(chat.id, text, this.#abort.signal);
        if (this.#closed) break;
        const now = this.#now();
        if (result.ok) {
          if (chat.queue[0] === item) chat.queue.shift();
          chat.dropped -= dropped;
          chat.sent++;
          chat.lastOkMs = now;
          chat.nextAt = now + this.#paceMs;
          if (chat.lastError !== undefined) this.#log(`telegram: chat ${chat.id}: delivering again`);
          chat.failures = 0;
          chat.lastError = undefined;
          chat.lastErrorKind = undefined;
          continue;
        }
        const line = explainFailure(result, chat.id);
        if (chat.lastErrorKind !== result.kind) this.#log(`telegram: ${line}`);
        chat.lastError = line;
        chat.lastErrorKind = result.kind;
        if (result.kind === "rate_limited") {
          chat.rateLimited++;
          chat.nextAt = now + Math.max(this.#paceMs, (result.retryAfterS ?? 1) * 1000);
          continue;
        }
        if (RETRIABLE.has(result.kind) && ++item.attempts < this.#maxAttempts) {
          chat.retries++;
          chat.failures++;
          chat.nextAt = now + Math.min(this.#backoffMax, this.#backoffBase * 2 ** (chat.failures - 1));
          continue;
        }
        // permanent, or tried too often: give this message up
        if (chat.queue[0] === item) chat.queue.shift();
        chat.failed++;
        chat.nextAt = now + this.#paceMs;
      }
    } catch (error) {
      // never reached by design (the sender returns results); keep the notifier alive anyway
      this.#log(`telegram: chat ${chat.id}: sender stopped: ${error instanceof Error ? error.message : error}`);
    } finally {
      chat.running = false;
    }
  }

  async #render(item: Item): Promise<string> {
    if (item.kind === "text") return item.text;
    if (item.text !== undefined) return item.text;
    if (item.kind === "digest") return item.text = digestMessage(item.view);
    if (this.#reputation === undefined || item.alert.spoofed === true) return item.text = alertMessage(item.alert);
    const reputation = await this.#withDeadline(this.#reputation(item.alert.src), this.#reputationWaitMs);
    const text = alertMessage(item.alert, reputation);
    // without the reputation yet, a retry renders again (it may have arrived by then)
    if (reputation !== undefined) item.text = text;
    return text;
  }

  async #withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
    let timer: Timer | undefined;
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    });
    try {
      return await Promise.race([promise.catch(() => undefined), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#timers.delete(timer);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#timers.add(timer);
      this.#wakers.add(done);
    });
  }
}
