/**
 * The IPS as the sensor's decision stage sees it: `decide(alert, signal)` answers whether the source is
 * really blocked and returns the block event to publish after the alert; later changes (expiry, manual
 * unblock) and cap warnings go on the hub directly.
 *
 * @module
 */
import type { Alert } from "../core/alert.ts";
import type { BlockEvent, BlockStatus } from "../core/block.ts";
import type { EventBus } from "../core/hub_event.ts";
import type { Ips, IpsEvent } from "./ips.ts";
import { type BlockRecord, END_REASON_TEXT } from "./ledger.ts";

/** The hub's block event for a block row. */
export function toBlockEvent(record: BlockRecord, reason?: string): BlockEvent {
  const event: BlockEvent = {
    id: `${record.ip}@${record.ts}`,
    ip: record.ip,
    status: record.status.toLowerCase() as BlockStatus,
    atMs: record.updatedAt,
    startMs: record.ts,
    durationS: record.seconds,
    expiresMs: record.expiresAt,
    backend: record.backend,
  };
  if (record.error) event.error = record.error;
  if (record.type) event.type = record.type as BlockEvent["type"];
  if (record.label) event.label = record.label;
  if (reason) event.reason = reason;
  return event;
}

/**
 * Publishes an IPS event on the hub. Blocks made for an alert are published by the decision stage, right
 * after their alert; manual and restored blocks, every end of a block, and cap warnings are published here.
 */
export function publishIpsEvent(bus: EventBus, event: IpsEvent): void {
  if (event.kind === "block" && (event.manual || event.restored)) {
    const why = event.manual ? "blocked by hand" : "found in the firewall at startup";
    bus.publish({ kind: "block", block: toBlockEvent(event.record, why) });
  } else if (event.kind === "unblock") {
    bus.publish({ kind: "block", block: toBlockEvent(event.record, END_REASON_TEXT[event.reason]) });
  } else if (event.kind === "cap") {
    bus.publish({ kind: "notice", level: "warning", source: "ips", message: event.message });
  }
}

/** Adapts an {@link Ips} to the decision stage's IPS seam. */
export class IpsStage {
  #ips: Ips;
  #onAlert: ((alert: Alert) => void) | undefined;

  /** `onAlert` sees each alert first (a replay advances its packet clock with it). */
  constructor(ips: Ips, options: { onAlert?: (alert: Alert) => void } = {}) {
    this.#ips = ips;
    this.#onAlert = options.onAlert;
  }

  /** The engine behind it. */
  get ips(): Ips {
    return this.#ips;
  }

  /**
   * Decides about one labelled alert. `blocked` is true only when the firewall really blocks the source;
   * when the IPS declines for a reason the operator must know (spoofed sources, a cap, a failure), the
   * alert's evidence line says so.
   */
  async decide(alert: Alert, _signal: AbortSignal): Promise<{ blocked: boolean; block?: BlockEvent }> {
    this.#onAlert?.(alert);
    const d = await this.#ips.decide({
      ip: alert.src,
      type: alert.type,
      label: alert.label,
      spoofed: alert.spoofed === true || alert.tags?.includes("spoofed") === true,
      noBlock: alert.tags?.includes("no-block") === true,
      unverified: alert.tags?.includes("unverified_source") === true,
      ml: alert.ml,
    });
    if (d.action !== "blocked" && /spoofed|unverified|cap reached|failed|simulated/.test(d.note)) {
      alert.reason = alert.reason ? `${alert.reason}; IPS: ${d.note}` : `IPS: ${d.note}`;
    }
    const block = d.created && d.record
      ? { ...toBlockEvent(d.record, d.note), severity: alert.severity, alertSeq: alert.seq }
      : undefined;
    return { blocked: d.action === "blocked", ...(block ? { block } : {}) };
  }
}
