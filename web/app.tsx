/**
 * The dashboard: a Hono app serving server-rendered Preact pages (islands hydrated by one embedded
 * client bundle), a JSON API and the SSE stream. Every route needs the access token (exchanged for
 * an HttpOnly SameSite=Strict cookie); state-changing routes also check Origin; every response has
 * a strict Content-Security-Policy.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { renderToString } from "preact-render-to-string";
import { extract, twind, virtual } from "@twind/core";
import type { VNode } from "preact";
import { SESSION_COOKIE, tokenMatches } from "./auth.ts";
import { CLIENT_JS, UPLOT_CSS } from "./_bundle.gen.ts";
import type { DashboardOptions } from "./context.ts";
import { contentSecurityPolicy, SECURITY_HEADERS } from "./csp.ts";
import { type Lang, langFromHeader, parseLang, t } from "./i18n.ts";
import { apiRoutes } from "./routes/api.ts";
import { pageRoutes } from "./routes/pages.tsx";
import { ATTACK_TYPES, ATTACKS } from "../core/attack_type.ts";
import { setPalette, type Theme, TWIND_CONFIG } from "./theme.ts";

// the attack types and colours the pages render with (and hand to the client bundle)
setPalette({ types: [...ATTACK_TYPES], colors: Object.fromEntries(ATTACK_TYPES.map((t) => [t, ATTACKS[t].color])) });

const LANG_COOKIE = "ids_lang";
const THEME_COOKIE = "ids_theme";
const YEAR = 365 * 24 * 3600;

/** Per-request preferences. */
export interface Prefs {
  lang: Lang;
  theme: Theme;
}

/** Language and theme of a request (cookies, else Accept-Language and dark). */
export function prefsOf(c: Context): Prefs {
  const lang = parseLang(getCookie(c, LANG_COOKIE)) ?? langFromHeader(c.req.header("accept-language"));
  const theme: Theme = getCookie(c, THEME_COOKIE) === "light" ? "light" : "dark";
  return { lang, theme };
}

const tw = twind(TWIND_CONFIG, virtual());

/** Renders a full page: SSR HTML, the used CSS extracted into one `<style>` allowed by its hash. */
export function renderDocument(c: Context, vnode: VNode, status = 200): Response {
  const html = renderToString(vnode);
  tw.clear();
  const { html: body, css } = extract(html, tw);
  const doc = `<!DOCTYPE html>${body.replace("</head>", `<style data-twind="">${css}</style></head>`)}`;
  c.header("Content-Security-Policy", contentSecurityPolicy([css]));
  c.header("Cache-Control", "no-store");
  return c.html(doc, status as 200);
}

/** True when `back` is a local path (no scheme, no `//host`). */
function safeBack(back: string | undefined): string {
  return back && back.startsWith("/") && !back.startsWith("//") && !back.startsWith("/\\") ? back : "/";
}

/** Builds the dashboard app. */
export function createDashboard(options: DashboardOptions): Hono {
  const app = new Hono();

  app.use("*", async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
    if (!c.res.headers.has("Content-Security-Policy")) {
      c.res.headers.set("Content-Security-Policy", contentSecurityPolicy());
    }
  });

  // access token: ?token=… once (sets the cookie and redirects without it), then the cookie
  app.use("*", async (c, next) => {
    const url = new URL(c.req.url);
    const presented = url.searchParams.get("token");
    if (presented !== null) {
      if (!tokenMatches(options.token, presented)) return denied(c);
      setCookie(c, SESSION_COOKIE, options.token, {
        httpOnly: true,
        sameSite: "Strict",
        path: "/",
        maxAge: YEAR,
      });
      url.searchParams.delete("token");
      return c.redirect(`${url.pathname}${url.search}`, 303);
    }
    if (!tokenMatches(options.token, getCookie(c, SESSION_COOKIE))) return denied(c);
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      const origin = c.req.header("origin");
      if (!origin || origin !== url.origin) {
        return c.json({
          error: `Cannot accept ${c.req.method} ${url.pathname}: Origin ${origin ?? "missing"} is not ${url.origin}`,
        }, 403);
      }
    }
    await next();
  });

  app.get("/static/client.js", (c) => {
    c.header("Cache-Control", "no-cache");
    return c.body(CLIENT_JS, 200, { "Content-Type": "text/javascript; charset=utf-8" });
  });
  app.get("/static/icon.svg", (c) =>
    c.body(
      `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#121212"/><path d="M3 11l3-6 3 4 2-2 2 4" stroke="#bb86fc" stroke-width="1.6" fill="none"/></svg>`,
      200,
      { "Content-Type": "image/svg+xml", "Cache-Control": "max-age=86400" },
    ));
  app.get("/static/uplot.css", (c) => c.body(UPLOT_CSS, 200, { "Content-Type": "text/css; charset=utf-8" }));

  app.get("/prefs", (c) => {
    const lang = parseLang(c.req.query("lang"));
    const theme = c.req.query("theme");
    const opts = { sameSite: "Strict" as const, path: "/", maxAge: YEAR };
    if (lang) setCookie(c, LANG_COOKIE, lang, opts);
    if (theme === "light" || theme === "dark") setCookie(c, THEME_COOKIE, theme, opts);
    return c.redirect(safeBack(c.req.query("back")), 303);
  });

  app.route("/api", apiRoutes(options));
  app.route("/", pageRoutes(options));
  app.notFound((c) => {
    if (new URL(c.req.url).pathname.startsWith("/api/")) return c.json({ error: "not found" }, 404);
    return c.text(t(prefsOf(c).lang, "notfound"), 404);
  });
  return app;
}

function denied(c: Context): Response {
  const path = new URL(c.req.url).pathname;
  if (path.startsWith("/api/") || path.startsWith("/static/")) {
    return c.json({ error: "Cannot serve: access token missing or wrong (open the URL ids printed at start-up)" }, 401);
  }
  const { lang, theme } = prefsOf(c);
  const page = (
    <html lang={lang} class={theme === "dark" ? "dark" : undefined}>
      <head>
        <meta charset="utf-8" />
        <title>ids</title>
      </head>
      <body class="bg-gray-100 font-sans text-gray-900 dark:bg-ink dark:text-gray-100">
        <main class="mx-auto mt-24 max-w-lg rounded-lg bg-white p-6 shadow dark:bg-ink-1">
          <h1 class="mb-2 text-lg font-semibold">{t(lang, "auth.title")}</h1>
          <p class="text-sm">{t(lang, "auth.body")}</p>
        </main>
      </body>
    </html>
  );
  return renderDocument(c, page, 401);
}
