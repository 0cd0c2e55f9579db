import assert from "node:assert/strict";
import { embeddedTotalBytes, isEmbedded, parseEmbeddedTree } from "./embedded_tree.ts";

// Shape of `deno compile` 2.9 output, colours included.
const OUTPUT = [
  "Compile main.ts to file:///tmp/ids",
  "",
  "\x1b[0m\x1b[1mEmbedded Files\x1b[0m",
  "",
  "ids",
  "\x1b[0m\x1b[38;5;245m├─┬\x1b[0m capture (118.23KB)",
  "\x1b[0m\x1b[38;5;245m│ ├──\x1b[0m capture_worker.ts (14.4KB)",
  "\x1b[0m\x1b[38;5;245m│ └─┬\x1b[0m deep (1KB)",
  "\x1b[0m\x1b[38;5;245m│   └──\x1b[0m x.wasm (1KB)",
  "\x1b[0m\x1b[38;5;245m├──\x1b[0m eval/* (14.61KB)",
  "\x1b[0m\x1b[38;5;245m├──\x1b[0m ffi/npcap.ts (81.55KB)",
  "\x1b[0m\x1b[38;5;245m├──\x1b[0m node_modules/* (154.54MB - 154.3MB unique)",
  "\x1b[0m\x1b[38;5;245m└──\x1b[0m tests/fixtures/demo.pcapng.gz (352.66KB)",
  "",
  "\x1b[0m\x1b[1mFiles:\x1b[0m 1.25MB",
].join("\n");

Deno.test("embedded tree: nested folders, collapsed paths and whole-folder entries", () => {
  const entries = parseEmbeddedTree(OUTPUT);
  assert.deepEqual(entries, [
    { path: "capture/capture_worker.ts", all: false },
    { path: "capture/deep/x.wasm", all: false },
    { path: "eval", all: true },
    { path: "ffi/npcap.ts", all: false },
    { path: "node_modules", all: true },
    { path: "tests/fixtures/demo.pcapng.gz", all: false },
  ]);
  assert.ok(isEmbedded(entries, "node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm"));
  assert.ok(isEmbedded(entries, "eval/evaluate.ts"));
  assert.ok(isEmbedded(entries, "capture/deep/x.wasm"));
  assert.ok(!isEmbedded(entries, "capture/file_source.ts"));
  assert.ok(!isEmbedded(entries, "evaluation.ts"));
});

Deno.test("embedded tree: output without a tree is an error, not an empty list", () => {
  assert.throws(() => parseEmbeddedTree("error: something failed"), /Cannot parse embedded tree/);
});

Deno.test("embedded tree: symbolic links (node_modules) are followed", () => {
  const out = [
    "Embedded Files",
    "",
    "ids",
    "├─┬ node_modules (13.64MB - 13.64MB unique)",
    "│ ├─┬ .deno (13.64MB)",
    "│ │ └─┬ ort@1.0.0 (13.64MB)",
    "│ │   └─┬ node_modules (13.64MB)",
    "│ │     └─┬ ort (13.64MB)",
    "│ │       └─┬ dist (13.64MB)",
    "│ │         └── x.wasm (13.58MB)",
    "│ └── ort --> node_modules/.deno/ort@1.0.0/node_modules/ort",
    "└── main.ts (1KB)",
    "",
    "Files: 13.6MB",
  ].join("\n");
  const entries = parseEmbeddedTree(out);
  assert.ok(isEmbedded(entries, "node_modules/ort/dist/x.wasm"));
  assert.ok(isEmbedded(entries, "node_modules/.deno/ort@1.0.0/node_modules/ort/dist/x.wasm"));
  assert.ok(!isEmbedded(entries, "node_modules/ort/dist/y.wasm"));
  assert.equal(embeddedTotalBytes(out), 13.6 * 1048576);
});
