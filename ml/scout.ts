/**
 * Picks flows for model-only alerts: the packet observer that updates the features and, at a few
 * moments of each flow (its 1st, 4th, 16th and 64th packet and its end — moments the model was
 * trained on), offers the flow's row
 * for classification even though no detector fired. A budget on packet time (default 2000 rows per
 * second) bounds the work a flood can cause; rows over the budget are counted, not queued.
 *
 * @module
 */
import type { Packet } from "../decode/packet.ts";
import type { FlowEndReason, FlowTable } from "../flow/flow_table.ts";
import type { FeatureExtractor } from "./features.ts";

/** Receives a flow chosen for classification (the slot is valid only during the call). */
export type OfferFlow = (flows: FlowTable, slot: number) => void;

/** True at the packet counts where a flow is offered. */
export function isScoutPoint(n: number): boolean {
  return n === 1 || n === 4 || n === 16 || n === 64;
}

/** Options of {@link FlowScout}. */
export interface ScoutOptions {
  /** Most rows offered per second of packet time (default 2000). */
  perSecond?: number;
}

/** The packet observer for model-only alerts (see module docs). */
export class FlowScout {
  /** Flows offered. */
  offered = 0;
  /** Flows not offered because the budget was spent. */
  overBudget = 0;
  #fx: FeatureExtractor;
  #offer: OfferFlow;
  #perSecond: number;
  #tokens: number;
  #lastUs = 0;
  /** The packet time #try offers at: a field, not a double argument (boxed per call when the call is not inlined). */
  #at = 0;

  constructor(fx: FeatureExtractor, offer: OfferFlow, options: ScoutOptions = {}) {
    this.#fx = fx;
    this.#offer = offer;
    this.#perSecond = Math.max(1, options.perSecond ?? 2000);
    this.#tokens = this.#perSecond;
  }

  /** Updates the features, then offers the flow at its scout points. */
  onPacket(pkt: Packet, flows: FlowTable): void {
    this.#fx.onPacket(pkt, flows);
    const slot = pkt.flow;
    if (slot < 0) return;
    if (isScoutPoint(flows.packets(slot, 0) + flows.packets(slot, 1))) {
      this.#at = pkt.tsUs;
      this.#try(flows, slot);
    }
  }

  /** Offers a flow that ends (unless it was offered at its last packet). */
  onFlowEnd(flows: FlowTable, slot: number, _reason: FlowEndReason): void {
    if (!isScoutPoint(flows.packets(slot, 0) + flows.packets(slot, 1))) {
      this.#at = flows.nowUs;
      this.#try(flows, slot);
    }
  }

  /** Offers the flow if the budget allows, at packet time `#at`. */
  #try(flows: FlowTable, slot: number): void {
    const nowUs = this.#at;
    if (nowUs > this.#lastUs) {
      if (this.#lastUs > 0) {
        this.#tokens = Math.min(this.#perSecond, this.#tokens + (nowUs - this.#lastUs) * this.#perSecond / 1e6);
      }
      this.#lastUs = nowUs;
    }
    if (this.#tokens < 1) {
      this.overBudget++;
      return;
    }
    this.#tokens--;
    this.offered++;
    this.#offer(flows, slot);
  }
}
