/**
 * Browser entry of the client bundle: twind with the server's configuration (same class names),
 * then every `[data-island]` element hydrated with its props.
 *
 * @module
 */
import { install } from "@twind/core";
import { h, hydrate } from "preact";
import { ISLANDS } from "../islands/mod.ts";
import { setPalette, TWIND_CONFIG } from "../theme.ts";

// production mode: CSSOM sheet (insertRule passes the CSP); TWIND_CONFIG sets hash: false so class names
// stay those of the server render
install(TWIND_CONFIG, true);

setPalette(JSON.parse(document.body.dataset.palette ?? '{"types":[],"colors":{}}'));

for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const island = ISLANDS[el.dataset.island ?? ""];
  if (!island) continue;
  const props = JSON.parse(el.dataset.props ?? "{}");
  hydrate(h(island, props), el);
}
