/**
 * Browser entry of the client bundle: twind with the server's configuration (same class names),
 * then every `[data-island]` element hydrated with its props.
 *
 * @module
 */
import { cssom, twind } from "@twind/core";
import { h, hydrate } from "preact";
import { ISLANDS } from "../islands/mod.ts";
import { bg, fg, PALETTE, rowEdge, setPalette, SEVERITY_COLOR, STATUS_COLOR, TWIND_CONFIG } from "../theme.ts";

// twind on the page's server-rendered <style data-twind> (rules added through CSSOM, which the CSP
// allows). Class names are not rewritten (hash: false): only CSS for classes not seen yet is made.
// twind's own observer rescans a whole subtree for every inserted node, seconds per second when a
// flood fills the events table; this one looks at each added element once per distinct class.
const tw = twind(TWIND_CONFIG, cssom());
const seen = new Set<string>();
const style = (el: Element) => {
  const c = el.getAttribute("class");
  if (c && !seen.has(c)) {
    seen.add(c);
    tw(c);
  }
};
const walk = (root: Element) => {
  style(root);
  for (const el of root.querySelectorAll("[class]")) style(el);
};
new MutationObserver((records) => {
  for (const r of records) {
    if (r.type === "attributes") style(r.target as Element);
    else for (const n of r.addedNodes) if (n.nodeType === 1) walk(n as Element);
  }
}).observe(document.documentElement, { attributeFilter: ["class"], subtree: true, childList: true });
walk(document.documentElement);

setPalette(JSON.parse(document.body.dataset.palette ?? '{"types":[],"colors":{}}'));
// the CSS of every per-type colour class now, not in the middle of a flood
for (
  const color of [...Object.values(PALETTE.colors), ...Object.values(SEVERITY_COLOR), ...Object.values(STATUS_COLOR)]
) {
  tw(`${fg(color)} ${bg(color)} ${rowEdge(color)}`);
}

for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const island = ISLANDS[el.dataset.island ?? ""];
  if (!island) continue;
  const props = JSON.parse(el.dataset.props ?? "{}");
  hydrate(h(island, props), el);
  // tests wait for this before they type into an island
  el.dataset.hydrated = "1";
}
