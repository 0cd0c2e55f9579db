import assert from "node:assert/strict";
import {
  CapturePermissionError,
  decodeErrbuf,
  decodeSockaddr,
  FilterError,
  formatIpv4,
  formatIpv6,
  InterfaceDownError,
  isInterfaceDownMessage,
  type Kernel32,
  LIBPCAP_ENV,
  libraryCandidates,
  LibraryNotFoundError,
  loadPcap,
  npcapDirectory,
  PCAP_ADDR,
  PCAP_ERRBUF_SIZE,
  PCAP_IF,
  PCAP_SYMBOLS,
  PcapHandle,
  PcapIfFlag,
  PcapLibrary,
  PKTHDR_LP64,
  PKTHDR_WINDOWS,
  pktHdrLayout,
  platformFor,
  posixPlatform,
  readPktHdr,
  sockaddrLayout,
  UnknownInterfaceError,
  utf16z,
  walkPcapIf,
  windowsPlatform,
} from "./npcap.ts";
import { ignoreUnless, prereq } from "../testing/prereq.ts";

const env = (vars: Record<string, string> = {}) => new Map(Object.entries(vars));

/* ---------------------------------------------------------------- library candidates and platforms */

Deno.test("libraryCandidates: Linux tries libpcap.so.1, libpcap.so.0.8, libpcap.so in order", () => {
  assert.deepEqual(libraryCandidates("linux", env()), ["libpcap.so.1", "libpcap.so.0.8", "libpcap.so"]);
});

Deno.test("libraryCandidates: macOS tries libpcap.dylib first", () => {
  assert.equal(libraryCandidates("darwin", env())[0], "libpcap.dylib");
});

Deno.test("libraryCandidates: Windows prefers the absolute Npcap path from SystemRoot", () => {
  assert.deepEqual(libraryCandidates("windows", env({ SystemRoot: "D:\\WINNT" })), [
    "D:\\WINNT\\System32\\Npcap\\wpcap.dll",
    "wpcap.dll",
  ]);
  assert.equal(libraryCandidates("windows", env())[0], "C:\\Windows\\System32\\Npcap\\wpcap.dll");
});

Deno.test("libraryCandidates: IDS_LIBPCAP replaces the list", () => {
  assert.deepEqual(libraryCandidates("linux", env({ [LIBPCAP_ENV]: "/opt/pcap/libpcap.so" })), [
    "/opt/pcap/libpcap.so",
  ]);
});

Deno.test("npcapDirectory: from SystemRoot, SYSTEMROOT or windir; trailing separators dropped", () => {
  assert.equal(npcapDirectory(env({ SystemRoot: "C:\\Windows\\" })), "C:\\Windows\\System32\\Npcap");
  assert.equal(npcapDirectory(env({ SYSTEMROOT: "E:\\Win" })), "E:\\Win\\System32\\Npcap");
  assert.equal(npcapDirectory(env({ windir: "F:\\W" })), "F:\\W\\System32\\Npcap");
  assert.equal(npcapDirectory(env()), "C:\\Windows\\System32\\Npcap");
});

Deno.test("utf16z: UTF-16 code units plus a NUL, as SetDllDirectoryW takes them", () => {
  assert.deepEqual([...utf16z("C:\\É")], [0x43, 0x3a, 0x5c, 0xc9, 0]);
  assert.deepEqual([...utf16z("")], [0]);
});

Deno.test("windowsPlatform: prepareLoader calls SetDllDirectoryW once with the Npcap folder", () => {
  const calls: string[] = [];
  const fake: Kernel32 = {
    setDllDirectory(path) {
      assert.equal(path[path.length - 1], 0, "NUL-terminated");
      calls.push(String.fromCharCode(...path.subarray(0, path.length - 1)));
      return true;
    },
  };
  const win = windowsPlatform(fake);
  win.prepareLoader(env({ SystemRoot: "C:\\Windows" }));
  win.prepareLoader(env({ SystemRoot: "C:\\Windows" }));
  assert.deepEqual(calls, ["C:\\Windows\\System32\\Npcap"]);
  assert.equal(win.libcPath, null);
  assert.equal(win.pktHdr, PKTHDR_WINDOWS);
  assert.equal(win.sockaddr.afInet6, 23);
  assert.match(win.installHint, /install Npcap from https:\/\/npcap\.com with "WinPcap API-compatible mode"/);
  assert.deepEqual(win.libraryCandidates(env()), libraryCandidates("windows", env()));
});

