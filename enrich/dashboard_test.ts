import assert from "node:assert/strict";
import { AbuseIpdbClient } from "./abuseipdb_api.ts";
import { AbuseIpdbStub } from "./abuseipdb_stub_test_util.ts";
import { MemoryKv } from "./cache.ts";
import { reputationLookup } from "./dashboard.ts";
import { ReputationService } from "./reputation.ts";

const KEY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

Deno.test("reputationLookup(): flat facts for the dashboard, one line when nothing is known", async () => {
  await using stub = new AbuseIpdbStub({ key: KEY, scores: { "45.33.32.156": 42 } });
  const live = reputationLookup(
    new ReputationService({ client: new AbuseIpdbClient({ key: KEY, baseUrl: stub.baseUrl }), cache: new MemoryKv() }),
  )!;
  assert.equal(live.provider, "abuseipdb");
  const facts = await live.lookup("45.33.32.156");
  assert.equal(facts.score, 42);
  assert.equal(facts.simulated, false);
  assert.equal(facts.source, "AbuseIPDB (api)");
  assert.equal(facts.isp, "Example Hosting B.V.");
  assert.equal(facts.totalReports, 126);
  await assert.rejects(
    live.lookup("10.0.0.1"),
    /^Error: 10\.0\.0\.1 is a private address \(RFC 1918\): never sent to AbuseIPDB$/,
  );

  const simulated = reputationLookup(new ReputationService({ cache: new MemoryKv() }))!;
  assert.equal(simulated.provider, "simulated");
  assert.deepEqual(await simulated.lookup("8.8.8.8"), {
    score: 15,
    simulated: true,
    source: "SIMULATED: no AbuseIPDB key, not a real look-up",
    country: "COLOMBIA (Simulado)",
  });
  assert.equal(reputationLookup(new ReputationService({ cache: new MemoryKv(), disabled: true })), undefined);
});
