/**
 * Test helper: hand-encoded ONNX model headers (graph inputs and outputs only, no nodes), for the
 * checks that run before onnxruntime.
 *
 * @module
 */
import { ONNX_FLOAT } from "./onnx_shape.ts";

/** Protobuf encoding of what a test model needs (varint and length-delimited fields only). */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 128) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const field = (no: number, body: number[]) => [...varint(no << 3 | 2), ...varint(body.length), ...body];
const num = (no: number, v: number) => [...varint(no << 3), ...varint(v)];
const text = (no: number, s: string) => field(no, [...new TextEncoder().encode(s)]);

/** A model whose graph has one float input `[batch, width]` and one output `[batch, classes]`. */
export function tinyOnnx(width: number, classes: number, elemType = ONNX_FLOAT): Uint8Array {
  const tensor = (name: string, last: number, type: number) => [
    ...text(1, name),
    ...field(2, field(1, [...num(1, type), ...field(2, [...field(1, text(2, "batch")), ...field(1, num(1, last))])])),
  ];
  const graph = [...text(2, "g"), ...field(11, tensor("x", width, elemType)), ...field(12, tensor("y", classes, 1))];
  return new Uint8Array([...num(1, 8), ...text(2, "test"), ...field(7, graph)]);
}
