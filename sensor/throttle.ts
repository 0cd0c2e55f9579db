/**
 * The alert throttle: at most one alert per source and attack type every `alert_interval_s`
 * seconds of packet time (the seed's TIEMPO_ENTRE_ALERTAS), in bounded memory.
 *
 * @module
 */
import type { IpKey } from "../core/ip.ts";
import { ATTACK_TYPES, type AttackType } from "../core/attack_type.ts";

/** Options for {@link AlertThrottle}. */
export interface AlertThrottleOptions {
  /** Minimum seconds of packet time between two alerts for one key; 0 lets every alert through. Default 2. */
  intervalS?: number;
  /** Most (source, type) keys remembered; the least recently seen keys are forgotten first. Default 65536. */
  maxEntries?: number;
}

interface Entry {
  /** Packet time of the last allowed alert (µs). */
  lastUs: number;
  /** Alerts suppressed since then. */
  suppressed: number;
  /** Severity of the last allowed alert (1 highest). */
  severity: number;
}

const TYPE_INDEX: Readonly<Record<AttackType, number>> = Object.freeze(
  Object.fromEntries(ATTACK_TYPES.map((type, i) => [type, i])) as Record<AttackType, number>,
);
const TWO_POW_32 = 4294967296;

function checkInterval(intervalS: number): number {
  if (!Number.isFinite(intervalS) || intervalS < 0) {
    throw new RangeError(`Cannot set alert interval: must be a number of seconds ≥ 0 (got ${intervalS})`);
  }
  return Math.round(intervalS * 1e6);
}

/**
 * Decides per (source, attack type) whether an alert may be raised now, on packet time.
 *
 * Memory is bounded by two generations of keys, each at most half of `maxEntries`: keys are added
 * to the young generation and moved there again whenever they are seen; when the young one is
 * full it becomes the old one and the previous old generation (the least recently seen keys) is
 * dropped. An evicted key simply alerts again on its next detection. (Deleting the first key of
 * one big insertion-ordered `Map` instead costs V8 a scan over every deleted slot: O(n) per
 * eviction.) A jump back in packet time by more than the interval (a replay of an older file)
 * counts as a new period.
 */
export class AlertThrottle {
  #intervalUs: number;
  #maxEntries: number;
  #generationSize: number;
  #young = new Map<number | string, Entry>();
  #old = new Map<number | string, Entry>();
  #lastSuppressed = 0;
  #totalSuppressed = 0;
  #totalAllowed = 0;
  #evicted = 0;

  /** Creates an empty throttle. */
  constructor(options: AlertThrottleOptions = {}) {
    this.#intervalUs = checkInterval(options.intervalS ?? 2);
    const maxEntries = options.maxEntries ?? 65_536;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`Cannot create alert throttle: maxEntries must be an integer ≥ 1 (got ${maxEntries})`);
    }
    this.#maxEntries = maxEntries;
    this.#generationSize = Math.max(1, Math.floor(maxEntries / 2));
  }

  /** Seconds between two alerts for one key (settable, e.g. on config reload). */
  get intervalS(): number {
    return this.#intervalUs / 1e6;
  }
  set intervalS(seconds: number) {
    this.#intervalUs = checkInterval(seconds);
  }

  /** Keys remembered now (at most `maxEntries`). */
  get size(): number {
    return this.#young.size + this.#old.size;
  }

  /** Most keys remembered. */
  get maxEntries(): number {
    return this.#maxEntries;
  }

  /** Alerts suppressed so far, over all keys. */
  get totalSuppressed(): number {
    return this.#totalSuppressed;
  }

  /** Alerts allowed so far, over all keys. */
  get totalAllowed(): number {
    return this.#totalAllowed;
  }

  /** Keys forgotten because the map was full. */
  get evicted(): number {
    return this.#evicted;
  }

  /**
   * After {@link allow} returned true: how many alerts of that key were suppressed since its
   * previous allowed alert (0 for a first alert). Put it in the alert's `suppressed` field.
   */
  get lastSuppressed(): number {
    return this.#lastSuppressed;
  }

  /** Alerts of one key suppressed since its last allowed alert (0 when the key is not remembered). */
  suppressedFor(src: IpKey, type: AttackType): number {
    const key = this.#key(src, type);
    return (this.#young.get(key) ?? this.#old.get(key))?.suppressed ?? 0;
  }

  /**
   * Whether an alert for `src` and `type` at packet time `tsUs` may be raised. True at most once
   * per interval per key, except that an escalation — a more severe alert (lower `severity`, 1 is
   * highest) than the key's last one — always passes, so a single probe followed by a sweep is
   * reported as both. A false is counted as suppressed.
   */
  allow(src: IpKey, type: AttackType, tsUs: number, severity = 3): boolean {
    const key = this.#key(src, type);
    let entry = this.#young.get(key);
    if (entry === undefined) {
      entry = this.#old.get(key);
      if (entry !== undefined) this.#old.delete(key);
      if (this.#young.size >= this.#generationSize) this.#rotate();
      if (entry === undefined) {
        this.#young.set(key, { lastUs: tsUs, suppressed: 0, severity });
        this.#lastSuppressed = 0;
        this.#totalAllowed++;
        return true;
      }
      this.#young.set(key, entry);
    }
    const elapsed = tsUs - entry.lastUs;
    if (elapsed < this.#intervalUs && elapsed > -this.#intervalUs && severity >= entry.severity) {
      entry.suppressed++;
      this.#totalSuppressed++;
      return false;
    }
    this.#lastSuppressed = entry.suppressed;
    entry.lastUs = tsUs;
    entry.suppressed = 0;
    entry.severity = severity;
    this.#totalAllowed++;
    return true;
  }

  /**
   * Forgets keys whose interval ended before `tsUs`; they would alert on their next detection
   * anyway. Counts suppressed since their last alert stay in {@link totalSuppressed} only. Scans
   * every key: call it now and then, not per packet.
   *
   * @returns how many keys were forgotten
   */
  prune(tsUs: number): number {
    let removed = 0;
    for (const map of [this.#young, this.#old]) {
      for (const [key, entry] of map) {
        if (tsUs - entry.lastUs < this.#intervalUs) continue;
        map.delete(key);
        removed++;
      }
    }
    return removed;
  }

  /** Forgets every key and resets the counters. */
  clear(): void {
    this.#young = new Map();
    this.#old = new Map();
    this.#lastSuppressed = 0;
    this.#totalSuppressed = 0;
    this.#totalAllowed = 0;
    this.#evicted = 0;
  }

  /** The young generation becomes the old one; the old one's keys are forgotten. */
  #rotate(): void {
    this.#evicted += this.#old.size;
    this.#old = this.#young;
    this.#young = new Map();
  }

  /** IPv4 keys are numbers (type index × 2³² + address): no allocation per call. */
  #key(src: IpKey, type: AttackType): number | string {
    const index = TYPE_INDEX[type];
    if (index === undefined) throw new TypeError(`Cannot throttle alert: unknown attack type "${type}"`);
    return typeof src === "number" ? index * TWO_POW_32 + (src >>> 0) : `${index}|${src}`;
  }
}
