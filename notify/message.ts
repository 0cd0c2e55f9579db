/**
 * The text of Telegram messages: one alert, a storm digest, the test message. HTML parse mode;
 * everything that came from the network (addresses, labels, evidence, ISP names, hostnames) goes
 * through {@link untrusted}, so it cannot add markup or links.
 *
 * @module
 */
import { SEVERITY_NAMES } from "../core/detection.ts";
import { escapeHtml, untrusted } from "./escape.ts";

/** What a notification needs to know about an alert (string addresses, as the hub carries them). */
export interface NotifyAlert {
  /** Attack type machine name (`syn_flood`). */
  readonly type: string;
  /** Label shown to people (`SYN Flood (Heuristic)`). */
  readonly label: string;
  /** 1 high, 2 medium, 3 low. */
  readonly severity: number;
  /** The attacker. */
  readonly src: string;
  /** The victim. */
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  /** Protocol name (`TCP`) or number. */
  readonly proto: string | number;
  /** One line of evidence (may hold attacker bytes). */
  readonly reason: string;
  /** `blocked` when the IPS blocked the source. */
  readonly action: string;
  /** When it happened (ms since the epoch). */
  readonly timeMs: number;
  /** Capture interface. */
  readonly iface?: string;
  /** Sources are spoofed: `src` is one of many. */
  readonly spoofed?: boolean;
}

/** What a message shows of a source's reputation (an AbuseIPDB result or the simulated one). */
export interface ReputationView {
  /** Abuse confidence score, 0–100. */
  readonly score: number;
  readonly countryCode?: string | null;
  readonly countryName?: string | null;
  readonly usageType?: string | null;
  readonly isp?: string | null;
  readonly domain?: string | null;
  readonly totalReports?: number;
  readonly lastReportedAt?: string | null;
  /** True for the seed's mock result shown without an API key. */
  readonly simulated: boolean;
}

const PROTOS: Readonly<Record<number, string>> = { 1: "ICMP", 6: "TCP", 17: "UDP", 58: "ICMPv6" };

/** `TCP` for 6, names kept as they are. */
export function protoName(proto: string | number): string {
  return typeof proto === "number" ? PROTOS[proto] ?? `proto ${proto}` : proto;
}

function endpoint(ip: string, port: number): string {
  return port > 0 ? `${untrusted(ip, 64)} port ${port}` : untrusted(ip, 64);
}

/** `2026-11-29 21:50:01 UTC`. */
export function utcTime(ms: number): string {
  return Number.isFinite(ms) ? `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC` : "unknown time";
}

/** One line about a reputation, already escaped. */
export function reputationLine(rep: ReputationView): string {
  const parts = [`${Math.round(rep.score)}/100`];
  const country = rep.countryName ?? rep.countryCode;
  if (country) parts.push(untrusted(country, 60));
  if (rep.usageType) parts.push(untrusted(rep.usageType, 60));
  if (rep.isp) parts.push(`ISP ${untrusted(rep.isp, 80)}`);
  if (rep.domain) parts.push(`domain ${untrusted(rep.domain, 80)}`);
  if (rep.totalReports !== undefined) parts.push(`${rep.totalReports} reports`);
  if (rep.lastReportedAt) parts.push(`last ${untrusted(rep.lastReportedAt, 40)}`);
  return `${parts.join(", ")} ${rep.simulated ? "(SIMULATED: no AbuseIPDB key, not a real look-up)" : "(AbuseIPDB)"}`;
}

/** The message for one alert. */
export function alertMessage(alert: NotifyAlert, reputation?: ReputationView): string {
  const lines = [
    `🚨 <b>IDS alert</b>: ${untrusted(alert.label, 80)}`,
    `From ${endpoint(alert.src, alert.srcPort)}${alert.spoofed ? " (spoofed sources: one of many)" : ""}`,
    `To ${endpoint(alert.dst, alert.dstPort)} ${escapeHtml(protoName(alert.proto))}`,
    `Severity ${alert.severity} (${SEVERITY_NAMES[alert.severity] ?? "?"}), ${
      alert.action === "blocked" ? "source blocked" : "allowed"
    }`,
    `Evidence: ${untrusted(alert.reason, 300)}`,
  ];
  if (reputation !== undefined) lines.push(`Reputation: ${reputationLine(reputation)}`);
  lines.push(`${utcTime(alert.timeMs)}${alert.iface ? ` on ${untrusted(alert.iface, 32)}` : ""}`);
  return lines.join("\n");
}

/** One group of a digest: alerts of one type from one source. */
export interface DigestGroup {
  readonly type: string;
  readonly src: string;
  readonly count: number;
  readonly spoofed: boolean;
}

/** A storm digest, ready to show. */
export interface DigestView {
  /** Alerts summed. */
  readonly total: number;
  /** How long it collected, in seconds. */
  readonly seconds: number;
  /** The largest groups first. */
  readonly groups: readonly DigestGroup[];
  /** Alerts in groups not listed (too many groups). */
  readonly otherAlerts: number;
  /** Groups not listed. */
  readonly otherGroups: number;
  /** More groups than `otherGroups` were seen (too many to count exactly). */
  readonly otherGroupsAtLeast?: boolean;
}

function period(seconds: number): string {
  if (seconds === 60) return "the last minute";
  if (seconds % 60 === 0) return `the last ${seconds / 60} minutes`;
  return `the last ${Math.round(seconds)} s`;
}

/** The digest message: `37 alerts in the last minute: 30 syn_flood from 10.0.0.5, …`. */
export function digestMessage(digest: DigestView): string {
  const items = digest.groups.map((g) =>
    `${g.count} ${escapeHtml(g.type)} from ${untrusted(g.src, 64)}${g.spoofed ? " (spoofed)" : ""}`
  );
  if (digest.otherAlerts > 0) {
    const pairs = `${digest.otherGroupsAtLeast ? "more than " : ""}${digest.otherGroups}`;
    items.push(`${digest.otherAlerts} more from ${pairs} other source/type pairs`);
  }
  const noun = digest.total === 1 ? "alert" : "alerts";
  return `⚠️ <b>${digest.total} ${noun} in ${period(digest.seconds)}</b> (alert storm: summed): ${items.join(", ")}`;
}

/** The message `ids notify test` sends. */
export function testMessage(host: string, timeMs: number): string {
  return `✅ <b>ids</b> test message from ${untrusted(host, 64)} at ${utcTime(timeMs)}: notifications reach this chat.`;
}
