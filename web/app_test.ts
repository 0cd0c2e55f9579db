import assert from "node:assert/strict";
import { join } from "node:path";
import { configCommand } from "../config/cli.ts";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import type { Config } from "../config/defaults.ts";
import { buildAlert } from "../core/alert.ts";
import type { AttackType } from "../core/attack_type.ts";
import { createDashboard } from "./app.tsx";
import { cspHash } from "./csp.ts";
import type { BlockDto, SnapshotDto, SseBatch } from "./dto.ts";
import { ORIGIN, STATUS, TOKEN } from "./_test_dashboard.ts";
import { LiveFeed } from "./feed.ts";
import type { IpsControl } from "./context.ts";

function alert(type: AttackType, src: string, reason: string, tsMs = Date.now()) {
  return buildAlert({
    type,
    tsUs: tsMs * 1000,
    src,
    dst: "10.0.0.1",
    srcPort: 4444,
    dstPort: 80,
    proto: 6,
    severity: 1,
    reason,
    flowId: 7,
  });
}

class FakeIps implements IpsControl {
  mode = "simulated" as const;
  calls: string[] = [];
  constructor(readonly feed: LiveFeed) {}
  block(ip: string, seconds: number): Promise<BlockDto> {
    this.calls.push(`block ${ip} ${seconds}`);
    const b: BlockDto = {
      id: `${ip}@1`,
      ts: Date.now(),
      ip,
      type: "manual",
      label: "manual",
      severity: 2,
      action: "simulated",
      status: "simulated",
      expiresAt: Date.now() + seconds * 1000,
    };
    this.feed.putBlock(b);
    return Promise.resolve(b);
  }
  unblock(ip: string): Promise<void> {
    this.calls.push(`unblock ${ip}`);
    if (ip === "10.9.9.9") return Promise.reject(new Error(`Cannot unblock ${ip}: not blocked`));
    return Promise.resolve();
  }
}

