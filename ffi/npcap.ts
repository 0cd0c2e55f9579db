/**
 * libpcap / Npcap through Deno FFI: the symbol table, library discovery per OS, the native struct
 * layouts (`pcap_pkthdr`, `pcap_if`, `sockaddr`), and the errors a user meets, each one line with the fix.
 *
 * Everything that depends on the OS is data or sits behind {@link NativePlatform}, so the Windows side is
 * unit-tested with fakes on Linux.
 *
 * @module
 */

import { linuxBufferSizeFor, type LinuxLink, probeLinuxLink } from "./pcap_ring.ts";

/** Size of every libpcap error buffer. */
export const PCAP_ERRBUF_SIZE = 256;

/** `PCAP_NETMASK_UNKNOWN`: netmask for `pcap_compile` when the interface has no IPv4 address. */
export const PCAP_NETMASK_UNKNOWN = 0xffffffff;

/** Return codes of `pcap_activate`, `pcap_next_ex`, … (pcap/pcap.h). */
export const PcapStatus = {
  WARNING: 1,
  WARNING_PROMISC_NOTSUP: 2,
  WARNING_TSTAMP_TYPE_NOTSUP: 3,
  ERROR: -1,
  BREAK: -2,
  NOT_ACTIVATED: -3,
  ACTIVATED: -4,
  NO_SUCH_DEVICE: -5,
  RFMON_NOTSUP: -6,
  NOT_RFMON: -7,
  PERM_DENIED: -8,
  IFACE_NOT_UP: -9,
  CANTSET_TSTAMP_TYPE: -10,
  PROMISC_PERM_DENIED: -11,
  TSTAMP_PRECISION_NOTSUP: -12,
  CAPTURE_NOTSUP: -13,
} as const;

/** `pcap_if.flags` bits (pcap/pcap.h). */
export const PcapIfFlag = {
  LOOPBACK: 0x1,
  UP: 0x2,
  RUNNING: 0x4,
  WIRELESS: 0x8,
  CONNECTION_STATUS: 0x30,
  CONNECTION_STATUS_UNKNOWN: 0x0,
  CONNECTION_STATUS_CONNECTED: 0x10,
  CONNECTION_STATUS_DISCONNECTED: 0x20,
  CONNECTION_STATUS_NOT_APPLICABLE: 0x30,
} as const;

/** `pcap_init` option: error strings and device names in UTF-8 (libpcap ≥ 1.10, Npcap). */
export const PCAP_CHAR_ENC_UTF_8 = 1;

/**
 * The one libpcap symbol table. Functions that only newer libpcap or Npcap have, or that Windows lacks,
 * are `optional` (then `null` on the loaded library).
 */
export const PCAP_SYMBOLS = {
  pcap_lib_version: { parameters: [], result: "pointer" },
  pcap_findalldevs: { parameters: ["buffer", "buffer"], result: "i32" },
  pcap_freealldevs: { parameters: ["pointer"], result: "void" },
  pcap_create: { parameters: ["buffer", "buffer"], result: "pointer" },
  pcap_set_snaplen: { parameters: ["pointer", "i32"], result: "i32" },
  pcap_set_promisc: { parameters: ["pointer", "i32"], result: "i32" },
  pcap_set_buffer_size: { parameters: ["pointer", "i32"], result: "i32" },
  pcap_set_timeout: { parameters: ["pointer", "i32"], result: "i32" },
  pcap_set_immediate_mode: { parameters: ["pointer", "i32"], result: "i32", optional: true },
  pcap_activate: { parameters: ["pointer"], result: "i32" },
  pcap_datalink: { parameters: ["pointer"], result: "i32" },
  pcap_compile: { parameters: ["pointer", "buffer", "buffer", "i32", "u32"], result: "i32" },
  pcap_setfilter: { parameters: ["pointer", "buffer"], result: "i32" },
  pcap_freecode: { parameters: ["buffer"], result: "void" },
  pcap_setnonblock: { parameters: ["pointer", "i32", "buffer"], result: "i32" },
  pcap_next_ex: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  pcap_dispatch: { parameters: ["pointer", "i32", "function", "pointer"], result: "i32" },
  pcap_stats: { parameters: ["pointer", "buffer"], result: "i32" },
  pcap_breakloop: { parameters: ["pointer"], result: "void" },
  pcap_geterr: { parameters: ["pointer"], result: "pointer" },
  pcap_close: { parameters: ["pointer"], result: "void" },
  pcap_open_dead: { parameters: ["i32", "i32"], result: "pointer" },
  pcap_open_offline: { parameters: ["buffer", "buffer"], result: "pointer" },
  pcap_statustostr: { parameters: ["i32"], result: "pointer", optional: true },
  pcap_get_selectable_fd: { parameters: ["pointer"], result: "i32", optional: true },
  pcap_init: { parameters: ["u32", "buffer"], result: "i32", optional: true },
} as const;

/**
 * libc on Linux and macOS. `poll` runs on Deno's blocking thread pool (`nonblocking`), so waiting for
 * packets never blocks the event loop.
 */
export const LIBC_SYMBOLS = {
  poll: { parameters: ["buffer", "usize", "i32"], result: "i32", nonblocking: true },
} as const;

