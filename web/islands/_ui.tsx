/**
 * Small building blocks shared by islands and server components (same classes on both sides).
 *
 * @module
 */
import type { ComponentChildren } from "preact";
import { bg } from "../theme.ts";

/** A titled card. */
export function Card(props: { title?: string; children: ComponentChildren; class?: string; id?: string }) {
  return (
    <section
      id={props.id}
      class={`rounded-lg border border-gray-200 bg-white p-4 shadow-sm dark:border-ink-3 dark:bg-ink-1 ${
        props.class ?? ""
      }`}
    >
      {props.title && (
        <h2 class="mb-3 text-sm font-semibold uppercase tracking-wide text-gray-500 dark:text-gray-400">
          {props.title}
        </h2>
      )}
      {props.children}
    </section>
  );
}

/** A coloured dot. */
export function Dot(props: { color: string }) {
  return <span class={`inline-block h-2.5 w-2.5 rounded-full align-middle ${bg(props.color)}`} />;
}

/** A notice banner. */
export function Banner(props: { kind: "warn" | "info" | "error"; children: ComponentChildren; id?: string }) {
  const cls = props.kind === "warn"
    ? "border-yellow-400 bg-yellow-50 text-yellow-900 dark:border-[#ffa000] dark:bg-[#2b2110] dark:text-[#ffd180]"
    : props.kind === "error"
    ? "border-red-400 bg-red-50 text-red-900 dark:border-[#ff5370] dark:bg-[#2b1216] dark:text-[#ff8a9c]"
    : "border-blue-300 bg-blue-50 text-blue-900 dark:border-[#82b1ff] dark:bg-[#121c2b] dark:text-[#b3ceff]";
  return (
    <div id={props.id} role="status" class={`mb-3 rounded border-l-4 px-3 py-2 text-sm ${cls}`}>{props.children}</div>
  );
}

/** Button classes. */
export const BTN =
  "rounded border border-gray-300 bg-white px-2 py-1 text-sm hover:bg-gray-100 disabled:opacity-50 dark:border-ink-3 dark:bg-ink-2 dark:hover:bg-ink-3";
/** Primary button classes. */
export const BTN_PRIMARY =
  "rounded bg-[#6d28d9] px-3 py-1 text-sm font-medium text-white hover:bg-[#5b21b6] dark:bg-accent dark:text-ink dark:hover:bg-[#d0a8ff]";
/** Input classes. */
export const INPUT =
  "rounded border border-gray-300 bg-white px-2 py-1 text-sm dark:border-ink-3 dark:bg-ink-2 dark:text-gray-100";
/** Table header cell classes. */
export const TH = "px-2 py-1 text-left text-xs font-semibold uppercase text-gray-500 dark:text-gray-400";
/** Table cell classes. */
export const TD = "px-2 py-1 whitespace-nowrap";
