/**
 * One number per live flow, for detectors that must remember something about a flow (packets
 * counted so far, "already counted"). Indexed by flow slot, so bounded by the flow table's cap; a
 * value is tied to the flow id it was written for, so a reused slot reads as 0.
 *
 * Each slot's flow id and value sit side by side (one cache line for both), and the array grows by
 * doubling up to the flow table's capacity as higher slots are written: the table hands out low
 * slots first, so a detector that marks few flows holds little. A byte per slot says whether a
 * non-zero value may be held there: most reads (a flow never marked, or marked back to 0) stop at
 * it, a table 16 times smaller that stays in cache.
 *
 * @module
 */
import type { FlowTable } from "../flow/flow_table.ts";

const EMPTY = new Float64Array(0);
const EMPTY_BYTES = new Uint8Array(0);

/** Per-flow numbers indexed by flow slot (see module docs). */
export class FlowMarks {
  #table: FlowTable | null = null;
  /** [slot * 2] flow id, [slot * 2 + 1] value. */
  #data: Float64Array = EMPTY;
  /** [slot] 1 when a non-zero value may be held for the slot's flow (0: the value is 0). */
  #maybe: Uint8Array = EMPTY_BYTES;

  #bind(flows: FlowTable): void {
    this.#table = flows;
    this.#data = EMPTY;
    this.#maybe = EMPTY_BYTES;
  }

  /** The value stored for the flow in `slot`, 0 when none (or the slot holds another flow now). */
  get(flows: FlowTable, slot: number): number {
    if (this.#table !== flows) this.#bind(flows);
    if (slot < 0 || slot >= this.#maybe.length || this.#maybe[slot] === 0) return 0;
    const i = slot * 2, d = this.#data;
    return d[i] === flows.flowId(slot) ? d[i + 1] : 0;
  }

  /** Adds `n` to the value of the flow in `slot` ({@link get} + `n`, then {@link set}); returns the sum. */
  add(flows: FlowTable, slot: number, n: number): number {
    if (this.#table !== flows) this.#bind(flows);
    const i = slot * 2, d = this.#data;
    if (slot < 0 || i >= d.length) {
      const v = 0 + n; // what get gives there, plus n (-0 becomes 0 as it would)
      this.set(flows, slot, v);
      return v;
    }
    const id = flows.flowId(slot);
    const v = (this.#maybe[slot] !== 0 && d[i] === id ? d[i + 1] : 0) + n;
    d[i] = id;
    d[i + 1] = v;
    this.#maybe[slot] = v !== 0 ? 1 : 0;
    return v;
  }

  /** Stores `value` for the flow in `slot`. */
  set(flows: FlowTable, slot: number, value: number): void {
    if (this.#table !== flows) this.#bind(flows);
    if (slot < 0 || slot >= flows.capacity) return;
    const i = slot * 2;
    let d = this.#data;
    if (i >= d.length) {
      let n = Math.max(1024, d.length);
      while (n <= i) n *= 2;
      const grown = new Float64Array(Math.min(n, flows.capacity * 2));
      grown.set(d);
      d = this.#data = grown;
      const maybe = new Uint8Array(grown.length / 2);
      maybe.set(this.#maybe);
      this.#maybe = maybe;
    }
    d[i] = flows.flowId(slot);
    d[i + 1] = value;
    this.#maybe[slot] = value !== 0 ? 1 : 0;
  }

  /** Forgets every value. */
  clear(): void {
    this.#data = EMPTY;
    this.#maybe = EMPTY_BYTES;
  }
}
