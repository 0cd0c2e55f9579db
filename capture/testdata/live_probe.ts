/**
 * Test helper run as a subprocess (inside a namespace or as an unprivileged user): opens a LiveSource with
 * the options given as one JSON argument, captures for `durationMs` (or until `count` frames), and prints
 * one JSON line: `{"ok":true,"packets":N,"linkType":L,"stats":{…}}` or `{"ok":false,"name":…,"message":…}`.
 *
 * Usage: deno run -A capture/testdata/live_probe.ts '{"iface":"lo","durationMs":300}'
 *
 * @module
 */

import { LiveSource } from "../live_source.ts";

interface ProbeArgs {
  iface: string;
  filter?: string;
  libraryPath?: string;
  durationMs?: number;
  count?: number;
  /** Print "ready" on stderr once the handle is open (the parent then sends traffic). */
  announce?: boolean;
}

const args: ProbeArgs = JSON.parse(Deno.args[0] ?? "{}");
try {
  const src = new LiveSource({ iface: args.iface, filter: args.filter, libraryPath: args.libraryPath });
  const linkType = src.open().linkType;
  if (args.announce) console.error("ready");
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), args.durationMs ?? 1000);
  let packets = 0;
  await src.run(() => {
    if (++packets === args.count) ac.abort();
  }, ac.signal);
  clearTimeout(timer);
  console.log(JSON.stringify({ ok: true, packets, linkType, stats: src.stats() }));
} catch (e) {
  const err = e instanceof Error ? e : new Error(String(e));
  console.log(JSON.stringify({ ok: false, name: err.name, message: err.message }));
}
