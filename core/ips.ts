/**
 * The IPS seam: what the decision stage (`sensor/decision.ts`) asks of the IPS. `ips/` implements
 * it; it lives in the bottom layer so `ips/` needs nothing from `sensor/`.
 *
 * @module
 */
import type { Alert } from "./alert.ts";
import type { BlockEvent } from "./block.ts";

/** What the IPS answered about one alert. */
export interface IpsDecision {
  /** True only when the firewall really blocks `alert.src` now (not simulated, not failed). */
  blocked: boolean;
  /**
   * The block event to publish right after the alert (status `active`, `simulated` or `failed`),
   * when the IPS decided to block. Later changes (expired, unblocked) the IPS publishes itself.
   */
  block?: BlockEvent;
}

/**
 * Decides and performs blocks (implemented in `ips/`): the policy (critical types, trusted lists,
 * spoofed sources, our own gateway…) and the firewall backend.
 */
export interface Ips {
  /**
   * Looks at one labelled alert (its `action` still `allowed`) and blocks its source if the policy
   * says so. Called in alert order; several calls may be in flight.
   *
   * @param alert the alert as it will be published (`seq`, label, decidedBy, model verdict set)
   * @param signal aborted when the deadline passed; the alert is then published as `allowed`
   */
  decide(alert: Alert, signal: AbortSignal): Promise<IpsDecision>;
}
