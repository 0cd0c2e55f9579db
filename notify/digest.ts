/**
 * Sums alerts during a storm: counts per (attack type, source), with a cap on the groups kept so a
 * spoofed flood with a million sources costs bounded memory. Nothing is lost: alerts past the cap
 * are counted as "other".
 *
 * @module
 */
import type { DigestGroup, DigestView } from "./message.ts";
import { compareNames } from "../core/compare_names.ts";

interface Group {
  type: string;
  src: string;
  count: number;
  spoofed: boolean;
}

/** Collects alerts for one digest. */
export class Digest {
  readonly #groups = new Map<string, Group>();
  readonly #maxGroups: number;
  readonly startedMs: number;
  #total = 0;
  #overflowAlerts = 0;
  #overflowKeys = new Set<string>();
  #overflowCapped = false;

  /** A digest that started at `startedMs` and keeps at most `maxGroups` groups. */
  constructor(startedMs: number, maxGroups = 1_000) {
    this.startedMs = startedMs;
    this.#maxGroups = maxGroups;
  }

  /** Alerts summed so far. */
  get total(): number {
    return this.#total;
  }

  /** Adds one alert. */
  add(type: string, src: string, spoofed = false): void {
    this.#total++;
    // spoofed floods: the victim-side view matters, every spoofed source is one group per type
    const key = spoofed ? `${type}\u0000*` : `${type}\u0000${src}`;
    const group = this.#groups.get(key);
    if (group !== undefined) {
      group.count++;
      return;
    }
    if (this.#groups.size < this.#maxGroups) {
      this.#groups.set(key, { type, src, count: 1, spoofed });
      return;
    }
    this.#overflowAlerts++;
    if (this.#overflowKeys.size < this.#maxGroups) this.#overflowKeys.add(key);
    else if (!this.#overflowKeys.has(key)) this.#overflowCapped = true;
  }

  /** The digest to show, with the `listed` largest groups. */
  view(endedMs: number, listed = 10): DigestView {
    const sorted = [...this.#groups.values()].sort((a, b) => b.count - a.count || compareNames(a.type, b.type));
    const shown: DigestGroup[] = sorted.slice(0, listed).map((g) => ({ ...g }));
    const hidden = sorted.slice(listed);
    return {
      total: this.#total,
      seconds: Math.max(1, Math.round((endedMs - this.startedMs) / 1000)),
      groups: shown,
      otherAlerts: hidden.reduce((n, g) => n + g.count, 0) + this.#overflowAlerts,
      otherGroups: hidden.length + this.#overflowKeys.size,
      otherGroupsAtLeast: this.#overflowCapped,
    };
  }
}
