/** The syslog output to local UDP and TCP receivers in the test. */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { testAlert } from "../store/_test_alerts.ts";
import { validateEve } from "./eve_schema_test_util.ts";
import { syslogMessage, SyslogOutput } from "./syslog.ts";

/** RFC 5424: PRI VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG */
const RFC5424 =
  /^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (\S{1,255}) (\S{1,48}) (\S{1,128}) (\S{1,32}) (-|\[.*?\]) (.*)$/s;

function check(message: string, facility: number): Record<string, unknown> {
  const m = RFC5424.exec(message);
  assert.ok(m, `not RFC 5424: ${message.slice(0, 120)}`);
  assert.equal(Math.floor(Number(m[1]) / 8), facility);
  assert.equal(m[4], "ids");
  assert.equal(m[6], "alert");
  const eve = JSON.parse(m[8]);
  assert.deepEqual(validateEve(eve), []);
  return eve;
}

Deno.test("syslog over UDP: one RFC 5424 datagram per alert carrying the EVE record", async () => {
  const server = createSocket("udp4");
  const got: string[] = [];
  server.on("message", (msg) => got.push(new TextDecoder().decode(msg)));
  await new Promise<void>((r) => server.bind(0, "127.0.0.1", () => r()));
  const port = server.address().port;
  const out = new SyslogOutput({ host: "127.0.0.1", port, protocol: "udp", facility: 16, maxBuffer: 100 });
  try {
    for (let i = 0; i < 20; i++) out.handle({ kind: "alert", alert: testAlert(i) });
    for (let t = 0; t < 100 && got.length < 20; t++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(got.length, 20);
    const reasons = got.map((m) => (check(m, 16).alert as { metadata: { reason: string[] } }).metadata.reason[0]);
    assert.deepEqual(new Set(reasons), new Set(Array.from({ length: 20 }, (_, i) => `test alert ${i}`)));
    assert.equal(Number(/^<(\d+)>/.exec(got[0])![1]) % 8, 3, "EVE severity 2 → syslog error (3)");
    assert.equal(out.stats.sent, 20);
  } finally {
    await out.close();
    server.close();
  }
});

Deno.test("syslog over UDP: close() right after the last alerts still delivers them", async () => {
  const server = createSocket("udp4");
  const got: string[] = [];
  server.on("message", (msg) => got.push(new TextDecoder().decode(msg)));
  await new Promise<void>((r) => server.bind(0, "127.0.0.1", () => r()));
  try {
    const out = new SyslogOutput({
      host: "127.0.0.1",
      port: server.address().port,
      protocol: "udp",
      facility: 16,
      maxBuffer: 100,
    });
    for (let i = 0; i < 20; i++) out.handle({ kind: "alert", alert: testAlert(i) });
    // a replay ends like this: the last alerts are handed over and the output is closed at once
    await out.close();
    assert.equal(out.stats.sent, 20);
    assert.equal(out.stats.dropped, 0);
    for (let t = 0; t < 100 && got.length < 20; t++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(got.length, 20);
  } finally {
    server.close();
  }
});

/** A TCP receiver parsing octet-counted frames. */
function tcpReceiver(port = 0) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  const frames: string[] = [];
  const conns: Deno.Conn[] = [];
  (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        let buf = "";
        const chunk = new Uint8Array(65536);
        try {
          for (;;) {
            const n = await conn.read(chunk);
            if (n === null) break;
            buf += new TextDecoder().decode(chunk.subarray(0, n));
            for (;;) {
              const sp = buf.indexOf(" ");
              if (sp < 0) break;
              const len = Number(buf.slice(0, sp));
              const bytes = new TextEncoder().encode(buf.slice(sp + 1));
              if (bytes.length < len) break;
              const msg = new TextDecoder().decode(bytes.subarray(0, len));
              frames.push(msg);
              buf = new TextDecoder().decode(bytes.subarray(len));
            }
          }
        } catch { /* closed */ }
      })();
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    frames,
    close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
    },
  };
}

Deno.test("syslog over TCP: octet-counted frames; a collector restart loses nothing buffered; drops counted", async () => {
  let rx = tcpReceiver();
  const port = rx.port;
  const problems: string[] = [];
  const out = new SyslogOutput({
    host: "127.0.0.1",
    port,
    protocol: "tcp",
    facility: 4,
    maxBuffer: 10_000,
    onProblem: (l) => problems.push(l),
    minBackoffMs: 20,
    maxBackoffMs: 100,
  });
  try {
    for (let i = 0; i < 100; i++) out.handle({ kind: "alert", alert: testAlert(i) });
    for (let t = 0; t < 200 && rx.frames.length < 100; t++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(rx.frames.length, 100);
    check(rx.frames[99], 4);
    // the collector goes away; alerts meanwhile wait in the bounded buffer
    rx.close();
    const before = rx.frames.length;
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 100; i < 200; i++) out.handle({ kind: "alert", alert: testAlert(i) });
    await new Promise((r) => setTimeout(r, 200));
    rx = tcpReceiver(port);
    for (let t = 0; t < 300 && !rx.frames.some((f) => f.includes("test alert 199")); t++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(rx.frames.some((f) => f.includes("test alert 199")), `after restart: ${rx.frames.length} frames`);
    assert.equal(before, 100);
    assert.ok(problems.some((p) => /Cannot connect to the syslog collector|retrying/.test(p)), problems.join("\n"));
    assert.equal(out.stats.dropped, 0);
  } finally {
    await out.close();
    rx.close();
  }
});

Deno.test("syslog message: header fields are printable ASCII without spaces", () => {
  const msg = syslogMessage(testAlert(1), { facility: 16, hostname: "host with spaces\u00e9", procId: "42", nowMs: 0 });
  assert.match(msg, /^<131>1 1970-01-01T00:00:00\.000Z hostwithspaces ids 42 alert - \{/);
});
