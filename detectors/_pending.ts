/**
 * Verdicts that wait a grace period on packet time: a {@link DelayQueue} plus the rules for when
 * queued events are judged — on the next packet once due, when the queue is full (oldest first), when
 * a flow ends, on an idle tick, and all of them at the end of input. Shared by the detectors that need
 * hindsight (SYN flood, port scan, exploit probe).
 *
 * @module
 */
import type { Packet } from "../decode/packet.ts";
import type { FlowEndReason, FlowTable } from "../flow/flow_table.ts";
import { type DelayItem, DelayQueue, newDelayItem } from "./_delay_queue.ts";
import type { Emit } from "./detector.ts";

/**
 * Judges one event whose grace period is over (the item is reused: copy what you keep) at packet time
 * {@link PendingVerdicts.nowUs}. `final` is true when the event cannot wait any longer (end of input, queue full): it
 * must be decided now; otherwise an undecided event may be queued again with {@link PendingVerdicts.again}.
 */
export type Judge = (item: DelayItem, flows: FlowTable, emit: Emit, final: boolean) => void;

/** A queue of events awaiting a verdict after `graceUs` of packet time. */
export class PendingVerdicts {
  /** Grace period in µs (settable on reconfiguration). */
  graceUs: number;
  /**
   * The oldest queued event's packet time as of the last change (Infinity: none), -Infinity until the
   * first {@link due}: nothing is due at packet time `t` unless `dueTs <= t - graceUs`, the test
   * {@link due} makes. The pipeline reads it to skip calls that would do nothing
   * (`Detector.dueGate`).
   */
  dueTs = -Infinity;
  #queue: DelayQueue;
  #item: DelayItem = newDelayItem();
  /**
   * The packet time (µs) of the judgement in progress: what a {@link Judge} reads as "now" (set by the queue, read by
   * judges). A field, not an argument or a getter: a double passed to a call or returned from one that is not inlined
   * is boxed in a fresh heap number (a flow's end drained three detectors' queues, three boxes per flow, and each
   * judged event took one more).
   */
  nowUs = 0;
  #judge: Judge;

  constructor(capacity: number, options: { graceUs: number; judge: Judge }) {
    this.#queue = new DelayQueue(capacity);
    this.graceUs = options.graceUs;
    this.#judge = options.judge;
  }

  /** Events waiting. */
  get length(): number {
    return this.#queue.length;
  }

  /** Judges the events that are due at `nowUs`; call first on every packet. O(1) when none is due. */
  due(flows: FlowTable, nowUs: number, emit: Emit): void {
    if (this.#queue.headTs <= nowUs - this.graceUs) {
      this.nowUs = nowUs;
      this.#drain(flows, emit, false);
    }
    this.dueTs = this.#queue.headTs;
  }

  /** Queues the packet's event; a full queue judges its oldest event early. */
  push(pkt: Packet, flows: FlowTable, emit: Emit): void {
    const q = this.#queue, now = pkt.tsUs;
    if (q.full && q.shift(this.#item)) {
      this.nowUs = now;
      this.#judge(this.#item, flows, emit, true);
    }
    q.push(now, pkt.flow, pkt.flow >= 0 ? flows.flowId(pkt.flow) : -1, pkt);
    if (this.dueTs !== -Infinity) this.dueTs = q.headTs;
  }

  /**
   * Queues the item being judged again for another look one grace period after {@link nowUs} (its `firstUs` is
   * kept). False when the queue is full: decide it now.
   */
  again(item: DelayItem): boolean {
    const ok = this.#queue.pushItem(this.nowUs, item);
    if (this.dueTs !== -Infinity) this.dueTs = this.#queue.headTs;
    return ok;
  }

  /** A flow ended: judge what is due; at the end of input (`flush`) judge everything. */
  flowEnded(flows: FlowTable, reason: FlowEndReason, emit: Emit): void {
    if (this.#queue.length === 0) return;
    this.nowUs = flows.nowUs;
    this.#drain(flows, emit, reason === "flush");
  }

  /** Packet time moved without a packet (idle link): judge what is due. */
  tick(flows: FlowTable, emit: Emit): void {
    this.nowUs = flows.nowUs;
    this.#drain(flows, emit, false);
  }

  /** Judges the queued events due at {@link nowUs} (all of them when `all`). */
  #drain(flows: FlowTable, emit: Emit, all: boolean): void {
    const q = this.#queue, item = this.#item, now = this.nowUs, limit = now - this.graceUs;
    while (q.length > 0 && (all || q.headTs <= limit)) {
      q.shift(item);
      this.#judge(item, flows, emit, all);
    }
    if (this.dueTs !== -Infinity) this.dueTs = q.headTs;
  }
}