Deno.test("posixPlatform: the Linux twin needs no loader preparation and uses libc poll", () => {
  const linux = posixPlatform("linux");
  linux.prepareLoader(env());
  assert.equal(linux.libcPath, "libc.so.6");
  assert.equal(linux.pktHdr, PKTHDR_LP64);
  assert.equal(linux.sockaddr.afInet6, 10);
  assert.match(linux.installHint, /sudo apt-get install libpcap0\.8/);
  assert.match(linux.permissionHint, /sudo setcap cap_net_raw,cap_net_admin=eip \$\(which ids\)/);
  assert.equal(posixPlatform("darwin").sockaddr.afInet6, 30);
  assert.equal(platformFor("linux").os, "linux");
});

Deno.test("PCAP_SYMBOLS: functions newer libpcap or Npcap add are optional", () => {
  const optional = Object.entries(PCAP_SYMBOLS).filter(([, d]) => "optional" in d && d.optional).map(([n]) => n);
  assert.deepEqual(optional.sort(), [
    "pcap_get_selectable_fd",
    "pcap_init",
    "pcap_set_immediate_mode",
    "pcap_statustostr",
  ]);
});

/* ---------------------------------------------------------------- pcap_pkthdr */

Deno.test("pktHdrLayout: 64-bit Linux/mac caplen at 16, len at 20; Windows caplen at 8, len at 12", () => {
  assert.deepEqual([pktHdrLayout("linux").caplenOffset, pktHdrLayout("linux").lenOffset], [16, 20]);
  assert.deepEqual([pktHdrLayout("darwin").caplenOffset, pktHdrLayout("darwin").lenOffset], [16, 20]);
  const w = pktHdrLayout("windows");
  assert.deepEqual([w.tvUsecOffset, w.caplenOffset, w.lenOffset, w.size], [4, 8, 12, 16]);
});

Deno.test("readPktHdr: hand-built 64-bit header", () => {
  const b = new ArrayBuffer(24);
  const dv = new DataView(b);
  dv.setBigInt64(0, 1_795_000_000n, true); // tv_sec
  dv.setBigInt64(8, 123_456n, true); // tv_usec
  dv.setUint32(16, 60, true);
  dv.setUint32(20, 1514, true);
  const h = readPktHdr(new Uint32Array(b), PKTHDR_LP64, { tsUs: 0, caplen: 0, len: 0 });
  assert.deepEqual(h, { tsUs: 1_795_000_000_123_456, caplen: 60, len: 1514 });
});

Deno.test("readPktHdr: tv_sec beyond 2^32 (year 2106+) on 64-bit", () => {
  const b = new ArrayBuffer(24);
  const dv = new DataView(b);
  dv.setBigInt64(0, 5_000_000_000n, true);
  dv.setUint32(8, 7, true);
  const h = readPktHdr(new Uint32Array(b), PKTHDR_LP64, { tsUs: 0, caplen: 0, len: 0 });
  assert.equal(h.tsUs, 5_000_000_000_000_007);
});

Deno.test("readPktHdr: hand-built Windows header (32-bit longs)", () => {
  const b = new ArrayBuffer(16);
  const dv = new DataView(b);
  dv.setInt32(0, 1_700_000_000, true);
  dv.setInt32(4, 999_999, true);
  dv.setUint32(8, 96, true);
  dv.setUint32(12, 98, true);
  const h = readPktHdr(new Uint32Array(b), PKTHDR_WINDOWS, { tsUs: 0, caplen: 0, len: 0 });
  assert.deepEqual(h, { tsUs: 1_700_000_000_999_999, caplen: 96, len: 98 });
});

/* ---------------------------------------------------------------- sockaddr */

function sockaddrIn(layout: ReturnType<typeof sockaddrLayout>, family: number, addr: number[]): Uint8Array {
  const b = new Uint8Array(28);
  if (layout.familyBytes === 1) {
    b[0] = addr.length === 4 ? 16 : 28; // sa_len
    b[1] = family;
  } else {
    b[0] = family & 0xff;
    b[1] = family >> 8;
  }
  b.set(addr, addr.length === 4 ? 4 : 8);
  return b;
}

const V6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

