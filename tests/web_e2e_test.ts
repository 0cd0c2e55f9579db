/**
 * The dashboard end to end: `ids demo` serving, headless Chromium watching. Alerts arrive over SSE,
 * a block counts down, Unblock, acknowledge and escalate (keyboard too), language switch, a
 * threshold applied and a wrong one refused with `ids config check`'s text; screenshots (to docs/ with
 * IDS_SCREENSHOTS=docs).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ignoreUnless, prereq } from "../testing/prereq.ts";
import { CHROMIUM, HAS_CHROMIUM, launch, type Page, REPO, serveIds, watchedPage } from "./_browser.ts";

const WHY = `${CHROMIUM} is missing (apt-get install chromium)`;
// screenshots go to docs/ only when asked (IDS_SCREENSHOTS=docs): a test run leaves the checkout clean
const SHOTS_DIR = Deno.env.get("IDS_SCREENSHOTS");
const SHOTS = SHOTS_DIR ? join(REPO, SHOTS_DIR) : await Deno.makeTempDir({ prefix: "ids-shots-" });

/** Waits until island `name` is hydrated (typing before that would be lost). */
async function hydrated(page: Page, name: string): Promise<void> {
  await page.waitForSelector(`[data-island='${name}'][data-hydrated='1']`);
}

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  await Deno.mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, name), fullPage });
}

