/**
 * A capture where no frame reaches IP: `ids replay` names the link type and exits 1 instead of
 * reporting "alerts none".
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { pcapFile } from "../capture/_test_pcap_writer.ts";
import { replayFiles } from "../sensor/replay.ts";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

async function tempPcap(linkType: number, frames: Uint8Array[]): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".pcap" });
  await Deno.writeFile(
    path,
    pcapFile(frames.map((data, i) => ({ sec: 1_700_000_000 + i, frac: 0, data })), { linkType }),
  );
  return path;
}

Deno.test("no decodable frame: the report names the link type; a decodable file beside it still counts", async () => {
  const user0 = await tempPcap(147, [new Uint8Array(60), new Uint8Array(60)]);
  // 802.11 management frames only (beacons): a supported link type without any IP
  const beacon = new Uint8Array(40);
  beacon[0] = 0x80;
  const wifi = await tempPcap(105, [beacon, beacon, beacon]);
  try {
    const { report } = await replayFiles([user0, wifi]);
    assert.equal(report.errors.length, 2);
    assert.match(report.errors[0].message, /Cannot decode any frame: link type LINKTYPE_147 \(147\)/);
    assert.equal(report.errors[0].packets, 2);
    assert.match(report.errors[1].message, /link type IEEE802_11 \(105\)/);
    assert.equal(report.decode_events["wlan.unsupported_frame"], 3);

    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "replay", user0],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 1, err);
    assert.match(err, /Cannot decode any frame: link type LINKTYPE_147 \(147\)/);
  } finally {
    await Deno.remove(user0);
    await Deno.remove(wifi);
  }
});
