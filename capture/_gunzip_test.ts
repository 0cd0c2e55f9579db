/** GunzipMembers against the real `gzip` tool: multi-member files, trailing garbage, every byte identical. */
import assert from "node:assert/strict";
import { GunzipMembers } from "./_gunzip.ts";
import { hasCommand, ignoreUnless, prereq } from "../testing/prereq.ts";

const OK = hasCommand("gzip", ["--version"]);
const WHY = "needs the gzip command";

async function gunzipAll(path: string): Promise<{ data: Uint8Array; warning?: string }> {
  const g = new GunzipMembers(await Deno.open(path));
  const parts: Uint8Array[] = [];
  try {
    while (true) {
      const buf = new Uint8Array(100_000);
      const n = await g.read(buf);
      if (n === 0) break;
      parts.push(buf.slice(0, n));
    }
  } finally {
    g.close();
  }
  const data = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) (data.set(p, o), o += p.length);
  return { data, warning: g.warning };
}

async function sh(script: string, dir: string): Promise<Uint8Array> {
  const out = await new Deno.Command("bash", { args: ["-c", script], cwd: dir, stdout: "piped", stderr: "null" })
    .output();
  return out.stdout;
}

Deno.test({
  name: "GunzipMembers reads what gzip -d reads: members with names, empty members, trailing garbage",
  ignore: ignoreUnless("gunzip members", OK, WHY),
  async fn() {
    prereq("gunzip members", OK, WHY);
    const dir = await Deno.makeTempDir({ prefix: "ids-gz-" });
    try {
      await sh(
        "head -c 3000000 /dev/urandom > a; seq 1 200000 > b; : > empty; " +
          "gzip -c a > multi.gz; gzip -c empty >> multi.gz; gzip -9 -c b >> multi.gz; " +
          "gzip -c b > garbage.gz; printf 'not gzip at all' >> garbage.gz; " +
          "gzip -c b > zeros.gz; head -c 1000 /dev/zero >> zeros.gz",
        dir,
      );
      const multi = await gunzipAll(`${dir}/multi.gz`);
      assert.deepEqual(multi.data, await sh("gzip -dc multi.gz", dir));
      assert.equal(multi.warning, undefined);
      const garbage = await gunzipAll(`${dir}/garbage.gz`);
      assert.deepEqual(garbage.data, await Deno.readFile(`${dir}/b`));
      assert.match(
        garbage.warning ?? "",
        /^trailing garbage ignored \(15 bytes after the last gzip member, at byte \d+\)$/,
      );
      const zeros = await gunzipAll(`${dir}/zeros.gz`);
      assert.deepEqual(zeros.data, await Deno.readFile(`${dir}/b`));
      assert.match(zeros.warning ?? "", /trailing garbage ignored \(1000 bytes/);
      // a corrupt byte inside the deflate data is an error, after the bytes before it
      const bad = await Deno.readFile(`${dir}/garbage.gz`);
      bad[200] ^= 0xff;
      await Deno.writeFile(`${dir}/bad.gz`, bad);
      await assert.rejects(gunzipAll(`${dir}/bad.gz`), /gzip data corrupt/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
