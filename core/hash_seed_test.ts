import assert from "node:assert/strict";
import { fmix32, hashText, PROCESS_HASH_SEED, seedWord } from "./hash_seed.ts";

Deno.test("hash seed: a new random seed in each process", async () => {
  const url = new URL("./hash_seed.ts", import.meta.url).href;
  const seeds = new Set<string>([String(PROCESS_HASH_SEED)]);
  for (let i = 0; i < 2; i++) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", `import { PROCESS_HASH_SEED } from "${url}"; console.log(PROCESS_HASH_SEED);`],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assert.ok(out.success);
    seeds.add(new TextDecoder().decode(out.stdout).trim());
  }
  assert.equal(seeds.size, 3); // (equal by chance once in 2^31 runs)
});

Deno.test("hash seed: fmix32 is murmur3's finalizer; seed words and text hashes depend on the seed", () => {
  assert.equal(fmix32(0), 0);
  assert.equal(fmix32(1) >>> 0, 0x514e28b7);
  assert.notEqual(seedWord(1, 0), seedWord(2, 0));
  assert.notEqual(seedWord(1, 0), seedWord(1, 1));
  assert.notEqual(hashText("2001:db8::1", 1), hashText("2001:db8::1", 2));
  assert.equal(hashText("2001:db8::1", 7), hashText("2001:db8::1", 7));
});
