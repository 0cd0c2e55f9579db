import assert from "node:assert/strict";
import { DEFAULT_MODEL_PATH } from "./classifier.ts";
import { FEATURE_COUNT } from "./features.ts";
import { ONNX_FLOAT, onnxIo } from "./onnx_shape.ts";
import { tinyOnnx } from "./_test_onnx.ts";

Deno.test("onnxIo: the committed model takes FEATURE_COUNT floats and gives one probability per class", async () => {
  const io = onnxIo(await Deno.readFile(DEFAULT_MODEL_PATH));
  assert.equal(io.inputs.length, 1);
  assert.equal(io.inputs[0].name, "features");
  assert.equal(io.inputs[0].elemType, ONNX_FLOAT);
  assert.deepEqual(io.inputs[0].dims, [undefined, FEATURE_COUNT]);
  assert.equal(io.outputs[0].name, "probabilities");
  assert.equal(io.outputs[0].dims.length, 2);
  assert.equal(typeof io.outputs[0].dims[1], "number");
});

Deno.test("onnxIo: reads hand-encoded shapes (symbolic and fixed dimensions)", () => {
  const io = onnxIo(tinyOnnx(40, 5, 11));
  assert.deepEqual(io.inputs, [{ name: "x", elemType: 11, dims: ["batch", 40] }]);
  assert.deepEqual(io.outputs, [{ name: "y", elemType: 1, dims: ["batch", 5] }]);
});

Deno.test("onnxIo: text, truncated or graph-less bytes are refused with a reason, never a hang", async () => {
  assert.throws(() => onnxIo(new TextEncoder().encode("not a model")), RangeError);
  const real = await Deno.readFile(DEFAULT_MODEL_PATH);
  assert.throws(() => onnxIo(real.subarray(0, real.length >> 1)), /runs past|truncated/);
  assert.throws(() => onnxIo(new Uint8Array([8, 8])), /no ONNX graph/);
  assert.throws(() => onnxIo(new Uint8Array(0)), /no ONNX graph/);
});