function setup(opts: { configFile?: string } = {}) {
  const feed = new LiveFeed();
  let config: Config = DEFAULT_CONFIG;
  const ips = new FakeIps(feed);
  const app = createDashboard({
    feed,
    token: TOKEN,
    status: () => ({ ...STATUS, configFile: opts.configFile ?? null }),
    config: () => config,
    configFile: opts.configFile,
    onConfig: (c) => config = c,
    ips,
    pushIntervalMs: 20,
  });
  const cookie = `ids_session=${TOKEN}`;
  const get = (path: string, headers: Record<string, string> = {}) =>
    app.request(path, { headers: { cookie, ...headers } });
  const post = (path: string, body: unknown, headers: Record<string, string> = { origin: ORIGIN }) =>
    app.request(path, {
      method: "POST",
      headers: { cookie, "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  return { app, feed, ips, get, post, config: () => config };
}

Deno.test("every route refuses a request without the token", async () => {
  const { app } = setup();
  for (const path of ["/", "/events", "/ips", "/settings", "/api/snapshot", "/api/events", "/static/client.js"]) {
    const r = await app.request(path);
    assert.equal(r.status, 401, path);
    await r.body?.cancel();
  }
  const wrong = await app.request("/", { headers: { cookie: "ids_session=nope" } });
  assert.equal(wrong.status, 401);
  assert.match(await wrong.text(), /Access token needed/);
  const wrongQuery = await app.request("/?token=nope");
  assert.equal(wrongQuery.status, 401);
  assert.equal(wrongQuery.headers.get("set-cookie"), null);
  await wrongQuery.body?.cancel();
});

Deno.test("the token in the URL is exchanged for an HttpOnly SameSite=Strict cookie and removed from the URL", async () => {
  const { app } = setup();
  const r = await app.request(`/events?type=port_scan&token=${TOKEN}`);
  assert.equal(r.status, 303);
  assert.equal(r.headers.get("location"), "/events?type=port_scan");
  const cookie = r.headers.get("set-cookie") ?? "";
  assert.match(cookie, new RegExp(`^ids_session=${TOKEN};`));
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.match(cookie, /Path=\//);
});

Deno.test("pages carry a strict CSP: no inline script, the one style block allowed by its hash", async () => {
  const { get, feed } = setup();
  feed.addAlert(alert("port_scan", "10.0.0.66", "10 distinct ports"));
  for (const path of ["/", "/traffic", "/events", "/ips", "/settings", "/ip/10.0.0.66"]) {
    const r = await get(path);
    assert.equal(r.status, 200, path);
    const html = await r.text();
    const csp = r.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(r.headers.get("x-frame-options"), "DENY");
    assert.equal(r.headers.get("x-content-type-options"), "nosniff");
    // every script is external; no inline event handlers
    for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      assert.match(m[1], /src="\/static\/client\.js"/, path);
      assert.equal(m[2], "");
    }
    assert.doesNotMatch(html, /\son[a-z]+="/i, path);
    assert.doesNotMatch(html, /\sstyle="/i, `${path}: style attributes would need 'unsafe-inline'`);
    const style = /<style data-twind="">([\s\S]*?)<\/style>/.exec(html);
    assert.ok(style, path);
    assert.ok(csp.includes(cspHash(style[1])), `${path}: style hash in CSP`);
    assert.match(style[1], /\.bg-gray-100\{/, "server render extracted the used classes");
  }
});

Deno.test("attacker-controlled strings are rendered as text on every page", async () => {
  const { get, feed } = setup();
  const evil = `<script>alert(1)</script><img src=x onerror=alert(2)> javascript:alert(3) "'`;
  feed.addAlert(alert("sql_injection", "10.0.0.66", evil));
  for (const path of ["/events", "/ip/10.0.0.66"]) {
    const html = await (await get(path)).text();
    assert.ok(!html.includes("<script>alert"), path);
    assert.ok(!html.includes("<img src=x"), path);
    assert.ok(html.includes("&lt;script>alert(1)&lt;/script>") || html.includes("&lt;script&gt;alert(1)"), path);
  }
  const snap = await (await get("/api/snapshot")).json() as SnapshotDto;
  assert.equal(snap.alerts[0].reason, evil, "JSON carries the text unchanged; the page shows it as text");
});

Deno.test("state-changing routes check Origin", async () => {
  const { post, feed } = setup();
  const dto = feed.addAlert(alert("syn_flood", "10.0.0.66", "x"));
  const path = `/api/alerts/${dto.id}/triage`;
  const none = await post(path, { ack: true }, {});
  assert.equal(none.status, 403);
  assert.match((await none.json()).error, /Origin missing/);
  const evil = await post(path, { ack: true }, { origin: "http://evil.example" });
  assert.equal(evil.status, 403);
  assert.equal(feed.alerts()[0].ack, false, "refused requests change nothing");
  const ok = await post(path, { ack: true, star: true });
  assert.equal(ok.status, 200);
  assert.deepEqual([feed.alerts()[0].ack, feed.alerts()[0].star], [true, true]);
});

Deno.test("snapshot, alerts and blocks have their JSON shapes", async () => {
  const { get, post, feed, ips } = setup();
  feed.addAlert(alert("port_scan", "10.0.0.66", "scan"));
  feed.addAlert(alert("syn_flood", "10.0.0.67", "flood"));
  const snap = await (await get("/api/snapshot")).json() as SnapshotDto;
  assert.equal(snap.seq, feed.seq);
  assert.deepEqual(snap.alerts.map((a) => [a.type, a.src, a.dst, a.dstPort, a.proto, a.label]), [
    ["syn_flood", "10.0.0.67", "10.0.0.1", 80, "TCP", "SYN Flood (Heuristic)"],
    ["port_scan", "10.0.0.66", "10.0.0.1", 80, "TCP", "Port Scan (Heuristic)"],
  ]);
  assert.deepEqual(snap.charts.topSources.length, 2);
  const filtered = await (await get("/api/alerts?type=port_scan")).json();
  assert.equal(filtered.length, 1);
  const q = await (await get("/api/alerts?q=FLOOD")).json();
  assert.deepEqual(q.map((a: { src: string }) => a.src), ["10.0.0.67"]);

  const bad = await post("/api/blocks", { ip: "10.0.0.300" });
  assert.equal(bad.status, 400);
  const blocked = await post("/api/blocks", { ip: "10.1.2.3", seconds: 30 });
  assert.equal(blocked.status, 200);
  assert.equal((await blocked.json()).status, "simulated");
  assert.deepEqual(ips.calls, ["block 10.1.2.3 30"]);
  assert.equal((await (await get("/api/blocks")).json())[0].ip, "10.1.2.3");
  const un = await post("/api/blocks/unblock", { ip: "10.9.9.9" });
  assert.equal(un.status, 409);
  assert.match((await un.json()).error, /Cannot unblock 10\.9\.9\.9: not blocked/);
});

Deno.test("CSV and EVE export the current filter; CSV neutralises formulas", async () => {
  const { get, feed } = setup();
  feed.addAlert(alert("sql_injection", "10.0.0.66", '=HYPERLINK("http://x")'));
  feed.addAlert(alert("port_scan", "10.0.0.67", "scan, with comma"));
  const csv = await (await get("/api/alerts/export.csv?type=sql_injection")).text();
  const lines = csv.trim().split("\n");
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^id,timestamp,type,label,src_ip/);
  assert.match(lines[1], /,"'=HYPERLINK\(""http:\/\/x""\)"$/);
  const eve = (await (await get("/api/alerts/export.eve?ip=10.0.0.67")).text()).trim().split("\n");
  assert.equal(eve.length, 1);
  const rec = JSON.parse(eve[0]);
  assert.equal(rec.event_type, "alert");
  assert.equal(rec.src_ip, "10.0.0.67");
  assert.deepEqual(rec.alert.metadata.tag, ["port_scan", "heuristic"]);
});

Deno.test("SSE pushes batches and resumes after Last-Event-ID", async () => {
  const { get, feed } = setup();
  feed.addAlert(alert("port_scan", "10.0.0.66", "a"));
  const first = feed.seq;
  feed.addAlert(alert("syn_flood", "10.0.0.67", "b"));
  const r = await get("/api/events", { "last-event-id": String(first) });
  assert.equal(r.headers.get("content-type"), "text/event-stream");
  const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("event: batch")) text += (await reader.read()).value ?? "";
  while (!/event: batch\ndata: .*\nid: \d+\n\n/.test(text)) text += (await reader.read()).value ?? "";
  const m = /event: batch\ndata: (.*)\nid: (\d+)/.exec(text)!;
  const batch = JSON.parse(m[1]) as SseBatch;
  assert.deepEqual(batch.alerts.map((a) => a.reason), ["b"], "only what came after the id");
  assert.equal(Number(m[2]), feed.seq);
  // a later change arrives as the next push
  feed.addAlert(alert("udp_flood", "10.0.0.68", "c"));
  text = "";
  while (!/event: batch\ndata: .*\nid: \d+\n\n/.test(text)) text += (await reader.read()).value ?? "";
  assert.deepEqual(JSON.parse(/data: (.*)/.exec(text)![1]).alerts.map((a: { reason: string }) => a.reason), ["c"]);
  await reader.cancel();
});

Deno.test("settings are written to the config file; invalid values give the same problems as ids config check", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "config.json");
    const { post, config } = setup({ configFile: file });
    const bad = await post("/api/settings", {
      syn_flood: { threshold: -3, window_s: "abc" },
      trusted_cidrs: ["1.2.3.0/99"],
    });
    assert.equal(bad.status, 422);
    const body = await bad.json();
    // the same text `ids config check` prints for the same file content
    await Deno.writeTextFile(
      file,
      JSON.stringify({ syn_flood: { threshold: -3, window_s: "abc" }, trusted_cidrs: ["1.2.3.0/99"] }),
    );
    let err = "";
    assert.equal(await configCommand(["check", file], { stderr: (t) => err += t, stdout: () => {} }), 1);
    assert.equal(`${body.header}\n${body.problems.map((p: string) => `  ${p}\n`).join("")}`, err);
    await Deno.remove(file);

    const ok = await post("/api/settings", { syn_flood: { threshold: 25 }, trusted_ips: ["192.0.2.7"] });
    assert.equal(ok.status, 200);
    assert.equal(config().syn_flood.threshold, 25, "applied to the running sensor");
    const onDisk = JSON.parse(await Deno.readTextFile(file));
    assert.deepEqual(onDisk, { syn_flood: { threshold: 25 }, trusted_ips: ["192.0.2.7"] });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("preferences: language and theme cookies; back must be a local path", async () => {
  const { get } = setup();
  const r = await get("/prefs?lang=es&theme=light&back=//evil.example/x");
  assert.equal(r.status, 303);
  assert.equal(r.headers.get("location"), "/");
  const cookies = r.headers.getSetCookie();
  assert.ok(cookies.some((c) => c.startsWith("ids_lang=es;")));
  assert.ok(cookies.some((c) => c.startsWith("ids_theme=light;")));
  const es = await (await get("/events", { cookie: `ids_session=${TOKEN}; ids_lang=es; ids_theme=light` })).text();
  assert.match(es, /<html lang="es">/);
  assert.match(es, /Eventos/);
  const fromHeader = await (await get("/", { "accept-language": "es-CO,es;q=0.9,en;q=0.5" })).text();
  assert.match(fromHeader, /<html lang="es" class="dark \[color-scheme:dark\]">/);
});
