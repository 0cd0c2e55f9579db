/**
 * The page's one connection to the sensor: loads a snapshot, then follows `/api/events` (SSE,
 * resumable with Last-Event-ID), keeping bounded buffers that every island reads.
 *
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import type { AlertDto, BlockDto, CountersDto, SnapshotDto, SseBatch, StatusDto, TrafficDto } from "../dto.ts";
import { LIMITS } from "../dto.ts";

/** Shortest time between two renders of the islands (ms). */
const MIN_RENDER_MS = 250;

/** Connection state of the stream. */
export type StreamState = "connecting" | "live" | "lost";

/** The shared client-side state. */
export class LiveStore {
  alerts: AlertDto[] = [];
  blocks = new Map<string, BlockDto>();
  traffic: TrafficDto[] = [];
  counters: CountersDto | null = null;
  status: StatusDto | null = null;
  pps: [number, number][] = [];
  perMinute: { t: number; counts: Record<string, number> }[] = [];
  topSources: { ip: string; count: number }[] = [];
  /** Alerts the server left out of pushes during a flood (they stay on the server). */
  skippedAlerts = 0;
  /** Alerts dropped from page memory (older than the newest 10 000). */
  evictedAlerts = 0;
  state: StreamState = "connecting";
  /** Difference server clock − page clock (ms), from the counters. */
  clockSkew = 0;
  /** Changes each time something changed. */
  version = 0;
  #seq = 0;
  #listeners = new Set<() => void>();
  #scheduled = false;
  #lastRun = 0;
  #started = false;
  #source: EventSource | null = null;

  /** Calls `fn` (at most once per animation frame) after changes. */
  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #changed(): void {
    this.version++;
    if (this.#scheduled) return;
    this.#scheduled = true;
    const run = () => {
      this.#scheduled = false;
      this.#lastRun = performance.now();
      for (const l of this.#listeners) l();
    };
    // at most ~4 renders a second: a flood then costs a few renders, not one per push
    const wait = Math.max(0, this.#lastRun + MIN_RENDER_MS - performance.now());
    setTimeout(() => {
      if (typeof requestAnimationFrame === "function" && document.visibilityState === "visible") {
        requestAnimationFrame(run);
      } else run();
    }, wait);
  }

  /** Loads the snapshot and opens the stream (once per page). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#load();
  }

  async #load(): Promise<void> {
    try {
      const r = await fetch("/api/snapshot", { credentials: "same-origin" });
      if (!r.ok) throw new Error(String(r.status));
      const s = await r.json() as SnapshotDto;
      this.#applySnapshot(s);
      this.#open();
    } catch {
      this.state = "lost";
      this.#changed();
      setTimeout(() => this.#load(), 2000);
    }
  }

  #applySnapshot(s: SnapshotDto): void {
    this.#seq = s.seq;
    this.status = s.status;
    this.alerts = s.alerts.slice().reverse(); // oldest first
    this.blocks = new Map(s.blocks.map((b) => [b.id, b]));
    this.traffic = s.traffic.slice(-LIMITS.trafficLines);
    this.counters = s.counters;
    this.clockSkew = s.now - Date.now();
    this.pps = s.charts.pps;
    this.perMinute = s.charts.perMinute;
    this.topSources = s.charts.topSources;
    this.#changed();
  }

  #open(): void {
    this.#source?.close();
    // the first connection passes the snapshot's seq; reconnects send Last-Event-ID themselves
    const es = new EventSource(`/api/events?after=${this.#seq}`);
    this.#source = es;
    es.addEventListener("open", () => {
      this.state = "live";
      this.#changed();
    });
    es.addEventListener("error", () => {
      this.state = es.readyState === EventSource.CLOSED ? "lost" : "lost";
      this.#changed();
      if (es.readyState === EventSource.CLOSED) setTimeout(() => this.#load(), 2000);
    });
    es.addEventListener("batch", (e) => this.#apply(JSON.parse((e as MessageEvent<string>).data) as SseBatch));
  }

  #apply(b: SseBatch): void {
    if (b.reset) {
      this.#source?.close();
      this.#load();
      return;
    }
    this.#seq = b.seq;
    this.clockSkew = b.now - Date.now();
    this.state = "live";
    if (b.alerts.length > 0) {
      this.alerts.push(...b.alerts);
      const over = this.alerts.length - LIMITS.alertsInMemory;
      if (over > 0) {
        this.alerts.splice(0, over);
        this.evictedAlerts += over;
      }
    }
    this.skippedAlerts += b.skipped.alerts;
    if (b.triage.length > 0) {
      const byId = new Map(b.triage.map((t) => [t.id, t]));
      for (const a of this.alerts) {
        const t = byId.get(a.id);
        if (t) {
          a.ack = t.ack;
          a.star = t.star;
        }
      }
    }
    for (const bl of b.blocks) {
      const before = this.blocks.get(bl.id);
      this.blocks.delete(bl.id);
      // an expiry or unblock event does not repeat the severity of the alert that caused the block
      this.blocks.set(bl.id, before && bl.severity === null ? { ...bl, severity: before.severity } : bl);
    }
    while (this.blocks.size > LIMITS.blocksInMemory) this.blocks.delete(this.blocks.keys().next().value!);
    if (b.traffic.length > 0) {
      this.traffic.push(...b.traffic);
      if (this.traffic.length > LIMITS.trafficLines) this.traffic.splice(0, this.traffic.length - LIMITS.trafficLines);
    }
    if (b.counters) {
      this.counters = b.counters;
      this.pps.push([Math.floor(b.counters.ts / 1000), b.counters.pps]);
      if (this.pps.length > 600) this.pps.splice(0, this.pps.length - 600);
    }
    if (b.charts) {
      this.perMinute = b.charts.perMinute;
      this.topSources = b.charts.topSources;
    }
    this.#changed();
  }

  /** Server wall clock now (ms). */
  now(): number {
    return Date.now() + this.clockSkew;
  }
}

let store: LiveStore | undefined;

/** The page's store (created on first use). */
export function liveStore(): LiveStore {
  store ??= new LiveStore();
  return store;
}

/** True in the browser (islands render on the server too). */
export const IS_BROWSER = typeof document !== "undefined";

/**
 * Re-renders the calling island after store changes; returns the store, or null during the server
 * render and before the first browser effect (so the first client render matches the server's).
 */
export function useLive(): LiveStore | null {
  const [, setVersion] = useState(0);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    const s = liveStore();
    s.start();
    setReady(true);
    return s.subscribe(() => setVersion(s.version));
  }, []);
  return ready ? liveStore() : null;
}

/** Sends a state change (JSON) with the page's origin; returns the parsed answer or throws its error text. */
export async function postJson<T>(url: string, body: unknown): Promise<T> {
  const r = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw Object.assign(new Error((data as { error?: string }).error ?? `HTTP ${r.status}`), { data });
  return data as T;
}
