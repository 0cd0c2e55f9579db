/**
 * The sensor hub: one place every event passes through and fans out from.
 *
 * `ids run`, `ids replay`, `ids eval` and `ids demo` publish alerts, block events, counters,
 * sampled traffic lines and notices here; the outputs (EVE, syslog, Redis, feedback CSV), the
 * store, the web server's live stream and the notifiers subscribe.
 *
 * Each subscriber has its own bounded queue and its own delivery loop:
 * - {@link Hub.publish} only appends to queues: it never waits for a subscriber and never throws;
 * - a full queue drops (the new event, or with `dropOldest` the oldest one) and counts it per subscriber;
 * - a subscriber returning a promise gets its next event (or batch) only when that promise settles,
 *   so a slow output holds back only itself;
 * - a throwing or rejecting subscriber is counted (`failed`), reported once through `onError`, and
 *   keeps receiving;
 * - synchronous handlers run in slices of at most `sliceEvents` events, then yield to the event loop,
 *   so a burst never starves the capture Worker's messages or timers.
 *
 * Handlers run on the main thread: a synchronous handler must be quick (format and buffer);
 * anything slow (network, disk sync) belongs behind a promise.
 *
 * @example
 * ```ts ignore
 * const hub = new Hub({ onError: (name, e) => console.error(`ids: output ${name}: ${e}`) });
 * hub.subscribe({ name: "eve", kinds: ["alert"], handle: (e) => eve.write(e.alert) }, { queue: 50_000 });
 * hub.publish({ kind: "alert", alert });
 * await hub.close(); // drains every queue, then calls each subscriber's close()
 * ```
 *
 * @module
 */
import type {
  EventBus,
  HubEvent,
  HubEventKind,
  SubscribeOptions,
  Subscriber,
  SubscriberStats,
  Subscription,
} from "../core/hub_event.ts";

export type {
  EventBus,
  HubEvent,
  HubEventKind,
  SubscribeOptions,
  Subscriber,
  SubscriberStats,
  Subscription,
} from "../core/hub_event.ts";

/** Options of {@link Hub}. */
export interface HubOptions {
  /** Told once per subscriber about its first failure (later ones are only counted). */
  onError?: (subscriber: string, error: unknown) => void;
  /** Synchronous deliveries per slice before yielding to the event loop. Default 2000. */
  sliceEvents?: number;
}

/** Options of {@link Hub.close}. */
export interface HubCloseOptions {
  /** Longest wait for queues to drain (ms); what is still queued then is counted as dropped. Default 5000. */
  timeoutMs?: number;
}

const DEFAULT_QUEUE = 10_000;
const DEFAULT_BATCH = 1000;

/** One subscriber's ring-buffer queue and delivery loop. */
class Lane {
  readonly sub: Subscriber;
  readonly capacity: number;
  readonly batch: number;
  readonly dropOldest: boolean;
  readonly kinds: ReadonlySet<HubEventKind> | undefined;
  #ring: (HubEvent | undefined)[];
  #head = 0;
  #count = 0;
  delivered = 0;
  dropped = 0;
  failed = 0;
  reported = false;
  active = true;
  running = false;
  /** Resolves when the queue is empty and no delivery is in flight. */
  #idle: PromiseWithResolvers<void> | undefined;