Deno.test("decodeSockaddr: IPv4 and IPv6 on Linux (AF_INET6 = 10)", () => {
  const l = sockaddrLayout("linux");
  assert.deepEqual(decodeSockaddr(sockaddrIn(l, 2, [10, 78, 0, 1]), l), { family: "ipv4", address: "10.78.0.1" });
  assert.deepEqual(decodeSockaddr(sockaddrIn(l, 10, V6), l), { family: "ipv6", address: "2001:db8::1" });
  assert.equal(decodeSockaddr(sockaddrIn(l, 17, [1, 2, 3, 4]), l), null, "AF_PACKET is skipped");
  assert.equal(decodeSockaddr(sockaddrIn(l, 23, V6), l), null, "23 is not AF_INET6 on Linux");
});

Deno.test("decodeSockaddr: Windows AF_INET6 = 23", () => {
  const w = sockaddrLayout("windows");
  assert.deepEqual(decodeSockaddr(sockaddrIn(w, 23, V6), w), { family: "ipv6", address: "2001:db8::1" });
  assert.deepEqual(decodeSockaddr(sockaddrIn(w, 2, [192, 168, 1, 9]), w), {
    family: "ipv4",
    address: "192.168.1.9",
  });
});

Deno.test("decodeSockaddr: macOS sa_len + 1-byte family, AF_INET6 = 30", () => {
  const m = sockaddrLayout("darwin");
  assert.deepEqual(decodeSockaddr(sockaddrIn(m, 30, V6), m), { family: "ipv6", address: "2001:db8::1" });
  assert.deepEqual(decodeSockaddr(sockaddrIn(m, 2, [127, 0, 0, 1]), m), { family: "ipv4", address: "127.0.0.1" });
});

Deno.test("formatIpv6: RFC 5952 text", () => {
  const v6 = (s: number[]) => formatIpv6(new Uint8Array(s.flatMap((g) => [g >> 8, g & 0xff])));
  assert.equal(v6([0, 0, 0, 0, 0, 0, 0, 1]), "::1");
  assert.equal(v6([0, 0, 0, 0, 0, 0, 0, 0]), "::");
  assert.equal(v6([0xfe80, 0, 0, 0, 0x00fc, 0x00ff, 0xfe00, 1]), "fe80::fc:ff:fe00:1");
  assert.equal(v6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]), "2001:db8::1:0:0:1", "first of equal runs");
  assert.equal(v6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]), "2001:db8:0:1:1:1:1:1", "one zero group stays");
  assert.equal(v6([0x2001, 0, 0, 1, 0, 0, 0, 1]), "2001:0:0:1::1", "longest run wins");
  assert.equal(v6([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]), "::ffff:1.2.3.4");
  assert.equal(formatIpv4(new Uint8Array([255, 0, 10, 1])), "255.0.10.1");
});

/* ---------------------------------------------------------------- pcap_if walking over hand-built memory */

Deno.test("walkPcapIf: walks a hand-built pcap_if list (Windows sockaddr layout)", () => {
  const keep: Uint8Array[] = [];
  const addrOf = (b: Uint8Array) => {
    keep.push(b);
    return Deno.UnsafePointer.value(Deno.UnsafePointer.of(b));
  };
  const cstr = (s: string) => addrOf(new TextEncoder().encode(s + "\0"));
  const w = sockaddrLayout("windows");
  const v4 = addrOf(sockaddrIn(w, 2, [10, 0, 0, 5]));
  const mask = addrOf(sockaddrIn(w, 2, [255, 255, 255, 0]));
  const v6 = addrOf(sockaddrIn(w, 23, V6));
  const addr2 = new BigUint64Array(5);
  addr2[PCAP_ADDR.addr / 8] = v6;
  const addr1 = new BigUint64Array(5);
  addr1[PCAP_ADDR.addr / 8] = v4;
  addr1[PCAP_ADDR.netmask / 8] = mask;
  addr1[PCAP_ADDR.next / 8] = addrOf(new Uint8Array(addr2.buffer));
  const if2 = new BigUint64Array(5);
  if2[PCAP_IF.name / 8] = cstr("\\Device\\NPF_Loopback");
  if2[PCAP_IF.description / 8] = cstr("Adapter for loopback traffic capture");
  new DataView(if2.buffer).setUint32(PCAP_IF.flags, PcapIfFlag.LOOPBACK | PcapIfFlag.UP | PcapIfFlag.RUNNING, true);
  const if1 = new BigUint64Array(5);
  if1[PCAP_IF.name / 8] = cstr("\\Device\\NPF_{ABC}");
  if1[PCAP_IF.addresses / 8] = addrOf(new Uint8Array(addr1.buffer));
  new DataView(if1.buffer).setUint32(PCAP_IF.flags, PcapIfFlag.UP | PcapIfFlag.CONNECTION_STATUS_CONNECTED, true);
  if1[PCAP_IF.next / 8] = addrOf(new Uint8Array(if2.buffer));
  const head = Deno.UnsafePointer.of(new Uint8Array(if1.buffer))!;
  const devices = walkPcapIf(head, w);
  assert.deepEqual(devices, [
    {
      name: "\\Device\\NPF_{ABC}",
      description: "",
      addresses: [
        { family: "ipv4", address: "10.0.0.5", netmask: "255.255.255.0" },
        { family: "ipv6", address: "2001:db8::1" },
      ],
      flags: PcapIfFlag.UP | PcapIfFlag.CONNECTION_STATUS_CONNECTED,
    },
    {
      name: "\\Device\\NPF_Loopback",
      description: "Adapter for loopback traffic capture",
      addresses: [],
      flags: PcapIfFlag.LOOPBACK | PcapIfFlag.UP | PcapIfFlag.RUNNING,
    },
  ]);
  assert.ok(keep.length > 0);
});

