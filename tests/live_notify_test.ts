/**
 * `ids run` end to end with notifications: a real capture on loopback sees a real HTTP request with
 * a SQL injection and hostile markup; the alert travels through the decision stage and the hub to
 * Telegram (a local stub speaking the Bot API, which parses the HTML like Telegram does). The
 * attacker (127.0.0.1) is never sent to AbuseIPDB (a local stub that counts requests).
 *
 * Needs root and libpcap (capture on `lo`); skipped with the reason otherwise, failed under CI=true.
 * Traffic: one HTTP request to a server of this test on 127.0.0.1, captured with a filter on its port.
 */
import assert from "node:assert/strict";
import { AbuseIpdbStub } from "../enrich/abuseipdb_stub_test_util.ts";
import { TelegramStub } from "../notify/telegram_stub_test_util.ts";
import { ignoreUnless, isRoot, prereq } from "../testing/prereq.ts";
import { hasLibpcap, IdsProcess } from "./_live_util.ts";

const TOKEN = "123456789:AAHtestTOKENtestTOKENtestTOKEN_-x";
const KEY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const NAME = "ids run: a SQL injection seen on lo reaches Telegram escaped; loopback never goes to AbuseIPDB";
const OK = isRoot() && Deno.build.os === "linux" && hasLibpcap();
const WHY = "needs root and libpcap (live capture on lo) — run the tests as root";

Deno.test({
  name: NAME,
  ignore: ignoreUnless(NAME, OK, WHY),
  async fn() {
    prereq(NAME, OK, WHY);
    await using telegram = new TelegramStub({ token: TOKEN, chats: ["1001"] });
    await using abuse = new AbuseIpdbStub({ key: KEY });
    await using web = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => new Response("ok"));
    const port = web.addr.port;
    const config = await Deno.makeTempFile({ suffix: ".json" });
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        sql_injection: { ports: [port] },
        telegram: { token: TOKEN, chats: ["1001"], base_url: telegram.baseUrl },
        abuseipdb: { key: KEY, base_url: abuse.baseUrl },
      }),
    );
    const ids = new IdsProcess(["run", "--iface", "lo", "--filter", `tcp port ${port}`, "--config", config], {
      maxSeconds: 60,
    });
    try {
      await ids.capturing();
      assert.match(ids.stderr, /^ids: Telegram alerts to 1 chat\(s\); AbuseIPDB look-ups of public alert sources$/m);
      const hostile = `1' UNION SELECT '<a href="https://evil.example/login">x</a>' @admin /start--`;
      const res = await fetch(`http://127.0.0.1:${port}/item?id=${encodeURIComponent(hostile)}`);
      await res.body?.cancel();
      const arrived = await ids.until(() => telegram.delivered().length > 0, 15_000);
      assert.ok(arrived, `no Telegram message; ids stderr: ${ids.stderr}`);
      const [msg] = telegram.delivered();
      const { text, entities } = msg.parsed!;
      assert.match(
        text,
        /^🚨 IDS alert: SQL Injection \(Heuristic\)\nFrom 127\.0\.0\.1 port \d+\nTo 127\.0\.0\.1 port \d+ TCP\n/,
      );
      assert.ok(entities.every((e) => e.type === "code" || e.type === "bold"), JSON.stringify(entities));
      assert.ok(text.includes(`'<a href="https://evil.example/login">x</a>' @admin /start--`), "shown as text");
      assert.equal(msg.body.parse_mode, "HTML");
      const { status } = await ids.stop("SIGINT");
      assert.equal(status.code, 0, ids.stderr);
      assert.equal(abuse.requests.length, 0, "loopback is never sent to AbuseIPDB");
      assert.ok(!ids.stderr.includes(TOKEN) && !ids.stderr.includes(KEY));
    } finally {
      ids.kill("SIGKILL");
      await ids.wait();
      await Deno.remove(config);
    }
  },
});
