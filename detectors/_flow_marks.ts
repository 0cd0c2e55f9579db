/**
 * One number per live flow, for detectors that must remember something about a flow (packets
 * counted so far, "already counted"). Indexed by flow slot, so bounded by the flow table's cap; a
 * slot's values are zeroed when a new flow takes the slot, so a reused slot reads as 0.
 *
 * The marks of every detector on one flow table share one block per flow slot: up to eight values
 * (one lane per `FlowMarks`), 64 bytes. A packet's detectors read and write their marks of its flow
 * in that one block (one cache line, warm after the first of them) instead of one array each; the
 * table's packets are spread over many slots, so one array per detector cost a cache miss per
 * detector and packet. The table zeroes a slot's block when a new flow takes the slot
 * (`FlowTable.onCreate`), so a value always belongs to the slot's current flow without a flow id to
 * compare (the ids sit in an array of their own: one more cache miss per packet). A block array is
 * allocated for the flow table's capacity at the first value written, and its pages are touched only as
 * slots are written (the table hands out low slots first): grown by doubling, it left the arrays it
 * outgrew (as many bytes as the last, 16 MB at the default cap) as garbage until the next full GC, in
 * the resident set at a flood's peak.
 *
 * @module
 */
import type { FlowTable } from "../flow/flow_table.ts";

/** Values per block: one lane per {@link FlowMarks} of a table. */
const LANES = 8;
/** Numbers per slot in a block array. */
const STRIDE = LANES;

const EMPTY = new Float64Array(0);

/** The blocks of up to {@link LANES} marks on one flow table (more marks take another). */
class Blocks {
  /** [slot * STRIDE + lane] the values of the flow in the slot. */
  data: Float64Array = EMPTY;
  /** Numbers of `data` that may have been written (the slots below `used / STRIDE`); past them all are 0. */
  used = 0;
  /** Lanes handed out (0 … LANES). */
  lanes = 0;
  /** A new flow took `slot`: its values start at 0 (slots never written are 0 already). */
  readonly created = (slot: number): void => {
    const d = this.data, i = slot * STRIDE;
    if (i < this.used) { for (let k = 0; k < STRIDE; k++) d[i + k] = 0; }
  };
}

/** Per flow table, its blocks (the last one with free lanes, if any). */
const tables = new WeakMap<FlowTable, Blocks[]>();

/** A free lane on `flows`: the blocks it is in and its offset in a slot's numbers (0 … LANES - 1). */
function takeLane(flows: FlowTable): { blocks: Blocks; lane: number } {
  let list = tables.get(flows);
  if (list === undefined) tables.set(flows, list = []);
  let blocks = list[list.length - 1];
  if (blocks === undefined || blocks.lanes === LANES) {
    list.push(blocks = new Blocks());
    flows.onCreate(blocks.created);
  }
  return { blocks, lane: blocks.lanes++ };
}

/** Per-flow numbers indexed by flow slot (see module docs). */
export class FlowMarks {
  #table: FlowTable | null = null;
  #blocks: Blocks = new Blocks();
  /** This marks' offset in a slot's numbers (0 … LANES - 1). */
  #lane = 0;

  #bind(flows: FlowTable): void {
    const { blocks, lane } = takeLane(flows);
    this.#table = flows;
    this.#blocks = blocks;
    this.#lane = lane;
  }

  /** The value stored for the flow in `slot`, 0 when none (or the slot holds another flow now). */
  get(flows: FlowTable, slot: number): number {
    if (this.#table !== flows) this.#bind(flows);
    const d = this.#blocks.data, i = slot * STRIDE;
    return slot < 0 || i >= d.length ? 0 : d[i + this.#lane];
  }

  /** Adds `n` to the value of the flow in `slot` ({@link get} + `n`, then {@link set}); returns the sum. */
  add(flows: FlowTable, slot: number, n: number): number {
    if (this.#table !== flows) this.#bind(flows);
    if (slot < 0 || slot >= flows.capacity) return 0 + n; // what get gives there, plus n; set keeps nothing
    const d = this.#block(flows, slot), i = slot * STRIDE + this.#lane;
    return d[i] += n;
  }

  /** Stores `value` for the flow in `slot`. */
  set(flows: FlowTable, slot: number, value: number): void {
    if (this.#table !== flows) this.#bind(flows);
    if (slot < 0 || slot >= flows.capacity) return;
    this.#block(flows, slot)[slot * STRIDE + this.#lane] = value;
  }

  /** The block array, with `slot` counted as written (`0 ≤ slot < flows.capacity`). */
  #block(flows: FlowTable, slot: number): Float64Array {
    const blocks = this.#blocks, i = slot * STRIDE;
    if (i < blocks.used) return blocks.data;
    // the whole capacity at once: its pages stay out of the resident set until slots are written
    if (blocks.data.length === 0) blocks.data = new Float64Array(flows.capacity * STRIDE);
    blocks.used = i + STRIDE;
    return blocks.data;
  }

  /** Forgets every value. */
  clear(): void {
    const b = this.#blocks, d = b.data;
    for (let i = this.#lane; i < b.used; i += STRIDE) d[i] = 0;
  }
}
