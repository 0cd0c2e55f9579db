/**
 * One human line per alert, like Suricata's fast.log or Snort's console mode: time, label, source → destination,
 * evidence, action. `ids run` prints it on stderr when stderr is a terminal, so no alert is only a number.
 *
 * @module
 */
import type { Alert } from "../core/alert.ts";
import { protoName } from "../core/ip.ts";
import type { HubEvent, Subscriber } from "../core/hub_event.ts";
import { eveTimestamp } from "./eve.ts";

/** Escapes control, non-ASCII and backslash characters of attacker-supplied text; cuts it at `max` characters. */
export function escapeForTerminal(text: string, max = 160): string {
  let out = "";
  for (const ch of text) {
    if (out.length >= max) return `${out}…`;
    const c = ch.codePointAt(0)!;
    if (c === 92) out += "\\\\";
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c > 0x7e) {
      out += c > 0xffff
        ? `\\u{${c.toString(16)}}`
        : c > 0xff
        ? `\\u${c.toString(16).padStart(4, "0")}`
        : `\\x${c.toString(16).padStart(2, "0")}`;
    } else out += ch;
  }
  return out;
}

function endpoint(ip: string, port: number, withPort: boolean): string {
  if (!withPort) return ip;
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * `2026-11-21 14:50:23.531762 UTC  SYN Flood (Heuristic)  10.77.0.66:41234 → 10.77.0.1:80 TCP  <evidence>  [allowed]`;
 * extra tags (`spoofed`, `trusted`, `sweep`…) follow the action. Attacker bytes in the evidence are escaped.
 */
export function formatAlertLine(alert: Alert): string {
  const ts = eveTimestamp(alert.tsUs).replace("T", " ").replace("+0000", " UTC");
  const ports = alert.proto === 6 || alert.proto === 17 || alert.proto === 132;
  const tags = [
    alert.action,
    ...(alert.spoofed ? ["spoofed"] : []),
    ...(alert.tags ?? []).filter((t) => t !== "spoofed"),
  ];
  return `${ts}  ${escapeForTerminal(alert.label, 60)}  ${endpoint(alert.src, alert.srcPort, ports)} → ${
    endpoint(alert.dst, alert.dstPort, ports)
  } ${protoName(alert.proto)}  ${escapeForTerminal(alert.reason)}  [${
    tags.map((t) => escapeForTerminal(t, 40)).join(", ")
  }]`;
}

/** A hub subscriber writing one {@link formatAlertLine} per alert through `write` (e.g. to stderr). */
export function alertLineSubscriber(write: (line: string) => void, name = "alert-lines"): Subscriber {
  return {
    name,
    kinds: ["alert"],
    handle: (event: HubEvent) => {
      if (event.kind === "alert") write(formatAlertLine(event.alert));
    },
  };
}
