/** The Redis output against a real redis-server (Debian package) started on a loopback port. */
import assert from "node:assert/strict";
import { ignoreUnless, prereq } from "../testing/prereq.ts";
import { testAlert } from "../store/_test_alerts.ts";
import { validateEve } from "./eve_schema_test_util.ts";
import { RedisOutput, respCommand } from "./redis.ts";

const NAME = "Redis output: records arrive, survive a server restart mid-stream, drops counted";
const HAVE = (() => {
  try {
    return new Deno.Command("redis-server", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
})();

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A redis-server on 127.0.0.1:port keeping its data in `dir` (append-only file), so a restart keeps the list. */
function startRedis(port: number, dir: string): Deno.ChildProcess {
  return new Deno.Command("redis-server", {
    args: [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "yes",
      "--appendfsync",
      "always",
      "--dir",
      dir,
      "--daemonize",
      "no",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** Sends one command and reads the whole reply (small replies only). */
async function redis(port: number, ...args: string[]): Promise<string> {
  for (let attempt = 0;; attempt++) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        await conn.write(respCommand(args));
        let text = "";
        const buf = new Uint8Array(1 << 20);
        // read until the reply looks complete (good enough for LLEN / LRANGE of small records)
        for (;;) {
          const n = await conn.read(buf);
          if (n === null) break;
          text += new TextDecoder().decode(buf.subarray(0, n));
          if (/^[:+-].*\r\n$/.test(text) || complete(text)) break;
        }
        return text;
      } finally {
        conn.close();
      }
    } catch (e) {
      if (attempt > 100) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** True when an array reply of bulk strings is complete. */
function complete(text: string): boolean {
  const m = /^\*(\d+)\r\n/.exec(text);
  if (!m) return false;
  let pos = m[0].length;
  for (let i = 0; i < Number(m[1]); i++) {
    const b = /^\$(\d+)\r\n/.exec(text.slice(pos));
    if (!b) return false;
    pos += b[0].length + Number(b[1]) + 2;
    if (pos > text.length) return false;
  }
  return true;
}

const llen = async (port: number, key: string) => Number((await redis(port, "LLEN", key)).slice(1).trim());

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

const WHY = "needs redis-server (apt-get install redis-server)";
Deno.test({ name: NAME, ignore: ignoreUnless(NAME, HAVE, WHY) }, async () => {
  prereq(NAME, HAVE, WHY);
  const dir = await Deno.makeTempDir({ prefix: "ids-redis-" });
  const port = freePort();
  let server = startRedis(port, dir);
  const problems: string[] = [];
  const out = new RedisOutput({
    host: "127.0.0.1",
    port,
    mode: "rpush",
    key: "suricata",
    maxBuffer: 100_000,
    onProblem: (l) => problems.push(l),
    minBackoffMs: 50,
    maxBackoffMs: 200,
  });
  try {
    for (let i = 0; i < 500; i++) out.handle({ kind: "alert", alert: testAlert(i) });
    assert.ok(await until(async () => await llen(port, "suricata") === 500, 10_000), "the first 500 arrived");
    // restart the server mid-stream: records published meanwhile wait and arrive afterwards
    server.kill("SIGTERM");
    await server.status;
    for (let i = 500; i < 1000; i++) out.handle({ kind: "alert", alert: testAlert(i) });
    await new Promise((r) => setTimeout(r, 300));
    server = startRedis(port, dir);
    for (let i = 1000; i < 1500; i++) out.handle({ kind: "alert", alert: testAlert(i) });
    assert.ok(await until(async () => await llen(port, "suricata") >= 1500, 15_000), `all arrived: ${problems}`);
    const total = await llen(port, "suricata");
    assert.ok(total <= 1500 + 500, "a resent batch may repeat, never more than one batch");
    const first = await redis(port, "LRANGE", "suricata", "0", "0");
    const record = JSON.parse(first.split("\r\n")[2]);
    assert.deepEqual(validateEve(record), []);
    assert.equal(record.alert.metadata.reason[0], "test alert 0");
    const last = await redis(port, "LRANGE", "suricata", "-1", "-1");
    assert.equal(JSON.parse(last.split("\r\n")[2]).alert.metadata.reason[0], "test alert 1499");
    assert.ok(out.stats.connects >= 2, "it reconnected");
    assert.ok(problems.some((p) => /output redis .*retrying with backoff/.test(p)), problems.join("\n"));
    assert.ok(problems.some((p) => /connected again/.test(p)), problems.join("\n"));
    assert.equal(out.stats.dropped, 0);
  } finally {
    await out.close();
    server.kill("SIGTERM");
    await server.status;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Redis output: a server that stays down fills the bounded buffer; the overflow is counted", async () => {
  const port = freePort(); // nothing listens there
  const problems: string[] = [];
  const out = new RedisOutput({
    host: "127.0.0.1",
    port,
    mode: "publish",
    key: "ids",
    maxBuffer: 100,
    onProblem: (l) => problems.push(l),
    minBackoffMs: 20,
    maxBackoffMs: 50,
  });
  for (let i = 0; i < 250; i++) out.handle({ kind: "alert", alert: testAlert(i) });
  assert.equal(out.stats.dropped, 150);
  assert.equal(out.stats.queued, 100);
  await new Promise((r) => setTimeout(r, 150));
  await out.close(100);
  assert.equal(out.stats.dropped, 250, "what never left is counted at close");
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.match(problems[0], /Cannot connect to Redis at 127\.0\.0\.1:\d+/);
});

Deno.test("RESP encoding: arrays of bulk strings with byte lengths", () => {
  assert.equal(
    new TextDecoder().decode(respCommand(["RPUSH", "k", "é"])),
    "*3\r\n$5\r\nRPUSH\r\n$1\r\nk\r\n$2\r\né\r\n",
  );
});
