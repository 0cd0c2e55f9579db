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
 * Judges one event whose grace period is over (the item is reused: copy what you keep). `final` is
 * true when the event cannot wait any longer (end of input, queue full): it must be decided now;
 * otherwise an undecided event may be queued again with {@link PendingVerdicts.again}.
 */
export type Judge = (item: DelayItem, flows: FlowTable, nowUs: number, emit: Emit, final: boolean) => void;

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
    if (this.#queue.headTs <= nowUs - this.graceUs) this.#drain(flows, nowUs, emit, false);
    this.dueTs = this.#queue.headTs;
  }

  /** Queues the packet's event; a full queue judges its oldest event early. */
  push(pkt: Packet, flows: FlowTable, emit: Emit): void {
    const q = this.#queue, now = pkt.tsUs;
    if (q.full && q.shift(this.#item)) this.#judge(this.#item, flows, now, emit, true);
    q.push(now, pkt.flow, pkt.flow >= 0 ? flows.flowId(pkt.flow) : -1, pkt);
    if (this.dueTs !== -Infinity) this.dueTs = q.headTs;
  }

  /**
   * Queues a judged item again for another look one grace period after `nowUs` (its `firstUs` is
   * kept). False when the queue is full: decide it now.
   */
  again(item: DelayItem, nowUs: number): boolean {
    const ok = this.#queue.pushItem(nowUs, item);
    if (this.dueTs !== -Infinity) this.dueTs = this.#queue.headTs;
    return ok;
  }

  /** A flow ended: judge what is due; at the end of input (`flush`) judge everything. */
  flowEnded(flows: FlowTable, reason: FlowEndReason, emit: Emit): void {
    if (this.#queue.length === 0) return;
    this.#drain(flows, flows.nowUs, emit, reason === "flush");
  }

  /** Packet time moved without a packet (idle link): judge what is due. */
  tick(flows: FlowTable, emit: Emit): void {
    this.#drain(flows, flows.nowUs, emit, false);
  }

  #drain(flows: FlowTable, now: number, emit: Emit, all: boolean): void {
    const q = this.#queue, item = this.#item, limit = now - this.graceUs;
    while (q.length > 0 && (all || q.headTs <= limit)) {
      q.shift(item);
      this.#judge(item, flows, now, emit, all);
    }
    if (this.dueTs !== -Infinity) this.dueTs = q.headTs;
  }
}
