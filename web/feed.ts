/**
 * The dashboard's live state on the server: bounded histories of alerts, blocks, traffic lines and
 * counters, one sequence number over everything so a stream can resume (`Last-Event-ID`), and the
 * batching that turns a flood into at most ~10 pushes a second.
 *
 * @module
 */
import type { Alert } from "../core/alert.ts";
import { alertToDto, isEndedStatus } from "./convert.ts";
import type { AlertDto, BlockDto, ChartsDto, CountersDto, SseBatch, TrafficDto } from "./dto.ts";
import { LIMITS } from "./dto.ts";
import { type AlertFilter, matchAlert } from "./filter.ts";

export type { AlertFilter };

/** Options of {@link LiveFeed}. */
export interface LiveFeedOptions {
  /** Alerts kept in memory (default 10 000, the seed's MAX_EVENTOS_MEMORIA). */
  maxAlerts?: number;
  /** Items a stream can resume over (default 50 000). */
  ringSize?: number;
  /** Alerts per push at most; the rest are counted as skipped (default 500). */
  maxAlertsPerPush?: number;
  /** Traffic lines per push at most (default 50). */
  maxTrafficPerPush?: number;
  /** Distinct sources counted for "top sources" (default 4096). */
  maxSources?: number;
  /** Wall clock in ms (tests). */
  now?: () => number;
  /** The store's run id of the alerts that arrive (their key links them to their rows); none without a store. */
  run?: () => number | null;
}

type Item =
  | { seq: number; kind: "alert"; alert: AlertDto }
  | { seq: number; kind: "block"; block: BlockDto }
  | { seq: number; kind: "traffic"; line: TrafficDto }
  | { seq: number; kind: "counters"; counters: CountersDto }
  | { seq: number; kind: "triage"; id: number; ack: boolean; star: boolean };

/** A stored alert: its DTO and the sensor's alert (for EVE export). */
export interface StoredAlert {
  dto: AlertDto;
  alert: Alert;
}

/** Bounded live state with a resumable, batched change log. */
export class LiveFeed {
  #seq = 0;
  #ring: (Item | undefined)[];
  #ringHead = 0; // index of the next write
  #ringCount = 0;
  #alerts: StoredAlert[] = [];
  #alertStart = 0; // ring start in #alerts when full
  #alertById = new Map<number, StoredAlert>();
  #nextAlertId = 1;
  #blocks = new Map<string, BlockDto>();
  #traffic: TrafficDto[] = [];
  #closed = false;
  #counters: CountersDto | null = null;
  #pps: [number, number][] = [];
  #perMinute = new Map<number, Record<string, number>>();
  #sources = new Map<string, number>();
  #listeners = new Set<() => void>();
  #maxAlerts: number;
  #maxAlertsPerPush: number;
  #maxTrafficPerPush: number;
  #maxSources: number;
  #now: () => number;
  #run: () => number | null;
  /** Alerts received in total. */
  totalAlerts = 0;

  constructor(options: LiveFeedOptions = {}) {
    this.#maxAlerts = options.maxAlerts ?? LIMITS.alertsInMemory;
    this.#ring = new Array(options.ringSize ?? 50_000);
    this.#maxAlertsPerPush = options.maxAlertsPerPush ?? 500;
    this.#maxTrafficPerPush = options.maxTrafficPerPush ?? 50;
    this.#maxSources = options.maxSources ?? 4096;
    this.#now = options.now ?? Date.now;
    this.#run = options.run ?? (() => null);
  }

  /** Sequence number of the last change. */
  get seq(): number {
    return this.#seq;
  }

  /** Oldest sequence number a stream can still resume after. */
  get oldestResumable(): number {
    return this.#seq - this.#ringCount;
  }

