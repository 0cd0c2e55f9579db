/**
 * What the dashboard needs from the sensor: the live feed, status, and the optional parts (IPS,
 * reputation, notifications, settings). Parts not present are shown as absent, never faked.
 *
 * @module
 */
import type { Config } from "../config/defaults.ts";
import type { AlertDto, AlertPageDto, BlockDto, BlockPageDto, IpHistoryDto, StatusDto } from "./dto.ts";
import type { AlertFilter, LiveFeed } from "./feed.ts";

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

/** Triage marks to set (a mark not given stays). */
export interface TriageChange {
  ack?: boolean;
  star?: boolean;
}

/**
 * The store as the dashboard reads it: pages of older alerts and blocks with the current filter,
 * triage marks kept across restarts, an address over time. Absent when the sensor runs without a
 * store (the pages then say so).
 */
export interface AlertArchive {
  /** The database file. */
  readonly path: string;
  /** Alerts matching `filter` older than `cursor` (`TSUS` inclusive, or `TSUS:ROWID`), newest first. */
  alerts(filter: AlertFilter, cursor: string | undefined, limit: number): AlertPageDto;
  /** Sets the marks of the stored row `rowId`; undefined when there is no such row. */
  markRow(rowId: number, change: TriageChange): AlertDto | undefined;
  /**
   * Sets the marks of the row of live alert `key` (`RUN:SEQ`); resolves true once written, false
   * when the row is not in the store (yet).
   */
  markKey(key: string, change: TriageChange): Promise<boolean>;
  /**
   * Every alert matching `filter`, newest first, at most `max`, with its EVE record (CSV and EVE
   * export of the current filter over the whole store).
   */
  exportAlerts(filter: AlertFilter, max: number): { dto: AlertDto; eve: string }[];
  /** Blocks older than `cursor` (`STARTMS:ROWID`), optionally of one address, newest first. */
  blocks(ip: string | undefined, cursor: string | undefined, limit: number): BlockPageDto;
  /** Alerts of `ip` over time and its blocks. */
  ipHistory(ip: string): IpHistoryDto;
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
  /** The store (older rows, kept triage marks); absent: the sensor runs without one. */
  archive?: AlertArchive;
  /** SSE push interval in ms (default 100: at most 10 pushes a second). */
  pushIntervalMs?: number;
}
