/**
 * One number per live flow, for detectors that must remember something about a flow (packets
 * counted so far, "already counted"). Sized to the flow table, so bounded by its cap; a value is
 * tied to the flow id it was written for, so a reused slot reads as 0.
 *
 * @module
 */
import type { FlowTable } from "../flow/flow_table.ts";

/** Per-flow numbers indexed by flow slot (see module docs). */
export class FlowMarks {
  #table: FlowTable | null = null;
  #ids: Float64Array = new Float64Array(0);
  #values: Float64Array = new Float64Array(0);

  #bind(flows: FlowTable): void {
    if (this.#table === flows) return;
    this.#table = flows;
    if (this.#ids.length !== flows.capacity) {
      this.#ids = new Float64Array(flows.capacity);
      this.#values = new Float64Array(flows.capacity);
    } else {
      this.#ids.fill(0);
      this.#values.fill(0);
    }
  }

  /** The value stored for the flow in `slot`, 0 when none (or the slot holds another flow now). */
  get(flows: FlowTable, slot: number): number {
    this.#bind(flows);
    if (slot < 0 || slot >= this.#ids.length) return 0;
    return this.#ids[slot] === flows.flowId(slot) ? this.#values[slot] : 0;
  }

  /** Stores `value` for the flow in `slot`. */
  set(flows: FlowTable, slot: number, value: number): void {
    this.#bind(flows);
    if (slot < 0 || slot >= this.#ids.length) return;
    this.#ids[slot] = flows.flowId(slot);
    this.#values[slot] = value;
  }

  /** Forgets every value. */
  clear(): void {
    this.#ids.fill(0);
    this.#values.fill(0);
  }
}
