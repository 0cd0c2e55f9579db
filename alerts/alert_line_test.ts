import assert from "node:assert/strict";
import { buildAlert } from "../core/alert.ts";
import type { DetectionEvent } from "../core/detection.ts";
import { escapeForTerminal, formatAlertLine } from "./alert_line.ts";

const TS = Date.UTC(2026, 10, 21, 14, 50, 23) * 1000 + 531_762;

function event(o: Partial<DetectionEvent> = {}): DetectionEvent {
  return {
    type: "sql_injection",
    tsUs: TS,
    src: "203.0.113.9",
    dst: "10.77.0.1",
    srcPort: 40000,
    dstPort: 80,
    proto: 6,
    severity: 1,
    reason: "tautology in query: id=1' OR 1=1--",
    flowId: 7,
    ...o,
  };
}

Deno.test("formatAlertLine: time, label, source → destination, protocol, evidence, action and tags", () => {
  assert.equal(
    formatAlertLine(buildAlert(event({ tags: ["trusted"] }))),
    "2026-11-21 14:50:23.531762 UTC  SQL Injection (Heuristic)  203.0.113.9:40000 → 10.77.0.1:80 TCP  " +
      "tautology in query: id=1' OR 1=1--  [allowed, trusted]",
  );
  const icmp6 = formatAlertLine(
    buildAlert(event({ type: "icmp_flood", proto: 58, src: "2001:db8::66", dst: "2001:db8::1", spoofed: true })),
  );
  assert.match(icmp6, / 2001:db8::66 → 2001:db8::1 IPv6-ICMP {2}.*\[allowed, spoofed\]$/);
  const blocked = buildAlert(event({ srcPort: 5, dstPort: 22 }), { action: "blocked" });
  assert.match(formatAlertLine(blocked), /\[blocked\]$/);
});

Deno.test("formatAlertLine: attacker bytes cannot move the cursor, ring the bell or forge a second line", () => {
  const line = formatAlertLine(buildAlert(event({ reason: "id=1\x1b[2J\x07\r\nFAKE ALERT\u202e\\" })));
  // deno-lint-ignore no-control-regex
  assert.ok(!/[\x00-\x1f\x7f]/.test(line), JSON.stringify(line));
  assert.match(line, /id=1\\x1b\[2J\\x07\\x0d\\x0aFAKE ALERT\\u202e\\\\/);
  assert.equal(escapeForTerminal("x".repeat(200), 10), "xxxxxxxxxx…");
  assert.equal(escapeForTerminal("é😀"), "\\xe9\\u{1f600}");
});