Deno.test({
  name: "dashboard e2e: ids demo in headless Chromium",
  ignore: ignoreUnless("chromium", HAS_CHROMIUM, WHY),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    prereq("chromium", HAS_CHROMIUM, WHY);
    const served = await serveIds(["demo", "--no-open", "--listen", "127.0.0.1:0"]);
    const browser = await launch();
    const started = Date.now();
    try {
      const { page, problems } = await watchedPage(browser);
      // the printed URL holds the token: it becomes a cookie and leaves the address bar
      await page.goto(served.url);
      assert.equal(new URL(page.url()).search, "", "token removed from the URL");
      const cookies = await page.context().cookies();
      const session = cookies.find((c: { name: string }) => c.name === "ids_session");
      assert.ok(session?.httpOnly, "HttpOnly session cookie");
      assert.equal(session.sameSite, "Strict");

      await t.step("alerts arrive over SSE within 10 s of start; charts move", async () => {
        await page.waitForFunction(
          () => Number(document.querySelector("#ov-alerts")?.textContent?.replace(/,/g, "")) > 0,
          undefined,
          { timeout: 10_000 - (Date.now() - started) + 2000 },
        );
        assert.ok(Date.now() - started < 12_000, `first alert after ${Date.now() - started} ms (incl. start-up)`);
        await page.waitForSelector("#chart-per-minute rect", { timeout: 10_000 });
        await page.waitForFunction(() => document.querySelectorAll("#chart-pps canvas").length > 0);
        const pps1 = await page.textContent("#ov-packets");
        await page.waitForTimeout(2500);
        const pps2 = await page.textContent("#ov-packets");
        assert.notEqual(pps1, pps2, "packet counter moves");
        assert.equal(await page.getAttribute("#stream-state", "data-state"), "live");
        // the demo loads the flow model as ids run does; "heuristics only" only when there is none
        const model = (await page.textContent("#ov-model")) as string;
        if (existsSync(join(REPO, "models", "ids-flow.onnx"))) {
          assert.match(model, /^ids-flow /);
          // once it answered, the live counters bring its verdicts and the rows left without one into the row
          await page.waitForSelector("#ov-model-counts", { timeout: 10_000 });
          assert.match(
            (await page.textContent("#ov-model-counts")) as string,
            /^ · [\d,]+ verdicts · [\d,]+ without a verdict$/,
          );
        } else assert.match(model, /heuristics only/);
        // and keeps a store in its temporary directory
        assert.match((await page.textContent("#ov-store")) as string, /ids-demo-.*ids\.db$/);
      });

      await t.step("a block counts down, Unblock turns the row Unblocked and keeps it", async () => {
        await page.click("nav a[href='/ips']");
        await hydrated(page, "Ips");
        await page.waitForSelector("#ips-simulated");
        const row = "#ips-table tr[data-status='simulated']";
        await page.waitForSelector(row, { timeout: 20_000 });
        const secs = async () => {
          const text = (await page.textContent(`${row} .ips-remaining`)) as string;
          const m = /(?:(\d+)m )?(\d+)s?/.exec(text.replace(" s", "s"))!;
          return Number(m[1] ?? 0) * 60 + Number(m[2]);
        };
        const before = await secs();
        await page.waitForTimeout(2200);
        const after = await secs();
        assert.ok(after < before && after >= before - 4, `countdown ${before} → ${after}`);
        const ip = await page.getAttribute(row, "data-ip");
        await page.click(`${row} .ips-unblock`);
        await page.waitForSelector(`#ips-table tr[data-ip='${ip}'][data-status='unblocked']`, { timeout: 5000 });
        assert.equal(
          await page.textContent(`#ips-table tr[data-ip='${ip}'][data-status='unblocked'] .ips-status`),
          "Unblocked",
        );
      });

      await t.step("block by hand", async () => {
        await page.fill("#ips-ip", "192.0.2.55");
        await page.fill("#ips-secs", "30");
        await page.click("#ips-block");
        await page.waitForSelector("#ips-table tr[data-ip='192.0.2.55'][data-status='simulated']", { timeout: 5000 });
        await page.fill("#ips-ip", "not-an-ip");
        await page.click("#ips-block");
        await page.waitForSelector("#ips-msg");
        assert.match(await page.textContent("#ips-msg"), /Cannot block: "not-an-ip" is not an IP address/);
      });

      await t.step("events: acknowledge, escalate with the keyboard, group repeats, export", async () => {
        await page.click("nav a[href='/events']");
        await hydrated(page, "Events");
        await page.waitForSelector("#events-table tbody tr", { timeout: 10_000 });
        const firstId = await page.getAttribute("#events-table tbody tr:first-child", "data-id");
        // that row by its id: the demo goes on alerting, and a new alert on top makes it the second row
        await page.click(`#events-table tbody tr[data-id='${firstId}'] .ev-ack`);
        // acknowledged alerts leave the inbox view…
        await page.waitForSelector(`#events-table tbody tr[data-id='${firstId}']`, { state: "detached" });
        // …and show again, marked, with "show acknowledged"
        await page.check("#ev-showack");
        await page.waitForSelector(`#events-table tbody tr[data-id='${firstId}'][data-ack='1']`);
        // keyboard: j moves down, s escalates
        await page.click("h1");
        await page.keyboard.press("k");
        await page.keyboard.press("j");
        // the selection moved down from the first row, and stays on its alert when new ones arrive on top
        const selected = "#events-table tbody tr[data-sel='1']";
        await page.waitForSelector(`${selected}:not(:first-child)`);
        const second = await page.getAttribute(selected, "data-id");
        // the demo goes on alerting: a new alert on top leaves the selection on the alert the operator chose
        const top = await page.getAttribute("#events-table tbody tr:first-child", "data-id");
        await page.waitForFunction(
          (id: string | null) =>
            document.querySelector("#events-table tbody tr:first-child")?.getAttribute("data-id") !== id,
          top,
          { timeout: 20_000 },
        );
        assert.equal(await page.getAttribute(selected, "data-id"), second, "the selection stayed on its alert");
        await page.keyboard.press("s");
        await page.waitForSelector(`#events-table tbody tr[data-id='${second}'][data-star='1']`);
        // the server has the triage state (a second tab would see it)
        const r = await page.request.get(`${served.origin}/api/alerts?limit=1000`);
        const alerts = await r.json() as { id: number; ack: boolean; star: boolean }[];
        assert.equal(alerts.find((a) => a.id === Number(firstId))?.ack, true);
        assert.equal(alerts.find((a) => a.id === Number(second))?.star, true);
        // group repeats (g) shows counts
        await page.keyboard.press("g");
        await page.waitForSelector("#events-table th:has-text('Count')");
        await page.keyboard.press("g");
        // search narrows the table
        await page.keyboard.press("/");
        await page.keyboard.type("sql");
        await page.waitForFunction(() =>
          [...document.querySelectorAll("#events-table tbody tr")].every((tr) =>
            (tr as HTMLElement).dataset.type === "sql_injection"
          )
        );
        const csv = await page.request.get(
          `${served.origin}${await page.getAttribute("#ev-csv", "href")}`,
        );
        const lines = (await csv.text()).trim().split("\n");
        assert.ok(lines.length >= 2 && lines.slice(1).every((l: string) => l.includes(",sql_injection,")));
        await page.keyboard.press("Escape");
      });

      await t.step("language switch to Spanish", async () => {
        await page.click("#lang-es");
        await page.waitForSelector("html[lang='es']");
        await hydrated(page, "Events");
        assert.equal(await page.textContent("nav a[href='/events']"), "Eventos");
        await page.waitForSelector("#events-table tbody tr");
        const label = await page.textContent("#events-table tbody tr td:nth-child(7)");
        assert.match(label, /\((Heurística|ML: [\d.]+%)\)$/);
        await page.click("#lang-en");
        await page.waitForSelector("html[lang='en']");
      });

      await t.step("settings: a threshold applied live; a wrong one refused with ids config check's text", async () => {
        await page.click("nav a[href='/settings']");
        await hydrated(page, "Settings");
        await page.fill("input[name='syn_flood.threshold']", "25");
        await page.click("#settings-apply");
        await page.waitForSelector("#settings-ok");
        const s = await (await page.request.get(`${served.origin}/api/settings`)).json();
        assert.equal(s.config.syn_flood.threshold, 25);
        const onDisk = JSON.parse(await Deno.readTextFile(s.file));
        assert.equal(onDisk.syn_flood.threshold, 25);
        await page.fill("input[name='syn_flood.threshold']", "-3");
        await page.click("#settings-apply");
        await page.waitForSelector("#settings-errors");
        const shown = (await page.textContent("#settings-errors pre")) as string;
        assert.match(shown, /syn_flood\.threshold: must be .*\(got -3\)/);
        const stillOnDisk = JSON.parse(await Deno.readTextFile(s.file));
        assert.equal(stillOnDisk.syn_flood.threshold, 25, "a refused change writes nothing");
        // the whole page: the settings file, the refusal with its problem line, the form
        await page.evaluate(() => globalThis.scrollTo(0, 0));
        await shot(page, "dashboard-settings.png", true);
      });

      await t.step("screenshots for the README (after the floods of the first pass)", async () => {
        const wait = 32_000 - (Date.now() - started);
        if (wait > 0) await page.waitForTimeout(wait);
        await page.goto(`${served.origin}/`);
        await page.waitForSelector("#chart-pps canvas");
        await page.waitForTimeout(1200);
        await shot(page, "dashboard-overview.png");
        await page.goto(`${served.origin}/events`);
        await page.waitForSelector("#events-table tbody tr");
        await page.waitForTimeout(500);
        await shot(page, "dashboard-events.png");
        await page.goto(`${served.origin}/ips`);
        await page.waitForSelector("#ips-table tbody tr");
        await page.waitForTimeout(500);
        await shot(page, "dashboard-ips.png");
        await page.goto(`${served.origin}/traffic`);
        await page.waitForTimeout(1200);
        await shot(page, "dashboard-traffic.png");
        // the light theme
        await page.goto(`${served.origin}/`);
        await page.click("#theme-toggle");
        // the toggle is a link: the predicate also runs while the page navigates, when there is no document element
        await page.waitForFunction(() => document.documentElement?.classList.contains("dark") === false);
        await page.waitForSelector("#chart-pps canvas");
        await page.waitForTimeout(1200);
        await shot(page, "dashboard-overview-light.png");
        await page.click("#theme-toggle");
      });

      assert.deepEqual(problems, { csp: [], errors: [], dialogs: [] }, "no CSP violation, page error or dialog");
    } finally {
      await browser.close();
      await served.stop();
      if (!SHOTS_DIR) await Deno.remove(SHOTS, { recursive: true }).catch(() => {});
    }
  },
});