  #push(item: Item): void {
    this.#ring[this.#ringHead] = item;
    this.#ringHead = (this.#ringHead + 1) % this.#ring.length;
    if (this.#ringCount < this.#ring.length) this.#ringCount++;
    for (const l of this.#listeners) l();
  }

  /** True once {@link close} was called: streams end. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    this.#closed = true;
    for (const l of this.#listeners) l();
  }

  /** Calls `fn` after each change; returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Adds an alert from the sensor; returns its DTO. */
  addAlert(alert: Alert): AlertDto {
    const dto = alertToDto(alert, this.#nextAlertId++, this.#run());
    const stored = { dto, alert };
    if (this.#alerts.length < this.#maxAlerts) {
      this.#alerts.push(stored);
    } else {
      const old = this.#alerts[this.#alertStart];
      this.#alertById.delete(old.dto.id);
      this.#alerts[this.#alertStart] = stored;
      this.#alertStart = (this.#alertStart + 1) % this.#maxAlerts;
    }
    this.#alertById.set(dto.id, stored);
    this.totalAlerts++;
    const minute = Math.floor(dto.ts / 60_000) * 60;
    let counts = this.#perMinute.get(minute);
    if (!counts) {
      counts = {};
      this.#perMinute.set(minute, counts);
      // keep 60 minutes (insertion order is time order for live data)
      for (const k of this.#perMinute.keys()) {
        if (this.#perMinute.size <= 60) break;
        this.#perMinute.delete(k);
      }
    }
    counts[dto.type] = (counts[dto.type] ?? 0) + 1;
    this.#countSource(dto.src);
    this.#push({ seq: ++this.#seq, kind: "alert", alert: dto });
    return dto;
  }

  #countSource(ip: string): void {
    this.#sources.set(ip, (this.#sources.get(ip) ?? 0) + 1);
    if (this.#sources.size > this.#maxSources) {
      // drop the lower half (spoofed floods make many one-alert sources)
      const sorted = [...this.#sources].sort((a, b) => b[1] - a[1]);
      this.#sources = new Map(sorted.slice(0, this.#maxSources >> 1));
    }
  }

  /** Adds or updates a block row. */
  putBlock(block: BlockDto): void {
    const before = this.#blocks.get(block.id);
    // an expiry or unblock event does not repeat the severity of the alert that caused the block
    if (before && block.severity === null) block = { ...block, severity: before.severity };
    // an ended block stays ended as it first ended (as in the store): the event that made it is published after
    // its alert, which may wait for the model while an unblock by hand or an expiry is published at once
    if (before && isEndedStatus(before.status)) {
      block = { ...block, status: before.status, endedAt: before.endedAt };
    }
    this.#blocks.delete(block.id);
    this.#blocks.set(block.id, block);
    while (this.#blocks.size > LIMITS.blocksInMemory) {
      this.#blocks.delete(this.#blocks.keys().next().value!);
    }
    this.#push({ seq: ++this.#seq, kind: "block", block });
  }

  /** Adds a traffic line. */
  addTraffic(line: TrafficDto): void {
    this.#traffic.push(line);
    if (this.#traffic.length > LIMITS.trafficLines) this.#traffic.splice(0, this.#traffic.length - LIMITS.trafficLines);
    this.#push({ seq: ++this.#seq, kind: "traffic", line });
  }

  /** Sets the counters (about once a second). */
  setCounters(counters: CountersDto): void {
    this.#counters = counters;
    this.#pps.push([Math.floor(counters.ts / 1000), counters.pps]);
    if (this.#pps.length > 600) this.#pps.splice(0, this.#pps.length - 600);
    this.#push({ seq: ++this.#seq, kind: "counters", counters });
  }

  /** Sets triage flags of an alert; false when the alert is no longer in memory. */
  triage(id: number, change: { ack?: boolean; star?: boolean }): AlertDto | undefined {
    const s = this.#alertById.get(id);
    if (!s) return undefined;
    if (change.ack !== undefined) s.dto.ack = change.ack;
    if (change.star !== undefined) s.dto.star = change.star;
    this.#push({ seq: ++this.#seq, kind: "triage", id, ack: s.dto.ack, star: s.dto.star });
    return s.dto;
  }

  /** The alert with dashboard id `id`, while it is in memory. */
  get(id: number): StoredAlert | undefined {
    return this.#alertById.get(id);
  }

  /** The alert in memory whose key is `key` (a linear search: for a click, not a flood). */
  byKey(key: string): StoredAlert | undefined {
    for (const s of this.#alertById.values()) if (s.dto.key === key) return s;
    return undefined;
  }

  /** The latest counters. */
  get counters(): CountersDto | null {
    return this.#counters;
  }

  /** Alerts oldest first. */
  storedAlerts(): StoredAlert[] {
    const a = this.#alerts;
    return this.#alertStart === 0 ? a.slice() : [...a.slice(this.#alertStart), ...a.slice(0, this.#alertStart)];
  }

  /** Alerts matching `filter`, newest first, at most `limit`. */
  alerts(filter: AlertFilter = {}, limit: number = LIMITS.tableRows): AlertDto[] {
    const out: AlertDto[] = [];
    const all = this.storedAlerts();
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      if (matchAlert(all[i].dto, filter)) out.push(all[i].dto);
    }
    return out;
  }

  /** Block rows, newest first. */
  blocks(): BlockDto[] {
    return [...this.#blocks.values()].sort((a, b) => b.ts - a.ts);
  }

  /** Traffic lines, oldest first. */
  traffic(): TrafficDto[] {
    return this.#traffic.slice();
  }

  /** Chart data. */
  charts(): ChartsDto {
    return { pps: this.#pps.slice(), ...this.#chartsLight() };
  }

  #chartsLight(): Omit<ChartsDto, "pps"> {
    const perMinute = [...this.#perMinute].map(([t, counts]) => ({ t, counts: { ...counts } }));
    const topSources = [...this.#sources].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([ip, count]) => ({
      ip,
      count,
    }));
    return { perMinute, topSources };
  }

  /**
   * Everything after `after` as one push, or `reset` when `after` is older than the ring holds.
   * Returns null when nothing changed.
   */
  batchAfter(after: number): SseBatch | null {
    if (after >= this.#seq) return null;
    const batch: SseBatch = {
      seq: this.#seq,
      now: this.#now(),
      alerts: [],
      blocks: [],
      traffic: [],
      triage: [],
      skipped: { alerts: 0, traffic: 0 },
    };
    if (after < this.oldestResumable) {
      batch.reset = true;
      return batch;
    }
    const n = this.#seq - after;
    const len = this.#ring.length;
    const blocks = new Map<string, BlockDto>();
    let alertsSeen = 0;
    let trafficSeen = 0;
    // walk newest to oldest so the caps keep the newest items
    for (let k = 0; k < n; k++) {
      const item = this.#ring[(this.#ringHead - 1 - k + len * 2) % len]!;
      switch (item.kind) {
        case "alert":
          if (alertsSeen++ < this.#maxAlertsPerPush) batch.alerts.push(item.alert);
          else batch.skipped.alerts++;
          break;
        case "traffic":
          if (trafficSeen++ < this.#maxTrafficPerPush) batch.traffic.push(item.line);
          else batch.skipped.traffic++;
          break;
        case "block":
          if (!blocks.has(item.block.id)) blocks.set(item.block.id, item.block);
          break;
        case "counters":
          if (!batch.counters) batch.counters = item.counters;
          break;
        case "triage":
          batch.triage.push({ id: item.id, ack: item.ack, star: item.star });
          break;
      }
    }
    batch.alerts.reverse();
    batch.traffic.reverse();
    batch.triage.reverse();
    batch.blocks = [...blocks.values()].reverse();
    if (batch.counters) batch.charts = this.#chartsLight();
    return batch;
  }

  /** Wall clock (ms). */
  now(): number {
    return this.#now();
  }
}
