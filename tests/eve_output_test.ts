/**
 * Machine-readable output agrees (issue 7 item 11): EVE flow ids are unique per sensor and run (not 1, 2, 3… in
 * every run), SQL-injection alerts carry Suricata's `http` object, every record names the sensor (`host`), and
 * `replay --json` lists its alerts as the same DTO (string addresses) as `demo --json`.
 */
import assert from "node:assert/strict";
import { pcapFile, type PcapRecord, tempFile } from "../capture/_test_pcap_writer.ts";
import { toEve } from "../alerts/eve.ts";
import { validateEve } from "../alerts/eve_schema_test_util.ts";
import type { Alert } from "../core/alert.ts";
import { cat, eth, ipv4, tcp } from "../decode/_test_frames.ts";
import { EtherType } from "../decode/link.ts";
import { TcpFlag } from "../decode/packet.ts";
import { replayFiles } from "../sensor/replay.ts";
import { runMain } from "../testing/run_main.ts";

const { SYN, ACK, PSH } = TcpFlag;
const SERVER = "10.77.0.1";

/** Three clients, each one HTTP connection with an injection. */
function capture(): PcapRecord[] {
  const recs: PcapRecord[] = [];
  for (const [k, client] of ["10.77.0.21", "10.77.0.22", "10.77.0.23"].entries()) {
    const t = (src: string, dst: string, sp: number, dp: number, flags: number, seq: number, ack: number, data = "") =>
      cat(
        eth(EtherType.IPV4),
        ipv4({ src, dst, proto: 6 }, tcp({ sp, dp, flags, seq, ack }, new TextEncoder().encode(data))),
      );
    const req =
      `GET /item?id=${k}' OR 1=1-- HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: sqlmap-ish \x01 "quoted"\r\n\r\n`;
    const frames = [
      t(client, SERVER, 40000, 80, SYN, 100, 0),
      t(SERVER, client, 80, 40000, SYN | ACK, 500, 101),
      t(client, SERVER, 40000, 80, ACK, 101, 501),
      t(client, SERVER, 40000, 80, PSH | ACK, 101, 501, req),
      t(SERVER, client, 80, 40000, ACK, 501, 101 + req.length),
    ];
    frames.forEach((data, i) => recs.push({ sec: 1_700_000_000 + k, frac: i * 1000, data }));
  }
  return recs;
}

async function alertsOf(path: string): Promise<Alert[]> {
  const alerts: Alert[] = [];
  await replayFiles([path], { onAlert: (a) => alerts.push(a) });
  return alerts.filter((a) => a.type === "sql_injection");
}

Deno.test("EVE flow_id: distinct flows distinct ids, and another run of the same capture gets other ids", async () => {
  const path = await tempFile(pcapFile(capture()));
  try {
    const run1 = await alertsOf(path), run2 = await alertsOf(path);
    assert.equal(run1.length, 3);
    const ids1 = run1.map((a) => toEve(a).flow_id), ids2 = run2.map((a) => toEve(a).flow_id);
    assert.equal(new Set(ids1).size, 3, `ids ${ids1}`);
    assert.ok(ids1.every((id) => id > 3), `not a counter from 1: ${ids1}`);
    assert.ok(ids1.every((id) => !ids2.includes(id)), `run 1 ${ids1} vs run 2 ${ids2}`);
    for (const a of run1) assert.equal(a.flow?.flowId, a.flowId, "the flow snapshot carries the same id");
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("EVE: SQL-injection alerts carry the http object (hostname, url, method, user agent) and host", async () => {
  const path = await tempFile(pcapFile(capture()));
  try {
    const [a] = await alertsOf(path);
    const rec = toEve(a);
    assert.deepEqual(rec.http, {
      hostname: "shop.example",
      url: "/item?id=0' OR 1=1--",
      http_method: "GET",
      http_user_agent: 'sqlmap-ish \x01 "quoted"',
      protocol: "HTTP/1.1",
    });
    assert.equal(rec.host, Deno.hostname());
    const line = JSON.stringify(rec);
    assert.ok(!line.includes("\x01"), "control bytes are escaped by JSON");
    assert.deepEqual(validateEve(JSON.parse(line)), []);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("replay --json lists every alert as the alert DTO with string addresses, like demo --json", async () => {
  const path = await tempFile(pcapFile(capture()));
  try {
    const r = await runMain("replay", path, "--json");
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out);
    assert.equal(out.alert_list.length, Object.values(out.alerts as Record<string, number>).reduce((s, n) => s + n, 0));
    for (const a of out.alert_list) {
      assert.equal(typeof a.src, "string");
      assert.equal(typeof a.dst, "string");
      assert.equal(typeof a.label, "string");
      assert.ok(a.flowId > 0);
    }
    assert.ok(out.alert_list.some((a: Alert) => a.src === "10.77.0.22" && a.type === "sql_injection"));
    const demo = await runMain("demo", "--json");
    assert.equal(demo.code, 0, demo.err);
    const d = JSON.parse(demo.out);
    const keys = (o: object) =>
      Object.keys(o).filter((k) =>
        !["tags", "spoofed", "flow", "tcpFlags", "http", "ml", "mlConfidence", "iface"].includes(k)
      ).sort();
    assert.deepEqual(keys(out.alert_list[0]), keys(d.alerts[0]), "one DTO shape");
    assert.equal(typeof d.alerts[0].src, "string");
  } finally {
    await Deno.remove(path);
  }
});
