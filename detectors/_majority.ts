/**
 * Per record slot, the target (an address and a port) most of a source's recent packets went to, by the
 * Boyer–Moore majority vote: a candidate and its margin, +1 for each packet to the candidate and −1 for each
 * packet elsewhere (the next packet replaces a candidate whose margin fell to 0). A margin of `m` means at
 * least `m` more of the counted packets went to the candidate than anywhere else. A flood aims at one service
 * (a large margin, whatever a few decoy packets to other hosts or ports do); a scan or a sweep sends a packet
 * or two to each target (a margin near 0).
 *
 * One vote lasts one window: a packet a window or more after the vote began (by the latest packet time seen for
 * the slot, so a packet judged late with its own older time neither restarts nor extends a vote) starts a new
 * one, so what a source sent before the window never counts in it. The margin is also capped (`cap`). Four
 * fields and an address column per slot of the owner's {@link SlotRecords}: {@link MajorityTarget.reset} a slot
 * (which makes room for it, as `DistinctWindows` and `TimeRings` do) before its first use and when a new address
 * takes it.
 *
 * @module
 */
import { KeyColumn, type SlotRecords } from "./_slot_records.ts";

/** The majority target of each slot's packets (see module docs). */
export class MajorityTarget<K extends number | string> {
  #rec: SlotRecords;
  #host: KeyColumn<K>;
  /** Fields: the candidate's port, its margin, when the vote began, the latest packet time seen. */
  #at: number;

  /** Reserves the fields in `records` (before its first slot is used). */
  constructor(records: SlotRecords) {
    this.#rec = records;
    this.#host = new KeyColumn<K>(records);
    this.#at = records.fields(4);
  }

  /** Forgets the slot's vote (a new or reused entry); makes room for it in the records. */
  reset(slot: number): void {
    this.#rec.ensure(slot);
    const i = slot * this.#rec.stride + this.#at;
    this.#rec.data[i + 1] = 0;
    this.#rec.data[i + 2] = -Infinity;
    this.#rec.data[i + 3] = -Infinity;
  }

  /**
   * Counts one packet to (`host`, `port`) at `tsUs` and returns the margin of the slot's candidate after it (at
   * most `cap`); a packet `windowUs` or more after the vote began starts a new vote.
   */
  add(slot: number, host: K, port: number, tsUs: number, windowUs: number, cap: number): number {
    const d = this.#rec.data, i = slot * this.#rec.stride + this.#at;
    const latest = tsUs > d[i + 3] ? (d[i + 3] = tsUs) : d[i + 3];
    let margin = d[i + 1];
    if (latest - d[i + 2] >= windowUs) {
      d[i + 2] = latest; // a new vote
      margin = 0;
    }
    if (margin <= 0) {
      this.#host.set(slot, host);
      d[i] = port;
      margin = 1;
    } else if (d[i] === port && this.#host.get(slot) === host) {
      if (margin < cap) margin++;
    } else {
      margin--;
    }
    d[i + 1] = margin;
    return margin;
  }

  /** Forgets the text keys (the records are cleared by their owner). */
  clear(): void {
    this.#host.clear();
  }
}
