import assert from "node:assert/strict";
import { reputationCommand } from "./reputation.ts";
import { AbuseIpdbStub } from "../enrich/abuseipdb_stub_test_util.ts";
import { MemoryKv } from "../enrich/cache.ts";
import { Store } from "../store/store.ts";

const KEY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

async function run(args: string[], abuseipdb: Record<string, unknown>, cache = new MemoryKv()) {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(file, JSON.stringify({ abuseipdb }));
    const stdout: string[] = [];
    const stderr: string[] = [];
    const status = await reputationCommand([...args, "--config", file], {
      stdout: (l) => stdout.push(l),
      stderr: (l) => stderr.push(l),
      cache,
    });
    return { status, stdout, stderr };
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("ids reputation IP: asks the API once, then answers from the cache", async () => {
  await using stub = new AbuseIpdbStub({ key: KEY, scores: { "118.25.6.39": 87 } });
  const cache = new MemoryKv();
  const config = { key: KEY, base_url: stub.baseUrl };
  let r = await run(["118.25.6.39"], config, cache);
  assert.equal(r.status, 0, r.stderr.join("\n"));
  assert.deepEqual(r.stdout, [
    "118.25.6.39: abuse confidence 87/100 (AbuseIPDB, looked up now)",
    "  country     NL",
    "  usage type  Data Center/Web Hosting/Transit",
    "  ISP         Example Hosting B.V.",
    "  domain      example-hosting.nl",
    "  reports     261 in the last 90 days from 87 users; last 2026-11-28T10:00:00+00:00",
    "  Tor exit    no; whitelisted no",
    "quota: 999 of 1000 requests left today",
  ]);
  r = await run(["118.25.6.39"], config, cache);
  assert.match(
    r.stdout[0],
    /^118\.25\.6\.39: abuse confidence 87\/100 \(AbuseIPDB, cached \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/,
  );
  assert.equal(stub.checks().length, 1);
  r = await run(["--json", "118.25.6.39"], config, cache);
  const json = JSON.parse(r.stdout[0]);
  assert.equal(json.from, "cache");
  assert.equal(json.reputation.score, 87);
});

Deno.test("ids reputation: simulated without a key, private addresses refused, bad input is usage", async () => {
  let r = await run(["8.8.8.8"], {});
  assert.equal(r.status, 0);
  assert.deepEqual(r.stdout, [
    "8.8.8.8: SIMULATED abuse confidence 15/100 (no AbuseIPDB key: not a real look-up)",
    "  country     CO (COLOMBIA (Simulado))",
  ]);
  r = await run(["192.168.1.10"], { key: KEY, base_url: "http://127.0.0.1:9/api/v2" });
  assert.deepEqual([r.status, r.stderr], [1, [
    "ids reputation: 192.168.1.10 is a private address (RFC 1918): never sent to AbuseIPDB",
  ]]);
  await assert.rejects(reputationCommand([]), /missing IP/);
  await assert.rejects(reputationCommand(["example.com"]), /"example\.com" is not an IPv4 or IPv6 address/);
});

Deno.test("ids reputation: a bad key and an exhausted quota are one line each, exit 1", async () => {
  await using stub = new AbuseIpdbStub({ key: KEY, remaining: 0 });
  let r = await run(["1.1.1.1"], { key: "ffff" + KEY.slice(4), base_url: stub.baseUrl });
  assert.equal(r.status, 1);
  assert.equal(r.stderr.length, 1);
  assert.match(r.stderr[0], /^ids reputation: AbuseIPDB refused the key \(401 Authentication failed/);
  r = await run(["1.1.1.1"], { key: KEY, base_url: stub.baseUrl });
  assert.equal(r.status, 1);
  assert.match(
    r.stderr[0],
    /^ids reputation: AbuseIPDB daily quota exhausted \(1000 requests used\); no look-ups until /,
  );
});

Deno.test("ids reputation --data DIR: results are kept in the store's key/value cache between runs", async () => {
  await using stub = new AbuseIpdbStub({ key: KEY, scores: { "45.33.32.156": 12 } });
  const dir = await Deno.makeTempDir();
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    Store.open(dir).close(); // a data directory ids run has used
    await Deno.writeTextFile(file, JSON.stringify({ abuseipdb: { key: KEY, base_url: stub.baseUrl } }));
    const run = async () => {
      const stdout: string[] = [];
      const status = await reputationCommand(["45.33.32.156", "--data", dir, "--config", file], {
        stdout: (l) => stdout.push(l),
        stderr: () => {},
      });
      return { status, stdout };
    };
    assert.match((await run()).stdout[0], /\(AbuseIPDB, looked up now\)$/);
    const second = await run();
    assert.equal(second.status, 0);
    assert.match(second.stdout[0], /^45\.33\.32\.156: abuse confidence 12\/100 \(AbuseIPDB, cached /);
    assert.equal(stub.checks().length, 1);
    const store = Store.open(dir);
    try {
      assert.equal(JSON.parse(store.get("abuseipdb:check:90:45.33.32.156", Date.now())!).score, 12);
    } finally {
      store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(file);
  }
});