/** kernel32 on Windows: keep Packet.dll resolving from the Npcap folder, never from the working directory. */
export const KERNEL32_SYMBOLS = {
  SetDllDirectoryW: { parameters: ["buffer"], result: "i32" },
} as const;

/** `POLLIN` and the error bits of `struct pollfd.revents`. */
export const Poll = { IN: 0x1, ERR: 0x8, HUP: 0x10, NVAL: 0x20 } as const;

/** The loaded libpcap symbols. */
export type PcapSymbols = Deno.DynamicLibrary<typeof PCAP_SYMBOLS>["symbols"];
/** The loaded libc symbols. */
export type LibcSymbols = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"];

/** An operating system as `Deno.build.os` names it. */
export type OsName = typeof Deno.build.os;

/** Reads environment variables; `Deno.env` and a `Map` both fit. */
export interface EnvReader {
  /** Value of `name`, or `undefined`. */
  get(name: string): string | undefined;
}

/* ------------------------------------------------------------------------------------------------ */
/* struct pcap_pkthdr                                                                               */
/* ------------------------------------------------------------------------------------------------ */

/** Byte layout of `struct pcap_pkthdr` (little-endian hosts). */
export interface PktHdrLayout {
  /** Size of the struct in bytes. */
  readonly size: number;
  /** Offset of `ts.tv_sec`. */
  readonly tvSecOffset: number;
  /** Width of `ts.tv_sec`: 8 (LP64 `long`) or 4 (Windows `long`). */
  readonly tvSecBytes: 4 | 8;
  /** Offset of `ts.tv_usec` (read as 32 bits: microseconds always fit). */
  readonly tvUsecOffset: number;
  /** Offset of `caplen`. */
  readonly caplenOffset: number;
  /** Offset of `len`. */
  readonly lenOffset: number;
}

/** 64-bit Linux and macOS: `timeval` is 16 bytes. */
export const PKTHDR_LP64: PktHdrLayout = Object.freeze({
  size: 24,
  tvSecOffset: 0,
  tvSecBytes: 8,
  tvUsecOffset: 8,
  caplenOffset: 16,
  lenOffset: 20,
});

/** Windows (LLP64): `timeval` has 32-bit longs. */
export const PKTHDR_WINDOWS: PktHdrLayout = Object.freeze({
  size: 16,
  tvSecOffset: 0,
  tvSecBytes: 4,
  tvUsecOffset: 4,
  caplenOffset: 8,
  lenOffset: 12,
});

/** The `pcap_pkthdr` layout used on `os`. */
export function pktHdrLayout(os: OsName): PktHdrLayout {
  return os === "windows" ? PKTHDR_WINDOWS : PKTHDR_LP64;
}

/** A decoded packet header. */
export interface PktHdr {
  /** Capture time in microseconds since the Unix epoch. */
  tsUs: number;
  /** Bytes captured. */
  caplen: number;
  /** Length on the wire. */
  len: number;
}

/**
 * Decodes a `pcap_pkthdr` from `words` (a `Uint32Array` over the struct) into `out`.
 * Allocation-free: this runs once per packet.
 */
export function readPktHdr(words: Uint32Array, layout: PktHdrLayout, out: PktHdr): PktHdr {
  const s = layout.tvSecOffset >> 2;
  let sec = words[s];
  if (layout.tvSecBytes === 8) sec += (words[s + 1] | 0) * 4294967296;
  else sec = sec | 0;
  out.tsUs = sec * 1_000_000 + (words[layout.tvUsecOffset >> 2] | 0);
  out.caplen = words[layout.caplenOffset >> 2];
  out.len = words[layout.lenOffset >> 2];
  return out;
}

/* ------------------------------------------------------------------------------------------------ */
/* struct sockaddr                                                                                  */
/* ------------------------------------------------------------------------------------------------ */

/** Where `sa_family` sits and how the address families are numbered. */
export interface SockaddrLayout {
  /** Offset of `sa_family`. */
  readonly familyOffset: number;
  /** Width of `sa_family`: 2 (Linux, Windows) or 1 (BSD/macOS, after `sa_len`). */
  readonly familyBytes: 1 | 2;
  /** `AF_INET`. */
  readonly afInet: number;
  /** `AF_INET6`: 10 on Linux, 23 on Windows, 30 on macOS. */
  readonly afInet6: number;
}

/** `sockaddr` layout on `os`. */
export function sockaddrLayout(os: OsName): SockaddrLayout {
  switch (os) {
    case "windows":
      return { familyOffset: 0, familyBytes: 2, afInet: 2, afInet6: 23 };
    case "darwin":
      return { familyOffset: 1, familyBytes: 1, afInet: 2, afInet6: 30 };
    case "freebsd":
    case "netbsd":
      return { familyOffset: 1, familyBytes: 1, afInet: 2, afInet6: 28 };
    default:
      return { familyOffset: 0, familyBytes: 2, afInet: 2, afInet6: 10 };
  }
}

/** An address taken from a `sockaddr`. */
export interface SockAddr {
  /** Address family. */
  family: "ipv4" | "ipv6";
  /** Text form: `10.0.0.1`, `fe80::1`. */
  address: string;
}

