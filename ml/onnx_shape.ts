/**
 * Reads the graph inputs and outputs (names, element types, shapes) of an ONNX model file without
 * onnxruntime: a few hundred microseconds of protobuf walking instead of the ~0.5 s of CPU the
 * WASM runtime needs to start. The sensor checks a model with it at start-up, so a missing,
 * corrupt or mismatched file is reported at once even when the model Worker starts later.
 *
 * Only the fields needed are decoded (ModelProto.graph → GraphProto.input/output →
 * ValueInfoProto.name/type → TypeProto.tensor_type → elem_type/shape → dim_value/dim_param); every
 * other field is skipped by its wire type.
 *
 * @module
 */

/** One graph input or output. */
export interface OnnxValueInfo {
  /** Tensor name. */
  name: string;
  /** ONNX element type (1 = float32), 0 when not a tensor. */
  elemType: number;
  /** Dimensions: a number when fixed, a string when symbolic, `undefined` when unknown. */
  dims: (number | string | undefined)[];
}

/** Inputs and outputs of a model's main graph. */
export interface OnnxIo {
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

/** ONNX element type of float32 tensors. */
export const ONNX_FLOAT = 1;

const utf8 = new TextDecoder("utf-8", { fatal: false });

class Reader {
  pos: number;
  constructor(readonly bytes: Uint8Array, start: number, readonly end: number) {
    this.pos = start;
  }
  get done(): boolean {
    return this.pos >= this.end;
  }
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError("truncated varint");
      const b = this.bytes[this.pos++];
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new RangeError("varint longer than 10 bytes");
  }
  /** Reads a length-delimited field's bounds and moves past it. */
  sub(): Reader {
    const len = this.varint();
    const start = this.pos;
    if (len > this.end - start) throw new RangeError("field runs past its message");
    this.pos = start + len;
    return new Reader(this.bytes, start, start + len);
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.sub();
    else if (wire === 5) this.pos += 4;
    else throw new RangeError(`unsupported wire type ${wire}`);
    if (this.pos > this.end) throw new RangeError("field runs past its message");
  }
  text(): string {
    const r = this.sub();
    return utf8.decode(r.bytes.subarray(r.pos, r.end));
  }
}

function dimension(r: Reader): number | string | undefined {
  let dim: number | string | undefined;
  while (!r.done) {
    const key = r.varint();
    if (key === (1 << 3 | 0)) dim = r.varint();
    else if (key === (2 << 3 | 2)) dim = r.text();
    else r.skip(key & 7);
  }
  return dim;
}

function valueInfo(r: Reader): OnnxValueInfo {
  const v: OnnxValueInfo = { name: "", elemType: 0, dims: [] };
  while (!r.done) {
    const key = r.varint();
    if (key === (1 << 3 | 2)) v.name = r.text();
    else if (key === (2 << 3 | 2)) {
      const type = r.sub();
      while (!type.done) {
        const tk = type.varint();
        if (tk !== (1 << 3 | 2)) {
          type.skip(tk & 7);
          continue;
        }
        const tensor = type.sub();
        while (!tensor.done) {
          const k = tensor.varint();
          if (k === (1 << 3 | 0)) v.elemType = tensor.varint();
          else if (k === (2 << 3 | 2)) {
            const shape = tensor.sub();
            while (!shape.done) {
              const sk = shape.varint();
              if (sk === (1 << 3 | 2)) v.dims.push(dimension(shape.sub()));
              else shape.skip(sk & 7);
            }
          } else tensor.skip(k & 7);
        }
      }
    } else r.skip(key & 7);
  }
  return v;
}

/**
 * The main graph's inputs and outputs.
 *
 * @throws {RangeError} when the bytes are not a well-formed ONNX model with a graph
 */
export function onnxIo(bytes: Uint8Array): OnnxIo {
  const model = new Reader(bytes, 0, bytes.length);
  let graph: Reader | undefined;
  let irVersion = 0;
  while (!model.done) {
    const key = model.varint();
    if (key === (1 << 3 | 0)) irVersion = model.varint();
    else if (key === (7 << 3 | 2)) graph = model.sub();
    else model.skip(key & 7);
  }
  if (graph === undefined || irVersion === 0) throw new RangeError("no ONNX graph in the file");
  const io: OnnxIo = { inputs: [], outputs: [] };
  while (!graph.done) {
    const key = graph.varint();
    if (key === (11 << 3 | 2)) io.inputs.push(valueInfo(graph.sub()));
    else if (key === (12 << 3 | 2)) io.outputs.push(valueInfo(graph.sub()));
    else graph.skip(key & 7);
  }
  if (io.inputs.length === 0 || io.outputs.length === 0) throw new RangeError("the ONNX graph has no input or output");
  return io;
}
