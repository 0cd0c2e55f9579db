import assert from "node:assert/strict";
import { isSpecialFile } from "./special_file.ts";

Deno.test("special file: a FIFO is one; a regular file, a directory and a missing path are not", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ids-special-" });
  try {
    await Deno.writeTextFile(`${dir}/plain`, "x");
    assert.equal(isSpecialFile(`${dir}/plain`), false);
    assert.equal(isSpecialFile(dir), false);
    assert.equal(isSpecialFile(`${dir}/missing`), false);
    if (Deno.build.os !== "windows") {
      assert.ok((await new Deno.Command("mkfifo", { args: [`${dir}/fifo`] }).output()).success);
      assert.equal(isSpecialFile(`${dir}/fifo`), true);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
