/**
 * Paces a replay on packet timestamps: `--speed realtime` plays a capture as fast as it was
 * recorded, `--speed N` N times faster, `--speed max` as fast as the sensor goes.
 *
 * @module
 */

/** A replay speed: a factor of real time (1 = realtime), or Infinity for as fast as possible. */
export type ReplaySpeed = number;

/**
 * Parses `max`, `realtime` or a positive factor (`2`, `0.5`, `10x`).
 *
 * @returns the factor (Infinity for `max`), or null when the text is none of these
 */
export function parseSpeed(text: string): ReplaySpeed | null {
  const t = text.trim().toLowerCase();
  if (t === "max") return Infinity;
  if (t === "realtime") return 1;
  const m = /^(\d+(?:\.\d+)?)x?$/.exec(t);
  if (!m) return null;
  const n = Number(m[1]);
  return n > 0 && n <= 1e6 ? n : null;
}

/**
 * Maps packet time to wall time. {@link Pacer.wait} returns a promise to wait on when a packet is
 * ahead of its slot, else `undefined` (no allocation on the fast path).
 */
export class Pacer {
  readonly speed: ReplaySpeed;
  #t0Us = -1;
  #wall0 = 0;
  #stopped = false;
  #wake: (() => void) | undefined;

  /** `speed`: factor of real time; Infinity never waits. */
  constructor(speed: ReplaySpeed) {
    if (!(speed > 0)) throw new RangeError(`Cannot pace replay: speed must be > 0 (got ${speed})`);
    this.speed = speed;
  }

  /** True when pacing (not `max`). */
  get paced(): boolean {
    return Number.isFinite(this.speed);
  }

  /** Packet time (µs) that corresponds to now, once started; 0 before the first packet. */
  packetNowUs(): number {
    if (this.#t0Us < 0) return 0;
    return this.#t0Us + (performance.now() - this.#wall0) * 1000 * this.speed;
  }

  /**
   * Call per packet with its time: resolves when the packet's moment has come. Packets earlier than
   * the previous ones (out of order) go at once.
   */
  wait(tsUs: number): Promise<void> | undefined {
    if (!this.paced || this.#stopped) return undefined;
    if (this.#t0Us < 0) {
      this.#t0Us = tsUs;
      this.#wall0 = performance.now();
      return undefined;
    }
    const due = this.#wall0 + (tsUs - this.#t0Us) / 1000 / this.speed;
    const ms = due - performance.now();
    if (ms < 1) return undefined;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  /** Stops pacing: a pending wait resolves now and later packets go at once. */
  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }
}
