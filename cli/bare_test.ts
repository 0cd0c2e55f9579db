import assert from "node:assert/strict";
import { resolveCommand } from "../main.ts";
import { UsageError } from "./args.ts";
import { runCommand } from "./run.ts";

Deno.test("ids alone (a double-click) runs the sensor with the dashboard on loopback and opens it", () => {
  assert.deepEqual(resolveCommand([]), ["run", "--listen", "127.0.0.1:8470", "--open"]);
  assert.deepEqual(resolveCommand(["--iface", "eth0"]), ["run", "--iface", "eth0"]);
  assert.deepEqual(resolveCommand(["replay", "x.pcap"]), ["replay", "x.pcap"]);
});

Deno.test("ids run --open without --listen is a usage error", async () => {
  await assert.rejects(() => runCommand(["--open", "--iface", "nonexistent0", "--no-data"]), UsageError);
});