  constructor(sub: Subscriber, options: SubscribeOptions) {
    this.sub = sub;
    const capacity = options.queue ?? DEFAULT_QUEUE;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Cannot subscribe ${sub.name}: queue must be an integer ≥ 1 (got ${capacity})`);
    }
    const batch = options.batch ?? DEFAULT_BATCH;
    if (!Number.isInteger(batch) || batch < 1) {
      throw new RangeError(`Cannot subscribe ${sub.name}: batch must be an integer ≥ 1 (got ${batch})`);
    }
    if (sub.handle === undefined && sub.handleBatch === undefined) {
      throw new TypeError(`Cannot subscribe ${sub.name}: it has neither handle() nor handleBatch()`);
    }
    this.capacity = capacity;
    this.batch = batch;
    this.dropOldest = options.dropOldest ?? false;
    this.kinds = sub.kinds ? new Set(sub.kinds) : undefined;
    // grown on demand up to capacity: a big, idle queue costs nothing
    this.#ring = new Array(Math.min(capacity, 1024));
  }

  get queued(): number {
    return this.#count;
  }

  /** Appends; false when the event was dropped. */
  offer(event: HubEvent): boolean {
    if (this.#count === this.capacity) {
      this.dropped++;
      if (!this.dropOldest) return false;
      this.take();
    }
    if (this.#count === this.#ring.length) this.#grow();
    this.#ring[(this.#head + this.#count) % this.#ring.length] = event;
    this.#count++;
    return true;
  }

  take(): HubEvent {
    const event = this.#ring[this.#head]!;
    this.#ring[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#ring.length;
    this.#count--;
    return event;
  }

  /** Empties the queue; returns how many events were in it. */
  clear(): number {
    const n = this.#count;
    this.#ring = new Array(Math.min(this.capacity, 1024));
    this.#head = 0;
    this.#count = 0;
    this.settleIdle();
    return n;
  }

  idle(): Promise<void> {
    if (this.#count === 0 && !this.running) return Promise.resolve();
    this.#idle ??= Promise.withResolvers<void>();
    return this.#idle.promise;
  }

  settleIdle(): void {
    if (this.#count === 0 && !this.running && this.#idle) {
      this.#idle.resolve();
      this.#idle = undefined;
    }
  }

  stats(): SubscriberStats {
    return {
      name: this.sub.name,
      delivered: this.delivered,
      dropped: this.dropped,
      failed: this.failed,
      queued: this.#count,
      capacity: this.capacity,
    };
  }

  #grow(): void {
    const size = Math.min(this.capacity, this.#ring.length * 2);
    const next: (HubEvent | undefined)[] = new Array(size);
    for (let i = 0; i < this.#count; i++) next[i] = this.#ring[(this.#head + i) % this.#ring.length];
    this.#ring = next;
    this.#head = 0;
  }
}

const yieldToLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown> | undefined)?.then === "function";
}

/** Fan-out of sensor events to subscribers with bounded, independent queues. */
export class Hub implements EventBus {
  #lanes: Lane[] = [];
  #onError: HubOptions["onError"];
  #slice: number;
  #closed = false;
  #published = 0;

  /** Creates a hub without subscribers. */
  constructor(options: HubOptions = {}) {
    this.#onError = options.onError;
    this.#slice = Math.max(1, options.sliceEvents ?? 2000);
  }

  /** Events published so far. */
  get published(): number {
    return this.#published;
  }

  /** True once {@link close} was called: later events are ignored. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Registers a subscriber; it receives events published from now on.
   *
   * @throws {TypeError} when the subscriber has neither `handle` nor `handleBatch`
   * @throws {RangeError} when `queue` or `batch` is not a positive integer
   */
  subscribe(subscriber: Subscriber, options: SubscribeOptions = {}): Subscription {
    const lane = new Lane(subscriber, options);
    this.#lanes.push(lane);
    return {
      name: subscriber.name,
      stats: () => lane.stats(),
      unsubscribe: () => {
        lane.active = false;
        lane.clear();
        this.#lanes = this.#lanes.filter((l) => l !== lane);
      },
    };
  }

  /** Offers `event` to every subscriber that wants its kind. Never blocks, never throws. */
  publish(event: HubEvent): void {
    if (this.#closed) return;
    this.#published++;
    const lanes = this.#lanes;
    for (let i = 0; i < lanes.length; i++) {
      const lane = lanes[i];
      if (lane.kinds !== undefined && !lane.kinds.has(event.kind)) continue;
      if (lane.offer(event) && !lane.running) {
        lane.running = true;
        queueMicrotask(() => this.#drain(lane));
      }
    }
  }

  /** Delivery counters of every subscriber, in subscription order. */
  stats(): SubscriberStats[] {
    return this.#lanes.map((l) => l.stats());
  }

  /** Resolves when every queue is empty and no delivery is in flight (events published meanwhile included). */
  async flush(): Promise<void> {
    while (this.#lanes.some((l) => l.queued > 0 || l.running)) {
      await Promise.all(this.#lanes.map((l) => l.idle()));
    }
  }

  /**
   * Stops accepting events, waits for the queues to drain (at most `timeoutMs`), then calls every
   * subscriber's `close()`. Events still queued at the deadline are counted as dropped.
   *
   * @returns the final counters of every subscriber
   */
  async close(options: HubCloseOptions = {}): Promise<SubscriberStats[]> {
    if (!this.#closed) {
      this.#closed = true;
      // nothing queued: no timer (a thread's first one loads Deno's timer module, 4-14 ms at the end of a replay)
      if (this.#lanes.some((l) => l.queued > 0 || l.running)) {
        const timeoutMs = options.timeoutMs ?? 5000;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, timeoutMs));
        await Promise.race([this.flush(), timeout]);
        clearTimeout(timer);
      }
      for (const lane of this.#lanes) {
        lane.dropped += lane.clear();
        lane.active = false;
        try {
          await lane.sub.close?.();
        } catch (error) {
          lane.failed++;
          this.#report(lane, error);
        }
      }
    }
    return this.stats();
  }

  async #drain(lane: Lane): Promise<void> {
    try {
      let sinceYield = 0;
      while (lane.active && lane.queued > 0) {
        if (lane.sub.handleBatch !== undefined) {
          const n = Math.min(lane.batch, lane.queued);
          const events = new Array<HubEvent>(n);
          for (let i = 0; i < n; i++) events[i] = lane.take();
          sinceYield += n;
          const pending = this.#deliver(lane, () => lane.sub.handleBatch!(events), n);
          if (pending) await pending;
        } else {
          sinceYield++;
          const event = lane.take();
          const pending = this.#deliver(lane, () => lane.sub.handle!(event), 1);
          if (pending) await pending;
        }
        if (sinceYield >= this.#slice) {
          sinceYield = 0;
          await yieldToLoop();
        }
      }
    } finally {
      lane.running = false;
      lane.settleIdle();
    }
  }

  /** Calls the subscriber; awaits only when it returned a promise. */
  #deliver(lane: Lane, call: () => void | Promise<void>, n: number): Promise<void> | void {
    let result: void | Promise<void>;
    try {
      result = call();
    } catch (error) {
      lane.failed += n;
      this.#report(lane, error);
      return;
    }
    if (!isPromise(result)) {
      lane.delivered += n;
      return;
    }
    return result.then(
      () => {
        lane.delivered += n;
      },
      (error) => {
        lane.failed += n;
        this.#report(lane, error);
      },
    );
  }

  #report(lane: Lane, error: unknown): void {
    if (lane.reported) return;
    lane.reported = true;
    try {
      this.#onError?.(lane.sub.name, error);
    } catch { /* a failing reporter must not break delivery */ }
  }
}

/** One line summarising subscribers that dropped or failed events, or "" when none did. */
export function formatHubProblems(stats: readonly SubscriberStats[]): string {
  const bad = stats.filter((s) => s.dropped > 0 || s.failed > 0);
  return bad.map((s) =>
    `${s.name}: ${s.dropped} dropped (queue of ${s.capacity} full), ${s.failed} failed, ${s.delivered} delivered`
  ).join("; ");
}
