/**
 * Per record slot, the target (an address and a port) most of a source's recent packets went to, by the
 * Boyer–Moore majority vote: a candidate and its margin, +1 for each packet to the candidate and −1 for each
 * packet elsewhere (the next packet replaces a candidate whose margin fell to 0). A margin of `m` means at
 * least `m` more of the counted packets went to the candidate than anywhere else. A flood aims at one service
 * (a large margin, whatever a few decoy packets to other hosts or ports do); a scan or a sweep sends a packet
 * or two to each target (a margin near 0).
 *
 * Bounded in time and size: a packet a whole window after the slot's last one starts afresh, and the margin is
 * capped (`cap`), so a source that stopped flooding and started scanning loses its margin after `cap` packets.
 * Two fields and an address column per slot of the owner's {@link SlotRecords}; reset by the owner when a new
 * address takes the slot.
 *
 * @module
 */
import { KeyColumn, type SlotRecords } from "./_slot_records.ts";

/** The majority target of each slot's packets (see module docs). */
export class MajorityTarget<K extends number | string> {
  #rec: SlotRecords;
  #host: KeyColumn<K>;
  /** Fields: the candidate's port, its margin, the packet time of the slot's last packet. */
  #at: number;

  /** Reserves the fields in `records` (before its first slot is used). */
  constructor(records: SlotRecords) {
    this.#rec = records;
    this.#host = new KeyColumn<K>(records);
    this.#at = records.fields(3);
  }

  /** Forgets the slot's candidate (a new address took the slot). */
  reset(slot: number): void {
    this.#rec.ensure(slot);
    const i = slot * this.#rec.stride + this.#at;
    this.#rec.data[i + 1] = 0;
    this.#rec.data[i + 2] = -Infinity;
  }

  /**
   * Counts one packet to (`host`, `port`) at `tsUs` and returns the margin of the slot's candidate after it (at
   * most `cap`); a packet `windowUs` or more after the slot's last one starts a new vote.
   */
  add(slot: number, host: K, port: number, tsUs: number, windowUs: number, cap: number): number {
    this.#rec.ensure(slot);
    const d = this.#rec.data, i = slot * this.#rec.stride + this.#at;
    let margin = d[i + 1];
    if (margin <= 0 || tsUs - d[i + 2] >= windowUs) {
      this.#host.set(slot, host);
      d[i] = port;
      margin = 1;
    } else if (d[i] === port && this.#host.get(slot) === host) {
      if (margin < cap) margin++;
    } else {
      margin--;
    }
    d[i + 1] = margin;
    d[i + 2] = tsUs;
    return margin;
  }

  /** Forgets the text keys (the records are cleared by their owner). */
  clear(): void {
    this.#host.clear();
  }
}
