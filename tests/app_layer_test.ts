/**
 * The app layer on a real capture (tests/app_captures/logins.pcap, see generate.sh there): real
 * clients (curl, ssh, nmap) against refusing login servers on UNUSUAL ports. Each protocol must be
 * recognised by content and each failed login reported to detectors through the app hooks.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { AppContext } from "../app/app_layer.ts";
import type { LoginEvent } from "../app/login.ts";
import { FileSource } from "../capture/file_source.ts";
import type { Detector } from "../detectors/detector.ts";
import { Pipeline } from "../pipeline/pipeline.ts";

const FILE = fileURLToPath(new URL("./app_captures/logins.pcap", import.meta.url));

Deno.test("logins.pcap: protocols recognised by content on unusual ports; failed logins reported", async () => {
  const protocols: string[] = [];
  const logins: string[] = [];
  const requests: string[] = [];
  // a recording detector: the app hooks are what detectors (brute force, SQL injection) receive
  const recorder: Detector = {
    type: "brute_force",
    onPacket() {},
    configure() {},
    size: () => 0,
    onAppProtocol(ctx: AppContext) {
      protocols.push(`${ctx.proto}:${ctx.serverPort}${ctx.serverBanner ? ` ${ctx.serverBanner}` : ""}`);
    },
    onLogin(ev: LoginEvent, ctx: AppContext) {
      logins.push(`${ctx.proto} ${ev.kind} ${ev.user} ${ctx.client}->${ctx.serverPort}`);
    },
    onHttpRequest(req, ctx) {
      requests.push(`${req.method} ${req.target} :${ctx.serverPort}`);
    },
  };
  const p = new Pipeline({ detectors: [recorder] });
  await new FileSource(FILE).run(p.handle);
  p.finish();
  const client = 0x0a850042; // 10.133.0.66
  const want = [
    `ftp attempt admin ${client}->2121`,
    `ftp failure admin ${client}->2121`,
    `smtp attempt bob ${client}->2525`,
    `smtp failure bob ${client}->2525`,
    `pop3 attempt amy ${client}->1110`,
    `pop3 failure amy ${client}->1110`,
    `imap attempt joe ${client}->1143`,
    `imap failure joe ${client}->1143`,
    `telnet attempt root ${client}->2323`,
    `telnet failure root ${client}->2323`,
    `rdp attempt nmap ${client}->3389`,
  ];
  for (const w of want) assert.ok(logins.includes(w), `missing "${w}" in:\n${logins.join("\n")}`);
  assert.equal(logins.filter((l) => l.startsWith("ftp failure")).length, 2, "two FTP connections, two failures");
  const protos = new Set(protocols.map((x) => x.split(":")[0]));
  assert.deepEqual([...protos].sort(), ["ftp", "http", "imap", "pop3", "rdp", "smtp", "ssh", "telnet"]);
  assert.ok(protocols.some((x) => /^ssh:2222 SSH-2\.0-OpenSSH/.test(x)), protocols.join("\n"));
  assert.deepEqual(requests, ["GET /?id=1 :8081"]);
});
