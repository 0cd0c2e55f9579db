/**
 * What the dashboard needs from the sensor: the live feed, status, and the optional parts (IPS,
 * reputation, notifications, settings). Parts not present are shown as absent, never faked.
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import type { BlockDto, StatusDto } from "./dto.ts";
import type { LiveFeed } from "./feed.ts";

/** The IPS as the dashboard drives it. */
export interface IpsControl {
  /** `real` firewall or `simulated`; `off` when the sensor only detects. */
  readonly mode: "real" | "simulated" | "off";
  /** Config key of the on/off switch (e.g. `ips.enabled`), when the configuration has one. */
  readonly configKey?: string;
  /**
   * Blocks `ip` for `seconds` by hand; resolves with the block row (also published on the feed).
   * Rejects with a one-line reason (`Cannot block 10.0.0.1: …`) when the policy refuses.
   */
  block(ip: string, seconds: number): Promise<BlockDto>;
  /** Lifts the block of `ip`; rejects with a one-line reason when there is none. */
  unblock(ip: string): Promise<void>;
  /** Never blocks `ip` (a dashboard client) until the returned function is called. */
  protectClient?(ip: string): () => void;
}

/** IP reputation lookups (AbuseIPDB, or its simulation). */
export interface ReputationLookup {
  readonly provider: "abuseipdb" | "simulated";
  /** Reputation facts of `ip`, shown as key/value text. */
  lookup(ip: string): Promise<Record<string, string | number | boolean | null>>;
}

/** Notification test (Telegram). */
export interface NotifyTest {
  /** Sends a test message; resolves with a one-line result, rejects with a one-line reason. */
  test(): Promise<string>;
}

/** Options of the dashboard app. */
export interface DashboardOptions {
  feed: LiveFeed;
  /** The access token (see auth.ts). */
  token: string;
  /** Sensor status (called per request). */
  status: () => StatusDto;
  /** The configuration in force. */
  config: () => Config;
  /** The configuration file edited by the settings page; absent: settings are read-only. */
  configFile?: string;
  /** Called with a configuration the settings page wrote (the sensor applies it). */
  onConfig?: (config: Config) => void;
  ips?: IpsControl;
  reputation?: ReputationLookup;
  notify?: NotifyTest;
  /** SSE push interval in ms (default 100: at most 10 pushes a second). */
  pushIntervalMs?: number;
}
