import { chromium } from "playwright-core";
const url = Deno.args[0];
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps"] });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
page.on("console", (m) => console.log("console:", m.type(), m.text()));
page.on("pageerror", (e) => console.log("pageerror:", e.message));
await page.goto(url);
for (const p of ["/", "/events", "/ips", "/traffic", "/settings"]) {
  await page.goto(new URL(p, url).href);
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `/tmp/h10_${p === "/" ? "overview" : p.slice(1)}.png`, fullPage: false });
}
await browser.close();
