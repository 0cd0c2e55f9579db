/**
 * Opens a capture file (pcap, pcapng, either gzip-compressed) as a {@link PacketSource}.
 *
 * @module
 */
import { ByteStream } from "./_byte_stream.ts";
import type { FrameHandler, PacketSource, SourceSummary } from "./packet_source.ts";
import { isPcapMagic, readPcap } from "./pcap_reader.ts";
import { PCAPNG_SHB, readPcapng } from "./pcapng_reader.ts";

/**
 * A file that cannot be opened or is not a capture, one wording for every cause:
 * `Cannot open capture: FILE: no such file` / `permission denied` / `not a pcap or pcapng file (magic 0x…)` / ….
 */
export class OpenCaptureError extends Error {
  override name = "OpenCaptureError";
  /** The file as given. */
  readonly file: string;
  constructor(file: string, reason: string) {
    super(`Cannot open capture: ${file}: ${reason}`);
    this.file = file;
  }
}

/** Capture file formats. */
export type CaptureFormat = "pcap" | "pcapng";

/** A pcap or pcapng file, gzip-compressed or not; read in constant memory. */
export class FileSource implements PacketSource {
  readonly name: string;
  /** Detected format, known after `run` started. */
  format: CaptureFormat | undefined;
  /** True when the file was gzip-compressed. */
  gzip = false;
  #bufferSize: number;

  #path: string | URL;

  /**
   * `bufferSize`: bytes read ahead at a time (default 1 MiB: larger chunks measured slower here, their fresh
   * pages fault in while the first packets wait; 512 KiB-2 MiB alike, 4 MiB ~2x later to the first packet).
   */
  constructor(path: string | URL, options: { bufferSize?: number } = {}) {
    this.#path = path;
    this.name = typeof path === "string" ? path : decodeURIComponent(path.pathname);
    this.#bufferSize = options.bufferSize ?? (1 << 20);
  }

  /**
   * Reads the whole file. Rejects only when the file cannot be opened or is not a capture. `signal` stops the read
   * (within 256 packets; at once while stdin, a pipe or a FIFO waits for its writer): the summary then covers what
   * was read, without an error for a record cut by the stop.
   */
  async run(onFrame: FrameHandler, signal?: AbortSignal): Promise<SourceSummary> {
    let s: ByteStream;
    try {
      s = await ByteStream.open(this.#path, this.#bufferSize, signal);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) throw new OpenCaptureError(this.name, "no such file");
      if (e instanceof Deno.errors.PermissionDenied) throw new OpenCaptureError(this.name, "permission denied");
      throw new OpenCaptureError(this.name, (e as Error).message);
    }
    try {
      this.gzip = s.gzip;
      return await readCapture(s, onFrame, { name: this.name, signal, onFormat: (f) => this.format = f });
    } finally {
      s.close();
    }
  }
}

/** Reads a capture from a byte stream, detecting the format from its magic. */
export async function readCapture(
  s: ByteStream,
  onFrame: FrameHandler,
  options: { name?: string; signal?: AbortSignal; onFormat?: (f: CaptureFormat) => void } = {},
): Promise<SourceSummary> {
  const name = options.name ?? "input";
  let ok: boolean;
  try {
    ok = await s.ensure(4);
  } catch (e) {
    throw new OpenCaptureError(name, (e as Error).message);
  }
  if (!ok) {
    if (s.stopped) return { packets: 0, bytes: 0 }; // stopped before the input's first bytes came
    if (s.streamError) throw new OpenCaptureError(name, `gzip data corrupt or truncated: ${s.streamError}`);
    throw new OpenCaptureError(name, "empty or shorter than 4 bytes");
  }
  const magic = s.view.getUint32(s.pos, true);
  let summary: SourceSummary | undefined;
  if (isPcapMagic(magic)) {
    options.onFormat?.("pcap");
    summary = await readPcap(s, onFrame, options.signal);
  } else if (magic === PCAPNG_SHB) {
    options.onFormat?.("pcapng");
    summary = await readPcapng(s, onFrame, options.signal);
  }
  if (summary !== undefined) {
    // stopped while the input waited for its writer: a record or gzip member cut there is not a defect of the input
    if (s.stopped) {
      delete summary.error;
      return summary;
    }
    if (s.warning !== undefined) summary.warning = `${name}: ${s.warning}`;
    if (summary.error && s.streamError) {
      summary.error.message += ` — ${s.gzip ? "gzip data" : "input"} ended early: ${s.streamError}`;
    } else if (!summary.error && s.streamError) {
      summary.error = {
        offset: s.offset,
        packets: summary.packets,
        message: `Cannot read capture: ${s.gzip ? "gzip data" : "input"} corrupt at byte ${s.offset}: ${s.streamError}`,
      };
    }
    return summary;
  }
  throw new OpenCaptureError(
    name,
    `not a pcap or pcapng file (magic 0x${magic.toString(16).padStart(8, "0")})${
      s.gzip ? " inside the gzip data" : ""
    }`,
  );
}
