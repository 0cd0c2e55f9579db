/**
 * The page frame: head (stylesheet, the one client bundle), header with navigation, live strip,
 * language and theme switches.
 *
 * @module
 */
import type { ComponentChildren } from "preact";
import type { StatusDto } from "../dto.ts";
import { type Lang, t, type TextKey } from "../i18n.ts";
import { PALETTE, type Theme } from "../theme.ts";
import { Island } from "./island.tsx";

/** Props of {@link Layout}. */
export interface LayoutProps {
  lang: Lang;
  theme: Theme;
  /** Current path (navigation highlight, switch links). */
  path: string;
  title: string;
  status: StatusDto;
  children: ComponentChildren;
}

const NAV: [string, TextKey][] = [
  ["/", "nav.overview"],
  ["/traffic", "nav.traffic"],
  ["/events", "nav.events"],
  ["/ips", "nav.ips"],
  ["/settings", "nav.settings"],
];

/** The page. */
export function Layout(props: LayoutProps) {
  const { lang, theme, path } = props;
  const back = encodeURIComponent(path);
  const link = "rounded px-2 py-1 text-xs hover:bg-gray-200 dark:hover:bg-ink-3";
  return (
    <html lang={lang} class={theme === "dark" ? "dark [color-scheme:dark]" : undefined}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · ids`}</title>
        <link rel="icon" href="/static/icon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/static/uplot.css" />
        <script type="module" src="/static/client.js"></script>
      </head>
      <body
        class="min-h-screen bg-gray-100 font-sans text-gray-900 dark:bg-ink dark:text-gray-100"
        data-palette={JSON.stringify(PALETTE)}
      >
        <header class="sticky top-0 z-10 border-b border-gray-200 bg-white dark:border-ink-3 dark:bg-ink-1">
          <div class="flex flex-wrap items-center gap-4 px-4 py-2">
            <a href="/" class="font-mono text-lg font-bold text-[#6d28d9] dark:text-accent">ids</a>
            <nav class="flex gap-1">
              {NAV.map(([href, key]) => (
                <a
                  href={href}
                  class={`rounded px-3 py-1.5 text-sm ${
                    path === href
                      ? "bg-[#ede7f6] font-semibold text-[#4c1d95] dark:bg-ink-3 dark:text-accent"
                      : "hover:bg-gray-100 dark:hover:bg-ink-2"
                  }`}
                >
                  {t(lang, key)}
                </a>
              ))}
            </nav>
            <span class="flex-1" />
            <Island name="LiveStatus" props={{ lang, ips: props.status.ips }} />
            <div class="flex items-center gap-1">
              <a
                id="lang-es"
                href={`/prefs?lang=es&back=${back}`}
                class={`${link} ${lang === "es" ? "font-bold" : ""}`}
              >
                ES
              </a>
              <a
                id="lang-en"
                href={`/prefs?lang=en&back=${back}`}
                class={`${link} ${lang === "en" ? "font-bold" : ""}`}
              >
                EN
              </a>
              <a
                id="theme-toggle"
                href={`/prefs?theme=${theme === "dark" ? "light" : "dark"}&back=${back}`}
                class={link}
              >
                {theme === "dark" ? `☀ ${t(lang, "theme.light")}` : `☾ ${t(lang, "theme.dark")}`}
              </a>
            </div>
          </div>
        </header>
        <main class="mx-auto max-w-[1600px] p-4">
          <h1 class="mb-3 text-xl font-semibold">{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}
