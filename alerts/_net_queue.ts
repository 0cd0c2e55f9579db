/**
 * A bounded queue of records for a network output, with reconnect-and-backoff delivery: shared by
 * the syslog (TCP) and Redis outputs. Records wait while the peer is down; when the queue is full
 * the oldest are dropped and counted. A batch leaves the queue only once it was delivered
 * (`send` resolved), so a connection lost mid-batch resends that batch on the next connection.
 *
 * @module
 */

/** Counters of a network output. */
export interface NetOutputStats {
  /** Records delivered. */
  sent: number;
  /** Records dropped because the queue was full (peer down too long). */
  dropped: number;
  /** Records the peer refused (e.g. a Redis error reply); not retried. */
  refused: number;
  /** Connections made (the first one included). */
  connects: number;
  /** Records waiting now. */
  queued: number;
}

/** What a connection must do. */
export interface NetConnection {
  /** Delivers a batch; resolves with how many the peer refused; rejects when the connection failed. */
  send(batch: readonly string[]): Promise<number>;
  close(): void;
}

/** Options of {@link NetQueue}. */
export interface NetQueueOptions {
  name: string;
  /** Opens a connection (rejects when the peer is unreachable). */
  connect: () => Promise<NetConnection>;
  /** Most records waiting. */
  maxBuffer: number;
  /** Most records per batch. Default 500. */
  batch?: number;
  /** First and longest wait between reconnects (ms). Default 250 and 30 000. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** One line when the peer goes down (once per outage) and when it is back. */
  onProblem?: (line: string) => void;
}

/** Bounded queue + delivery loop. */
export class NetQueue {
  readonly stats: NetOutputStats = { sent: 0, dropped: 0, refused: 0, connects: 0, queued: 0 };
  #o: NetQueueOptions;
  #queue: string[] = [];
  #head = 0;
  #wake: (() => void) | undefined;
  #closing = false;
  #stopped = false;
  #conn: NetConnection | undefined;
  #loop: Promise<void>;
  #down = false;
  #sleepTimer: ReturnType<typeof setTimeout> | undefined;
  #sleepResolve: (() => void) | undefined;

  /** Starts the delivery loop (it connects on its own). */
  constructor(options: NetQueueOptions) {
    this.#o = options;
    this.#loop = this.#run();
  }

  /** Adds a record (drops the oldest when full). Never blocks. */
  push(record: string): void {
    if (this.#closing) return;
    if (this.#queue.length - this.#head >= this.#o.maxBuffer) {
      this.#head++;
      this.stats.dropped++;
    }
    this.#queue.push(record);
    this.#compact();
    this.#wake?.();
  }

  /** Records waiting. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /** Delivers what it can within `timeoutMs`, then stops; the rest is counted as dropped. */
  async close(timeoutMs = 2000): Promise<void> {
    this.#closing = true;
    this.#wake?.();
    const deadline = new Promise<void>((r) => setTimeout(r, timeoutMs));
    await Promise.race([this.#drained(), deadline]);
    this.#stopped = true;
    this.#wake?.();
    this.#cancelSleep();
    this.#conn?.close();
    await Promise.race([this.#loop, new Promise<void>((r) => setTimeout(r, 200))]);
    this.stats.dropped += this.queued;
    this.#queue = [];
    this.#head = 0;
    this.stats.queued = 0;
  }

  async #drained(): Promise<void> {
    while (this.queued > 0 && !this.#stopped) await new Promise((r) => setTimeout(r, 10));
  }

  #compact(): void {
    if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    this.stats.queued = this.queued;
  }

  #cancelSleep(): void {
    if (this.#sleepTimer !== undefined) clearTimeout(this.#sleepTimer);
    this.#sleepResolve?.();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#sleepResolve = resolve;
      this.#sleepTimer = setTimeout(resolve, ms);
    });
  }

  async #run(): Promise<void> {
    const min = this.#o.minBackoffMs ?? 250;
    const max = this.#o.maxBackoffMs ?? 30_000;
    let backoff = min;
    const say = this.#o.onProblem ?? ((line: string) => console.error(`ids: ${line}`));
    while (!this.#stopped) {
      if (this.queued === 0) {
        if (this.#closing) return;
        await new Promise<void>((r) => this.#wake = r);
        this.#wake = undefined;
        continue;
      }
      try {
        if (this.#conn === undefined) {
          this.#conn = await this.#o.connect();
          this.stats.connects++;
          backoff = min;
          if (this.#down) {
            this.#down = false;
            say(`output ${this.#o.name}: connected again (${this.stats.dropped} records dropped so far)`);
          }
        }
        const n = Math.min(this.queued, this.#o.batch ?? 500);
        const head = this.#head;
        const batch = this.#queue.slice(head, head + n);
        const refused = await this.#conn.send(batch);
        // delivered: only now it leaves the queue (records of it dropped meanwhile already moved the head)
        this.#head += Math.max(0, n - (this.#head - head));
        this.stats.sent += n - refused;
        this.stats.refused += refused;
        this.#compact();
      } catch (e) {
        this.#conn?.close();
        this.#conn = undefined;
        if (this.#stopped) return;
        if (!this.#down) {
          this.#down = true;
          say(
            `output ${this.#o.name}: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]} — ` +
              `retrying with backoff; up to ${this.#o.maxBuffer} records wait, older ones are dropped and counted`,
          );
        }
        await this.#sleep(backoff);
        backoff = Math.min(max, backoff * 2);
      }
    }
  }
}