/** Bytes of a `sockaddr_in6`; a `sockaddr_in` is 16. */
export const SOCKADDR_IN6_SIZE = 28;

/** Decodes an IPv4/IPv6 `sockaddr` from its bytes; `null` for other families (link layer, …). */
export function decodeSockaddr(bytes: Uint8Array, layout: SockaddrLayout): SockAddr | null {
  if (bytes.length < layout.familyOffset + layout.familyBytes) return null;
  const family = layout.familyBytes === 1
    ? bytes[layout.familyOffset]
    : bytes[layout.familyOffset] | (bytes[layout.familyOffset + 1] << 8);
  if (family === layout.afInet && bytes.length >= 8) {
    return { family: "ipv4", address: formatIpv4(bytes.subarray(4, 8)) };
  }
  if (family === layout.afInet6 && bytes.length >= 24) {
    return { family: "ipv6", address: formatIpv6(bytes.subarray(8, 24)) };
  }
  return null;
}

/** Dotted-quad text of 4 bytes. */
export function formatIpv4(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** RFC 5952 text of 16 bytes: lower case, longest run (≥ 2) of zero groups shortened to `::`. */
export function formatIpv6(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i] << 8) | b[i + 1]);
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${formatIpv4(b.subarray(12, 16))}`;
  }
  let bestAt = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(":");
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

/* ------------------------------------------------------------------------------------------------ */
/* Platforms                                                                                        */
/* ------------------------------------------------------------------------------------------------ */

/** Everything about loading and reading libpcap that differs per OS. */
export interface NativePlatform {
  /** The OS this describes. */
  readonly os: OsName;
  /** `pcap_pkthdr` layout. */
  readonly pktHdr: PktHdrLayout;
  /** `sockaddr` layout. */
  readonly sockaddr: SockaddrLayout;
  /** libc holding `poll`, or `null` where the handle offers no selectable fd (Windows). */
  readonly libcPath: string | null;
  /** One-line install instruction for the capture library. */
  readonly installHint: string;
  /** One-line fix for "permission denied". */
  readonly permissionHint: string;
  /** Library names or paths to try, best first. */
  libraryCandidates(env: EnvReader): string[];
  /** Called once before the first `dlopen` (Windows: `SetDllDirectoryW`). */
  prepareLoader(env: EnvReader): void;
  /**
   * The `pcap_set_buffer_size` for a capture buffer of `bufferBytes`. Linux: the size whose ring libpcap really
   * maps is `bufferBytes` (ffi/pcap_ring.ts); elsewhere `bufferBytes` (Npcap's and BPF's buffer is that size).
   */
  captureBufferSize(bufferBytes: number, capture: BufferCapture): number;
}

/** The capture a buffer size is asked for. */
export interface BufferCapture {
  /** Interface name. */
  iface: string;
  /** `pcap_set_snaplen`. */
  snaplen: number;
  /** `pcap_set_immediate_mode(1)`. */
  immediate: boolean;
}

/** Environment variable that, when set, names the only libpcap to load. */
export const LIBPCAP_ENV = "IDS_LIBPCAP";

const LINUX_INSTALL_HINT = "install it: sudo apt-get install libpcap0.8 (Fedora/RHEL: sudo dnf install libpcap)";
const POSIX_PERMISSION_HINT =
  "run as root / Administrator, or grant CAP_NET_RAW: sudo setcap cap_net_raw,cap_net_admin=eip $(which ids)";

/**
 * The Linux (and other Unix) platform. `probeLink` reads what libpcap sizes its Linux ring by (tests pass a fake).
 */
export function posixPlatform(
  os: OsName = "linux",
  probeLink: (iface: string) => LinuxLink = probeLinuxLink,
): NativePlatform {
  const darwin = os === "darwin";
  return {
    os,
    pktHdr: PKTHDR_LP64,
    sockaddr: sockaddrLayout(os),
    libcPath: darwin ? "/usr/lib/libSystem.B.dylib" : os === "linux" ? "libc.so.6" : "libc.so",
    installHint: darwin
      ? "install it: xcode-select --install (or brew install libpcap)"
      : os === "linux"
      ? LINUX_INSTALL_HINT
      : "install it with your package manager (package: libpcap)",
    permissionHint: darwin
      ? "run with sudo, or give your user read access to /dev/bpf* (Wireshark's ChmodBPF)"
      : POSIX_PERMISSION_HINT,
    libraryCandidates(env) {
      return libraryCandidates(os, env);
    },
    prepareLoader() {},
    captureBufferSize(bufferBytes, capture) {
      if (os !== "linux") return bufferBytes;
      const link = probeLink(capture.iface);
      return linuxBufferSizeFor(bufferBytes, { snaplen: capture.snaplen, immediate: capture.immediate, link });
    },
  };
}

/** What the Windows platform needs from kernel32; faked in tests. */
export interface Kernel32 {
  /** `SetDllDirectoryW(path)`: `path` is a NUL-terminated UTF-16 string. Returns success. */
  setDllDirectory(pathUtf16z: Uint16Array): boolean;
}

/** `%SystemRoot%\System32\Npcap` (SystemRoot defaults to `C:\Windows`). */
export function npcapDirectory(env: EnvReader): string {
  const root = env.get("SystemRoot") ?? env.get("SYSTEMROOT") ?? env.get("windir") ?? "C:\\Windows";
  return `${root.replace(/[\\/]+$/, "")}\\System32\\Npcap`;
}

/** NUL-terminated UTF-16 of `text`, as the `…W` Windows APIs take it. */
export function utf16z(text: string): Uint16Array {
  const out = new Uint16Array(text.length + 1);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** The Windows platform, with kernel32 injected (tests pass a fake). */
export function windowsPlatform(kernel32: Kernel32): NativePlatform {
  let prepared = false;
  return {
    os: "windows",
    pktHdr: PKTHDR_WINDOWS,
    sockaddr: sockaddrLayout("windows"),
    libcPath: null,
    installHint: 'install Npcap from https://npcap.com with "WinPcap API-compatible mode"',
    permissionHint:
      'run as Administrator, or reinstall Npcap without "Restrict Npcap driver\'s access to Administrators only"',
    libraryCandidates(env) {
      return libraryCandidates("windows", env);
    },
    prepareLoader(env) {
      if (prepared) return;
      prepared = true;
      kernel32.setDllDirectory(utf16z(npcapDirectory(env)));
    },
    captureBufferSize(bufferBytes) {
      return bufferBytes;
    },
  };
}

/** kernel32 through FFI (only called on Windows). */
function realKernel32(): Kernel32 {
  return {
    setDllDirectory(path) {
      const k32 = Deno.dlopen("kernel32.dll", KERNEL32_SYMBOLS);
      try {
        return k32.symbols.SetDllDirectoryW(path) !== 0;
      } finally {
        k32.close();
      }
    },
  };
}

/** The platform for `os` (defaults to this machine's). */
export function platformFor(os: OsName = Deno.build.os): NativePlatform {
  return os === "windows" ? windowsPlatform(realKernel32()) : posixPlatform(os);
}

/**
 * Libraries to try on `os`, best first. `IDS_LIBPCAP` in `env` replaces the list.
 *
 * Linux: `libpcap.so.1`, `libpcap.so.0.8` (Debian/Ubuntu), `libpcap.so` (only with -dev packages).
 * macOS: `libpcap.dylib`. Windows: `%SystemRoot%\System32\Npcap\wpcap.dll`, then `wpcap.dll`.
 */
export function libraryCandidates(os: OsName, env: EnvReader): string[] {
  const forced = env.get(LIBPCAP_ENV);
  if (forced) return [forced];
  switch (os) {
    case "windows":
      return [`${npcapDirectory(env)}\\wpcap.dll`, "wpcap.dll"];
    case "darwin":
      return ["libpcap.dylib", "/usr/lib/libpcap.A.dylib"];
    case "linux":
      return ["libpcap.so.1", "libpcap.so.0.8", "libpcap.so"];
    default:
      return ["libpcap.so", "libpcap.so.1"];
  }
}

/* ------------------------------------------------------------------------------------------------ */
/* Errors                                                                                           */
/* ------------------------------------------------------------------------------------------------ */

/** Base of every capture error. `message` is one line ending with the fix. */
export class PcapError extends Error {
  /** libpcap status code, when there is one. */
  readonly status: number | undefined;
  /** Creates the error. */
  constructor(message: string, status?: number) {
    super(message);
    this.name = "PcapError";
    this.status = status;
  }
}

/** libpcap/Npcap is not installed (or could not be loaded). */
export class LibraryNotFoundError extends PcapError {
  /** Libraries tried. */
  readonly tried: readonly string[];
  /** Creates the error. */
  constructor(tried: readonly string[], installHint: string, reason?: string) {
    super(
      reason
        ? `Cannot load libpcap: ${reason} — ${installHint}`
        : `Cannot load libpcap: ${tried.join(", ")} not found — ${installHint}`,
    );
    this.name = "LibraryNotFoundError";
    this.tried = tried;
  }
}

/** Opening an interface was refused: not root and no CAP_NET_RAW. */
export class CapturePermissionError extends PcapError {
  /** Creates the error. */
  constructor(iface: string, permissionHint: string, status: number = PcapStatus.PERM_DENIED) {
    super(`Cannot open interface ${iface}: permission denied — ${permissionHint}`, status);
    this.name = "CapturePermissionError";
  }
}

/** The interface does not exist. */
export class UnknownInterfaceError extends PcapError {
  /** The name asked for. */
  readonly iface: string;
  /** Names that would work. */
  readonly valid: readonly string[];
  /** Creates the error. */
  constructor(iface: string, valid: readonly string[]) {
    super(
      `Cannot open interface ${iface}: no such device — use one of: ${
        valid.length ? valid.join(", ") : "(no capture devices found)"
      } (see: ids interfaces)`,
      PcapStatus.NO_SUCH_DEVICE,
    );
    this.name = "UnknownInterfaceError";
    this.iface = iface;
    this.valid = valid;
  }
}

/** A BPF filter that libpcap rejected; `message` holds libpcap's own reason. */
export class FilterError extends PcapError {
  /** The filter expression. */
  readonly filter: string;
  /** libpcap's message (`pcap_geterr`). */
  readonly reason: string;
  /** Creates the error. */
  constructor(filter: string, reason: string) {
    super(`Cannot compile BPF filter "${filter}": ${reason} — fix the --filter expression (see man pcap-filter)`);
    this.name = "FilterError";
    this.filter = filter;
    this.reason = reason;
  }
}

/** The interface is down or went down during capture; live capture retries it with back-off. */
export class InterfaceDownError extends PcapError {
  /** The interface. */
  readonly iface: string;
  /** Creates the error. */
  constructor(iface: string, reason: string, status: number = PcapStatus.IFACE_NOT_UP) {
    super(`Cannot capture on ${iface}: ${reason} — bring it up (e.g. sudo ip link set ${iface} up)`, status);
    this.name = "InterfaceDownError";
    this.iface = iface;
  }
}

/** Does libpcap's message say the interface went down or vanished? */
export function isInterfaceDownMessage(message: string): boolean {
  return /went down|disappeared|is not up|no longer (exists|available)|ENETDOWN|ENXIO|ENODEV|network is down|No such device/i
    .test(message);
}

/** Any other libpcap failure: `Cannot <action>: <libpcap message>`. */
export class CaptureError extends PcapError {
  /** Creates the error. */
  constructor(action: string, reason: string, status?: number) {
    super(`Cannot ${action}: ${reason}`, status);
    this.name = "CaptureError";
  }
}

/* ------------------------------------------------------------------------------------------------ */
/* Loading                                                                                          */
/* ------------------------------------------------------------------------------------------------ */

/** How to find libpcap. */
export interface LoadOptions {
  /** Load exactly this library (tests use a bogus path to get the "missing library" error). */
  libraryPath?: string;
  /** Platform (tests inject one); defaults to this machine's. */
  platform?: NativePlatform;
  /** Environment; defaults to `Deno.env`. */
  env?: EnvReader;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** NUL-terminated UTF-8 bytes of `text`. */
export function cString(text: string): Uint8Array {
  const bytes = new Uint8Array(encoder.encode(text).length + 1);
  encoder.encodeInto(text, bytes);
  return bytes;
}

/** Text of a NUL-terminated error buffer (`PCAP_ERRBUF_SIZE`); trailing newline removed. */
export function decodeErrbuf(buf: Uint8Array): string {
  let end = buf.indexOf(0);
  if (end < 0) end = buf.length;
  return decoder.decode(buf.subarray(0, end)).trim();
}

/** Text of a C string pointer, `""` for NULL. */
export function readCString(ptr: Deno.PointerValue): string {
  return ptr === null ? "" : new Deno.UnsafePointerView(ptr).getCString();
}

function isNotFound(message: string): boolean {
  return /no such file|cannot open shared object|not found|image not found|cannot find|os error 126|error 2\b/i
    .test(message);
}

/** A loaded libpcap with the platform it was loaded for. */
export class PcapLibrary {
  /** The library that loaded. */
  readonly path: string;
  /** The platform. */
  readonly platform: NativePlatform;
  /** The raw symbols. */
  readonly symbols: PcapSymbols;
  /** libc `poll` (`null` on Windows). */
  readonly libc: LibcSymbols | null;
  #lib: Deno.DynamicLibrary<typeof PCAP_SYMBOLS>;
  #errbuf = new Uint8Array(PCAP_ERRBUF_SIZE);

  private constructor(
    path: string,
    lib: Deno.DynamicLibrary<typeof PCAP_SYMBOLS>,
    platform: NativePlatform,
    libc: LibcSymbols | null,
  ) {
    this.path = path;
    this.#lib = lib;
    this.symbols = lib.symbols;
    this.platform = platform;
    this.libc = libc;
    if (this.symbols.pcap_init) this.symbols.pcap_init(PCAP_CHAR_ENC_UTF_8, this.#errbuf);
  }

  /**
   * Loads libpcap: `options.libraryPath`, else each of the platform's candidates in turn.
   * Throws {@link LibraryNotFoundError} with the install hint when none loads.
   */
  static load(options: LoadOptions = {}): PcapLibrary {
    const platform = options.platform ?? platformFor();
    const env = options.env ?? Deno.env;
    const tried = options.libraryPath ? [options.libraryPath] : platform.libraryCandidates(env);
    platform.prepareLoader(env);
    let other: string | undefined;
    for (const path of tried) {
      let lib: Deno.DynamicLibrary<typeof PCAP_SYMBOLS>;
      try {
        lib = Deno.dlopen(path, PCAP_SYMBOLS);
      } catch (e) {
        if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
          throw new PcapError(`Cannot load libpcap: FFI permission missing — run with --allow-ffi`);
        }
        // Deno says "Could not open library: Could not open library: PATH: reason": keep the reason once
        let message = e instanceof Error ? e.message.split("\n")[0] : String(e);
        message = message.replace(/^(Could not open library: )+/, "");
        if (message.startsWith(`${path}: `)) message = message.slice(path.length + 2);
        if (!isNotFound(message)) other ??= `${path}: ${message}`;
        continue;
      }
      let libc: LibcSymbols | null = null;
      if (platform.libcPath) {
        try {
          libc = Deno.dlopen(platform.libcPath, LIBC_SYMBOLS).symbols;
        } catch {
          libc = null;
        }
      }
      return new PcapLibrary(path, lib, platform, libc);
    }
    // a file the user named exists but is no library (/etc/passwd): installing libpcap is not the fix
    const hint = options.libraryPath && other !== undefined
      ? "--pcap-library must name the libpcap shared library (e.g. libpcap.so.1 / libpcap.so.0.8, wpcap.dll), " +
        "or leave it out to search the usual places"
      : platform.installHint;
    throw new LibraryNotFoundError(tried, hint, other);
  }

  /** `pcap_lib_version()`, e.g. `libpcap version 1.10.3 (with TPACKET_V3)`. */
  get version(): string {
    return readCString(this.symbols.pcap_lib_version());
  }

  /** Text for a status code (`pcap_statustostr`). */
  statusText(status: number): string {
    const fn = this.symbols.pcap_statustostr;
    return fn ? readCString(fn(status)) : `libpcap status ${status}`;
  }

  /** All capture devices (`pcap_findalldevs`), in libpcap's order. */
  findAllDevs(): PcapDevice[] {
    const out = new BigUint64Array(1);
    const errbuf = new Uint8Array(PCAP_ERRBUF_SIZE);
    if (this.symbols.pcap_findalldevs(out, errbuf) !== 0) {
      throw new CaptureError("list capture interfaces", decodeErrbuf(errbuf) || "pcap_findalldevs failed");
    }
    const head = Deno.UnsafePointer.create(out[0]);
    if (head === null) return [];
    try {
      return walkPcapIf(head, this.platform.sockaddr);
    } finally {
      this.symbols.pcap_freealldevs(head);
    }
  }

  /** Closes the library (only for tests: handles must be closed first). */
  close(): void {
    this.#lib.close();
  }
}

const cache = new Map<string, PcapLibrary>();

/** Loads libpcap once per `libraryPath` (see {@link PcapLibrary.load}). */
export function loadPcap(options: LoadOptions = {}): PcapLibrary {
  if (options.platform || options.env) return PcapLibrary.load(options);
  const key = options.libraryPath ?? "";
  let lib = cache.get(key);
  if (!lib) {
    lib = PcapLibrary.load(options);
    cache.set(key, lib);
  }
  return lib;
}

/* ------------------------------------------------------------------------------------------------ */
/* pcap_if                                                                                          */
/* ------------------------------------------------------------------------------------------------ */

/** Offsets in `struct pcap_if` (64-bit, every OS). */
export const PCAP_IF = { next: 0, name: 8, description: 16, addresses: 24, flags: 32 } as const;
/** Offsets in `struct pcap_addr` (64-bit, every OS). */
export const PCAP_ADDR = { next: 0, addr: 8, netmask: 16, broadaddr: 24, dstaddr: 32 } as const;

/** One address of a device. */
export interface PcapAddress extends SockAddr {
  /** Netmask text, when libpcap gives one. */
  netmask?: string;
}

/** One entry of `pcap_findalldevs`. */
export interface PcapDevice {
  /** Name to open. */
  name: string;
  /** Human description (Windows: adapter name), `""` if none. */
  description: string;
  /** IPv4/IPv6 addresses. */
  addresses: PcapAddress[];
  /** Raw `PCAP_IF_*` flags. */
  flags: number;
}

function sockaddrAt(ptr: Deno.PointerValue, layout: SockaddrLayout): SockAddr | null {
  if (ptr === null) return null;
  const bytes = new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(ptr, SOCKADDR_IN6_SIZE));
  // Copy: the view must not outlive pcap_freealldevs.
  return decodeSockaddr(bytes.slice(), layout);
}

/** Walks a `pcap_if` list (does not free it). */
export function walkPcapIf(head: Deno.PointerObject, layout: SockaddrLayout): PcapDevice[] {
  const devices: PcapDevice[] = [];
  for (let p: Deno.PointerValue = head; p !== null;) {
    const v: Deno.UnsafePointerView = new Deno.UnsafePointerView(p);
    const addresses: PcapAddress[] = [];
    for (let a = v.getPointer(PCAP_IF.addresses); a !== null;) {
      const av: Deno.UnsafePointerView = new Deno.UnsafePointerView(a);
      const addr = sockaddrAt(av.getPointer(PCAP_ADDR.addr), layout);
      if (addr) {
        const mask = sockaddrAt(av.getPointer(PCAP_ADDR.netmask), layout);
        addresses.push(mask && mask.family === addr.family ? { ...addr, netmask: mask.address } : addr);
      }
      a = av.getPointer(PCAP_ADDR.next);
    }
    devices.push({
      name: readCString(v.getPointer(PCAP_IF.name)),
      description: readCString(v.getPointer(PCAP_IF.description)),
      addresses,
      flags: v.getUint32(PCAP_IF.flags),
    });
    p = v.getPointer(PCAP_IF.next);
  }
  return devices;
}

/* ------------------------------------------------------------------------------------------------ */
/* Handles                                                                                          */
/* ------------------------------------------------------------------------------------------------ */

/** Counters from `pcap_stats`. */
export interface PcapStats {
  /** Packets received (`ps_recv`). */
  received: number;
  /** Dropped for lack of buffer space (`ps_drop`). */
  droppedKernel: number;
  /** Dropped by the interface or driver (`ps_ifdrop`). */
  droppedIface: number;
}

/** Settings for {@link PcapHandle.openLive}. */
export interface OpenLiveOptions {
  /** Bytes kept per packet. Default 2048. */
  snaplen?: number;
  /**
   * Kernel buffer bytes: on Linux the size of the ring libpcap maps (within one block), whatever the snaplen.
   * Default 32 MiB.
   */
  bufferSize?: number;
  /** Promiscuous mode. Default true. */
  promisc?: boolean;
  /** Deliver packets at once instead of in blocks. Default true. */
  immediate?: boolean;
  /** Read timeout (block retire time when not immediate), ms. Default 100. */
  timeoutMs?: number;
  /** BPF filter expression. */
  filter?: string;
  /** Non-blocking handle. Default true. */
  nonblocking?: boolean;
}

/** Where a packet's header and data are, after {@link PcapHandle.next}. */
export interface PacketRef extends PktHdr {
  /** The packet bytes (valid until the next call on the handle). */
  data: Deno.PointerValue;
}

/** An open `pcap_t`: live, dead (for compiling filters) or offline. */
export class PcapHandle {
  /** The library. */
  readonly lib: PcapLibrary;
  /** Interface name, file name, or `dead`. */
  readonly name: string;
  #p: Deno.PointerObject | null;
  #hdrOut = new BigUint64Array(1);
  #dataOut = new BigUint64Array(1);
  #hdrAddr = 0n;
  #hdrView: Uint32Array = new Uint32Array(6);
  #statBuf = new Uint32Array(8);
  #layout: PktHdrLayout;
  #breakRequested = false;

  private constructor(lib: PcapLibrary, p: Deno.PointerObject, name: string) {
    this.lib = lib;
    this.#p = p;
    this.name = name;
    this.#layout = lib.platform.pktHdr;
  }

  /**
   * Creates, configures and activates a live handle, then applies the filter.
   * Throws {@link UnknownInterfaceError}, {@link CapturePermissionError}, {@link InterfaceDownError},
   * {@link FilterError} or {@link CaptureError}.
   */
  static openLive(lib: PcapLibrary, iface: string, options: OpenLiveOptions = {}): PcapHandle {
    const s = lib.symbols;
    const errbuf = new Uint8Array(PCAP_ERRBUF_SIZE);
    const p = s.pcap_create(cString(iface), errbuf);
    if (p === null) {
      const msg = decodeErrbuf(errbuf);
      if (/no such device|doesn't exist|not exist/i.test(msg)) throw unknownInterface(lib, iface);
      throw new CaptureError(`open interface ${iface}`, msg || "pcap_create failed");
    }
    const h = new PcapHandle(lib, p, iface);
    try {
      const snaplen = options.snaplen ?? 2048;
      const immediate = (options.immediate ?? true) && s.pcap_set_immediate_mode !== undefined;
      h.#check(s.pcap_set_snaplen(p, snaplen), "set snaplen");
      h.#check(s.pcap_set_promisc(p, (options.promisc ?? true) ? 1 : 0), "set promiscuous mode");
      h.#check(s.pcap_set_timeout(p, options.timeoutMs ?? 100), "set read timeout");
      const bufferSize = lib.platform.captureBufferSize(options.bufferSize ?? 32 * 1024 * 1024, {
        iface,
        snaplen,
        immediate,
      });
      h.#check(s.pcap_set_buffer_size(p, bufferSize), "set buffer size");
      if (immediate && s.pcap_set_immediate_mode) {
        h.#check(s.pcap_set_immediate_mode(p, 1), "set immediate mode");
      }
      const status = s.pcap_activate(p);
      if (status < 0) throw h.#activateError(status);
      if (options.filter !== undefined && options.filter !== "") h.setFilter(options.filter);
      if (options.nonblocking ?? true) {
        if (s.pcap_setnonblock(p, 1, errbuf) < 0) {
          throw new CaptureError(`set ${iface} non-blocking`, decodeErrbuf(errbuf));
        }
      }
    } catch (e) {
      h.close();
      throw e;
    }
    return h;
  }

  /** A handle with no device, for compiling filters (`pcap_open_dead`). */
  static openDead(lib: PcapLibrary, linkType = 1, snaplen = 65535): PcapHandle {
    const p = lib.symbols.pcap_open_dead(linkType, snaplen);
    if (p === null) throw new CaptureError("create a dead pcap handle", "pcap_open_dead returned NULL");
    return new PcapHandle(lib, p, "dead");
  }

  /** Opens a capture file (`pcap_open_offline`); used by benchmarks and tests. */
  static openOffline(lib: PcapLibrary, path: string): PcapHandle {
    const errbuf = new Uint8Array(PCAP_ERRBUF_SIZE);
    const p = lib.symbols.pcap_open_offline(cString(path), errbuf);
    if (p === null) throw new CaptureError(`open ${path}`, decodeErrbuf(errbuf));
    return new PcapHandle(lib, p, path);
  }

  #check(status: number, action: string): void {
    if (status !== 0) throw new CaptureError(`${action} on ${this.name}`, this.lib.statusText(status), status);
  }

  #activateError(status: number): PcapError {
    const detail = this.lastError() || this.lib.statusText(status);
    switch (status) {
      case PcapStatus.NO_SUCH_DEVICE:
        return unknownInterface(this.lib, this.name);
      case PcapStatus.PERM_DENIED:
      case PcapStatus.PROMISC_PERM_DENIED:
        return new CapturePermissionError(this.name, this.lib.platform.permissionHint, status);
      case PcapStatus.IFACE_NOT_UP:
        return new InterfaceDownError(this.name, "the interface is not up", status);
      default:
        if (/permission|not permitted|access is denied/i.test(detail)) {
          return new CapturePermissionError(this.name, this.lib.platform.permissionHint, status);
        }
        return new CaptureError(`open interface ${this.name}`, detail, status);
    }
  }

  /** The raw `pcap_t *`; throws once closed. */
  get pointer(): Deno.PointerObject {
    if (this.#p === null) throw new CaptureError(`use ${this.name}`, "the handle is closed");
    return this.#p;
  }

  /** Has {@link close} run? */
  get closed(): boolean {
    return this.#p === null;
  }

  /** LINKTYPE/DLT of the handle (`pcap_datalink`). */
  get linkType(): number {
    return this.lib.symbols.pcap_datalink(this.pointer);
  }

  /** fd to `poll()` for readability, or -1 (Windows, or no support). */
  get selectableFd(): number {
    const fn = this.lib.symbols.pcap_get_selectable_fd;
    return fn ? fn(this.pointer) : -1;
  }

  /** `pcap_geterr` text. */
  lastError(): string {
    return this.#p === null ? "" : readCString(this.lib.symbols.pcap_geterr(this.#p)).trim();
  }

  /** Compiles and installs a BPF filter; throws {@link FilterError} with libpcap's message. */
  setFilter(expression: string): void {
    const s = this.lib.symbols;
    const prog = new BigUint64Array(2); // struct bpf_program { u_int bf_len; struct bpf_insn *bf_insns; }
    if (s.pcap_compile(this.pointer, prog, cString(expression), 1, PCAP_NETMASK_UNKNOWN) < 0) {
      throw new FilterError(expression, this.lastError() || "pcap_compile failed");
    }
    try {
      if (s.pcap_setfilter(this.pointer, prog) < 0) {
        throw new CaptureError(`install BPF filter "${expression}"`, this.lastError());
      }
    } finally {
      s.pcap_freecode(prog);
    }
  }

  /** Compiles a filter without installing it (on a dead handle: no privileges needed). */
  compileOnly(expression: string): void {
    const s = this.lib.symbols;
    const prog = new BigUint64Array(2);
    if (s.pcap_compile(this.pointer, prog, cString(expression), 1, PCAP_NETMASK_UNKNOWN) < 0) {
      throw new FilterError(expression, this.lastError() || "pcap_compile failed");
    }
    s.pcap_freecode(prog);
  }

  /**
   * Reads the next packet (`pcap_next_ex`) into `out`: 1 = a packet, 0 = none ready (non-blocking / timeout),
   * -1 = error ({@link lastError}), -2 = end of file or break. `out.data` is valid until the next call.
   */
  next(out: PacketRef): number {
    const status = this.lib.symbols.pcap_next_ex(this.pointer, this.#hdrOut, this.#dataOut);
    if (status !== 1) return status;
    const addr = this.#hdrOut[0];
    if (addr !== this.#hdrAddr) {
      // libpcap keeps the header at one address per handle; view it once, re-view only if it moves.
      this.#hdrAddr = addr;
      this.#hdrView = new Uint32Array(
        Deno.UnsafePointerView.getArrayBuffer(Deno.UnsafePointer.create(addr)!, this.#layout.size),
      );
    }
    readPktHdr(this.#hdrView, this.#layout, out);
    out.data = Deno.UnsafePointer.create(this.#dataOut[0]);
    return 1;
  }

  /** Counters (`pcap_stats`). */
  stats(): PcapStats {
    if (this.lib.symbols.pcap_stats(this.pointer, this.#statBuf) !== 0) {
      throw new CaptureError(`read statistics of ${this.name}`, this.lastError());
    }
    return { received: this.#statBuf[0], droppedKernel: this.#statBuf[1], droppedIface: this.#statBuf[2] };
  }

  /** `pcap_breakloop` (no-op once closed). */
  breakLoop(): void {
    if (this.#p !== null && !this.#breakRequested) {
      this.#breakRequested = true;
      this.lib.symbols.pcap_breakloop(this.#p);
    }
  }

  /** Closes the handle; closing twice is safe. */
  close(): void {
    const p = this.#p;
    if (p === null) return;
    this.#p = null;
    this.lib.symbols.pcap_close(p);
  }
}

function unknownInterface(lib: PcapLibrary, iface: string): UnknownInterfaceError {
  let valid: string[] = [];
  try {
    const devices = lib.findAllDevs();
    const up = devices.filter((d) => d.flags & PcapIfFlag.UP);
    valid = (up.length ? up : devices).map((d) => d.name);
  } catch {
    // listing failed too: report without names
  }
  return new UnknownInterfaceError(iface, valid);
}
