/**
 * Browser entry of the client bundle: twind with the server's configuration (same class names),
 * then every `[data-island]` element hydrated with its props.
 *
 * @module
 */
import { install } from "@twind/core";
import { h, hydrate } from "preact";
import { ISLANDS } from "../islands/mod.ts";
import { TWIND_CONFIG } from "../theme.ts";

install(TWIND_CONFIG, false);

for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const island = ISLANDS[el.dataset.island ?? ""];
  if (!island) continue;
  const props = JSON.parse(el.dataset.props ?? "{}");
  hydrate(h(island, props), el);
}
