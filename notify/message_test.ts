import assert from "node:assert/strict";
import { escapeHtml, sanitizeText, untrusted } from "./escape.ts";
import { alertMessage, digestMessage, type NotifyAlert, reputationLine, testMessage } from "./message.ts";
import { parseTelegramHtml, type StubEntity } from "./telegram_stub_test_util.ts";

const HOSTILE = [
  '<a href="https://evil.example/login">Click</a>',
  '</code><a href="tg://user?id=1">admin</a><code>',
  "&lt;b&gt;not bold&lt;/b&gt; & &amp; &#60;",
  "visit evil.example.com/reset or https://phish.example.org",
  "@admin #urgent /start",
  "abc\u202Egnp.exe", // right-to-left override
  "line1\nline2\r\u0000\u001b[31m",
  "zero\u200Bwidth\uFEFF",
  "' OR 1=1 -- <script>alert(1)</script>",
  "\uD800 lone surrogate",
  "x".repeat(5000),
];

function parse(html: string): { text: string; entities: StubEntity[] } {
  const parsed = parseTelegramHtml(html);
  assert.notEqual(typeof parsed, "string", `Telegram would refuse: ${parsed}`);
  return parsed as { text: string; entities: StubEntity[] };
}

function alertWith(overrides: Partial<NotifyAlert>): NotifyAlert {
  return {
    type: "sql_injection",
    label: "SQL Injection (Heuristic)",
    severity: 1,
    src: "203.0.113.9",
    dst: "10.0.0.5",
    srcPort: 51514,
    dstPort: 80,
    proto: 6,
    reason: "UNION SELECT in GET /index.php",
    action: "blocked",
    timeMs: Date.UTC(2026, 10, 29, 21, 50, 1),
    iface: "eth0",
    ...overrides,
  };
}

Deno.test("escapeHtml() escapes every markup character", () => {
  assert.equal(escapeHtml(`<a href="x">&amp;</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;amp;&lt;/a&gt;");
});

Deno.test("sanitizeText() shows invisible characters and cuts long text", () => {
  assert.equal(sanitizeText("a\u202Eb\nc\u0000"), "a\\u{202e}b\\u{a}c\\u{0}");
  assert.equal(sanitizeText("\uD800x"), "\uFFFDx");
  const cut = sanitizeText("y".repeat(500), 100);
  assert.equal(cut.length, 100);
  assert.ok(cut.endsWith("…"));
  assert.equal(sanitizeText("😀".repeat(10), 6).length <= 6, true);
});

Deno.test("hostile strings never add markup, links, mentions or commands", () => {
  for (const hostile of HOSTILE) {
    const html = alertMessage(alertWith({ label: hostile, reason: hostile, iface: hostile, src: hostile }), {
      score: 99,
      countryName: hostile,
      usageType: hostile,
      isp: hostile,
      domain: hostile,
      lastReportedAt: hostile,
      totalReports: 3,
      simulated: false,
    });
    const { text, entities } = parse(html);
    const types = new Set(entities.map((e) => e.type));
    for (const type of types) {
      assert.ok(type === "code" || type === "bold", `entity ${type} from ${JSON.stringify(hostile)}`);
    }
    assert.equal(entities.filter((e) => e.type === "bold").length, 1, "only our own bold title");
    // the hostile text is shown, not interpreted
    const shown = sanitizeText(hostile, 40);
    assert.ok(text.includes(shown.slice(0, 20)), `${JSON.stringify(hostile)} is visible`);
    assert.ok(!["\u202E", "\u200B", "\uFEFF", "\u0000"].some((c) => text.includes(c)), "no invisible characters");
    assert.ok(text.length <= 4096, "fits one message");
  }
});

Deno.test("an alert message says what, where, how bad, and when", () => {
  const { text, entities } = parse(alertMessage(alertWith({})));
  assert.equal(
    text,
    [
      "🚨 IDS alert: SQL Injection (Heuristic)",
      "From 203.0.113.9 port 51514",
      "To 10.0.0.5 port 80 TCP",
      "Severity 1 (high), source blocked",
      "Evidence: UNION SELECT in GET /index.php",
      "2026-11-29 21:50:01 UTC on eth0",
    ].join("\n"),
  );
  assert.ok(entities.every((e) => e.type === "code" || e.type === "bold"));
  const spoofed = parse(alertMessage(alertWith({ type: "syn_flood", spoofed: true, srcPort: 0, proto: "TCP" }))).text;
  assert.match(spoofed, /From 203\.0\.113\.9 \(spoofed sources: one of many\)\nTo 10\.0\.0\.5 port 80 TCP/);
});

Deno.test("a simulated reputation says so in the message", () => {
  const line = parse(reputationLine({ score: 15, countryName: "COLOMBIA (Simulado)", simulated: true })).text;
  assert.equal(line, "15/100, COLOMBIA (Simulado) (SIMULATED: no AbuseIPDB key, not a real look-up)");
  const real = parse(reputationLine({
    score: 87,
    countryCode: "CN",
    usageType: "Data Center/Web Hosting/Transit",
    isp: "Example ISP",
    domain: "example.net",
    totalReports: 321,
    lastReportedAt: "2026-11-28T10:00:00+00:00",
    simulated: false,
  })).text;
  assert.equal(
    real,
    "87/100, CN, Data Center/Web Hosting/Transit, ISP Example ISP, domain example.net, 321 reports, last 2026-11-28T10:00:00+00:00 (AbuseIPDB)",
  );
});

Deno.test("a digest names the count, the period and the biggest groups", () => {
  const html = digestMessage({
    total: 37,
    seconds: 60,
    groups: [
      { type: "syn_flood", src: "10.0.0.5", count: 30, spoofed: false },
      { type: "port_scan", src: "<b>evil.example</b>", count: 5, spoofed: false },
      { type: "udp_flood", src: "198.51.100.1", count: 1, spoofed: true },
    ],
    otherAlerts: 1,
    otherGroups: 1,
  });
  const { text, entities } = parse(html);
  assert.equal(
    text,
    "⚠️ 37 alerts in the last minute (alert storm: summed): 30 syn_flood from 10.0.0.5, " +
      "5 port_scan from <b>evil.example</b>, 1 udp_flood from 198.51.100.1 (spoofed), 1 more from 1 other source/type pairs",
  );
  assert.ok(entities.every((e) => e.type === "code" || e.type === "bold"));
});

Deno.test("the test message parses", () => {
  assert.match(
    parse(testMessage("sensor<1>", 0)).text,
    /^✅ ids test message from sensor<1> at 1970-01-01 00:00:00 UTC/,
  );
  assert.equal(untrusted("a.b"), "<code>a.b</code>");
});
