/**
 * Trusted lists do not silence detection (issue 7 item 2): `GET /item?id=1' OR 1=1--` from a rented cloud
 * address on the default trusted lists (104.16.0.0/12) raises an alert tagged `trusted`; only an operator's
 * explicit `use_trusted: true` silences it.
 */
import assert from "node:assert/strict";
import { pcapFile, type PcapRecord, tempFile } from "../capture/_test_pcap_writer.ts";
import { toEve } from "../alerts/eve.ts";
import { validateEve } from "../alerts/eve_schema_test_util.ts";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import { parseConfigText } from "../config/load.ts";
import type { Alert } from "../core/alert.ts";
import { cat, eth, ipv4, tcp } from "../decode/_test_frames.ts";
import { EtherType } from "../decode/link.ts";
import { TcpFlag } from "../decode/packet.ts";
import { replayFiles } from "../sensor/replay.ts";

const { SYN, ACK, PSH } = TcpFlag;
const SERVER = "10.77.0.1";

/** One HTTP connection from `client` carrying a classic injection. */
function injection(client: string): PcapRecord[] {
  const t = (src: string, dst: string, sp: number, dp: number, flags: number, seq: number, ack: number, data = "") =>
    cat(
      eth(EtherType.IPV4),
      ipv4({ src, dst, proto: 6 }, tcp({ sp, dp, flags, seq, ack }, new TextEncoder().encode(data))),
    );
  const req = "GET /item?id=1' OR 1=1-- HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: curl/8.0\r\n\r\n";
  const frames = [
    t(client, SERVER, 40000, 80, SYN, 100, 0),
    t(SERVER, client, 80, 40000, SYN | ACK, 500, 101),
    t(client, SERVER, 40000, 80, ACK, 101, 501),
    t(client, SERVER, 40000, 80, PSH | ACK, 101, 501, req),
    t(SERVER, client, 80, 40000, ACK, 501, 101 + req.length),
  ];
  return frames.map((data, i) => ({ sec: 1_700_000_000, frac: i * 1000, data }));
}

async function alertsOf(client: string, configText?: string): Promise<Alert[]> {
  const path = await tempFile(pcapFile(injection(client)));
  try {
    const config = configText ? parseConfigText(configText) : DEFAULT_CONFIG;
    const alerts: Alert[] = [];
    await replayFiles([path], { config, onAlert: (a) => alerts.push(a) });
    return alerts;
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("trusted sources: SQL injection from a default-trusted cloud range alerts, tagged trusted", async () => {
  assert.ok(DEFAULT_CONFIG.trusted_cidrs.includes("104.16.0.0/12"), "the seed's Cloudflare range is trusted");
  const alerts = await alertsOf("104.16.1.2");
  const sql = alerts.filter((a) => a.type === "sql_injection");
  assert.equal(sql.length, 1, JSON.stringify(alerts));
  assert.equal(sql[0].src, "104.16.1.2");
  assert.ok(sql[0].tags?.includes("trusted"), `tags: ${sql[0].tags}`);
  const eve = toEve(sql[0]);
  assert.deepEqual(eve.alert.metadata.tag.slice(0, 2), ["sql_injection", "heuristic"]);
  assert.ok(eve.alert.metadata.tag.includes("trusted"), `EVE tags: ${eve.alert.metadata.tag}`);
  assert.deepEqual(validateEve(eve), []);
});

Deno.test("trusted sources: an untrusted source is not tagged trusted", async () => {
  const sql = (await alertsOf("203.0.113.9")).filter((a) => a.type === "sql_injection");
  assert.equal(sql.length, 1);
  assert.ok(!sql[0].tags?.includes("trusted"));
});

Deno.test("trusted sources: only an explicit use_trusted: true silences a detector for them", async () => {
  const silenced = await alertsOf("104.16.1.2", JSON.stringify({ sql_injection: { use_trusted: true } }));
  assert.deepEqual(silenced.filter((a) => a.type === "sql_injection"), []);
  for (const [name, section] of Object.entries(DEFAULT_CONFIG)) {
    if (section && typeof section === "object" && "use_trusted" in section) {
      assert.equal((section as { use_trusted: boolean }).use_trusted, false, `${name}.use_trusted defaults to false`);
    }
  }
});