/* ---------------------------------------------------------------- errors */

Deno.test("decodeErrbuf: stops at NUL, trims the newline", () => {
  const b = new Uint8Array(PCAP_ERRBUF_SIZE);
  b.set(new TextEncoder().encode("socket: Operation not permitted\n\0garbage"));
  assert.equal(decodeErrbuf(b), "socket: Operation not permitted");
  assert.equal(decodeErrbuf(new Uint8Array(PCAP_ERRBUF_SIZE)), "");
});

Deno.test("errors: one line each, naming the fix", () => {
  const missing = new LibraryNotFoundError(
    ["libpcap.so.1", "libpcap.so.0.8"],
    posixPlatform("linux").installHint,
  );
  assert.match(
    missing.message,
    /^Cannot load libpcap: libpcap\.so\.1, libpcap\.so\.0\.8 not found — install it: sudo apt-get install libpcap0\.8/,
  );
  const win = new LibraryNotFoundError(
    ["C:\\Windows\\System32\\Npcap\\wpcap.dll"],
    windowsPlatform({
      setDllDirectory: () => true,
    }).installHint,
  );
  assert.match(win.message, /install Npcap from https:\/\/npcap\.com with "WinPcap API-compatible mode"$/);
  const perm = new CapturePermissionError("eth0", posixPlatform("linux").permissionHint);
  assert.equal(
    perm.message,
    "Cannot open interface eth0: permission denied — run as root / Administrator, or grant CAP_NET_RAW: " +
      "sudo setcap cap_net_raw,cap_net_admin=eip $(which ids)",
  );
  const unknown = new UnknownInterfaceError("eht0", ["eth0", "lo"]);
  assert.match(unknown.message, /^Cannot open interface eht0: no such device — use one of: eth0, lo/);
  assert.deepEqual(unknown.valid, ["eth0", "lo"]);
  const filter = new FilterError("tcp prot 80", "syntax error in filter expression");
  assert.match(filter.message, /^Cannot compile BPF filter "tcp prot 80": syntax error in filter expression — /);
  assert.match(new InterfaceDownError("eth0", "The interface went down").message, /sudo ip link set eth0 up/);
  for (const e of [missing, win, perm, unknown, filter]) assert.ok(!e.message.includes("\n"));
});

Deno.test("isInterfaceDownMessage: libpcap's down/gone messages", () => {
  assert.ok(isInterfaceDownMessage("The interface went down"));
  assert.ok(isInterfaceDownMessage("The interface disappeared"));
  assert.ok(!isInterfaceDownMessage("can't parse filter expression: syntax error"));
  assert.ok(!isInterfaceDownMessage("socket: Operation not permitted"));
});

/* ---------------------------------------------------------------- the real libpcap (no root needed) */

let libpcapOk = false;
try {
  loadPcap();
  libpcapOk = true;
} catch {
  libpcapOk = false;
}
const NEEDS_LIB = "libpcap is not installed (sudo apt-get install libpcap0.8)";

Deno.test({
  name: "loadPcap: a bogus libraryPath gives the install hint",
  fn() {
    assert.throws(() => loadPcap({ libraryPath: "/nonexistent/libpcap.so.9" }), (e: Error) => {
      assert.ok(e instanceof LibraryNotFoundError);
      assert.match(
        e.message,
        /^Cannot load libpcap: \/nonexistent\/libpcap\.so\.9 not found — install it: sudo apt-get install libpcap0\.8/,
      );
      return true;
    });
  },
});

Deno.test({
  name: "PcapLibrary.load: a candidate list where nothing loads names every candidate",
  fn() {
    const platform = { ...posixPlatform("linux"), libraryCandidates: () => ["libnope.so.1", "libnope.so.0.8"] };
    assert.throws(
      () => PcapLibrary.load({ platform }),
      /Cannot load libpcap: libnope\.so\.1, libnope\.so\.0\.8 not found/,
    );
  },
});

Deno.test({
  name: "loadPcap: the real library loads and reports its version",
  ignore: ignoreUnless("loadPcap real", libpcapOk, NEEDS_LIB),
  fn() {
    prereq("loadPcap real", libpcapOk, NEEDS_LIB);
    const lib = loadPcap();
    assert.match(lib.version, /libpcap version \d+\.\d+/);
    assert.ok(lib.libc, "libc poll loaded");
    assert.ok(lib.symbols.pcap_get_selectable_fd);
    assert.equal(loadPcap(), lib, "cached");
  },
});

Deno.test({
  name: "findAllDevs: lists lo as loopback with 127.0.0.1",
  ignore: ignoreUnless("findAllDevs", libpcapOk, NEEDS_LIB),
  fn() {
    prereq("findAllDevs", libpcapOk, NEEDS_LIB);
    const lo = loadPcap().findAllDevs().find((d) => d.name === "lo");
    assert.ok(lo, "lo is listed");
    assert.ok(lo.flags & PcapIfFlag.LOOPBACK);
    assert.ok(lo.addresses.some((a) => a.family === "ipv4" && a.address === "127.0.0.1"));
  },
});

Deno.test({
  name: "compileOnly: a bad filter gives libpcap's own message; a good one compiles (no root needed)",
  ignore: ignoreUnless("compileOnly", libpcapOk, NEEDS_LIB),
  fn() {
    prereq("compileOnly", libpcapOk, NEEDS_LIB);
    const h = PcapHandle.openDead(loadPcap());
    try {
      h.compileOnly("udp and dst port 9999");
      assert.throws(() => h.compileOnly("tcp prot 80"), (e: Error) => {
        assert.ok(e instanceof FilterError);
        assert.equal(e.reason, h.lastError());
        assert.match(e.message, /^Cannot compile BPF filter "tcp prot 80": .*syntax error/);
        return true;
      });
    } finally {
      h.close();
      h.close(); // twice is safe
    }
    assert.ok(h.closed);
  },
});

Deno.test({
  name: "openOffline + next: reads a hand-written pcap file through pcap_next_ex",
  ignore: ignoreUnless("openOffline", libpcapOk, NEEDS_LIB),
  async fn() {
    prereq("openOffline", libpcapOk, NEEDS_LIB);
    const file = await Deno.makeTempFile({ suffix: ".pcap" });
    try {
      const bytes = new Uint8Array(24 + 2 * (16 + 4));
      const dv = new DataView(bytes.buffer);
      dv.setUint32(0, 0xa1b2c3d4, true);
      dv.setUint16(4, 2, true);
      dv.setUint16(6, 4, true);
      dv.setUint32(16, 65535, true);
      dv.setUint32(20, 101, true); // LINKTYPE_RAW
      for (let i = 0; i < 2; i++) {
        const o = 24 + i * 20;
        dv.setUint32(o, 1_700_000_000 + i, true);
        dv.setUint32(o + 4, 500 + i, true);
        dv.setUint32(o + 8, 4, true);
        dv.setUint32(o + 12, 60, true);
        bytes.set([0x45, i, 2, 3], o + 16);
      }
      await Deno.writeFile(file, bytes);
      const h = PcapHandle.openOffline(loadPcap(), file);
      try {
        assert.equal(h.linkType, 12, "DLT_RAW as libpcap numbers it on Linux");
        const ref = { tsUs: 0, caplen: 0, len: 0, data: null as Deno.PointerValue };
        const seen: number[][] = [];
        while (h.next(ref) === 1) {
          const data = new Uint8Array(4);
          Deno.UnsafePointerView.copyInto(ref.data!, data);
          seen.push([ref.tsUs, ref.caplen, ref.len, ...data]);
        }
        assert.deepEqual(seen, [
          [1_700_000_000_000_500, 4, 60, 0x45, 0, 2, 3],
          [1_700_000_001_000_501, 4, 60, 0x45, 1, 2, 3],
        ]);
        assert.equal(h.next(ref), -2, "end of file");
      } finally {
        h.close();
      }
    } finally {
      await Deno.remove(file);
    }
  },
});
