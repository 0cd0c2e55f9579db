/**
 * Turns sensor objects into dashboard DTOs (string IPs, wall-clock milliseconds).
 *
 * @module
 */
import type { Alert } from "../decision/alert.ts";
import { ipToString, protoName, TcpFlag } from "../decode/packet.ts";
import type { AlertDto, TrafficDto } from "./dto.ts";

/** TCP flags as letters, tcpdump order (`S`, `SA`, `FPA`, …). */
export function tcpFlagLetters(flags: number): string {
  let s = "";
  if (flags & TcpFlag.FIN) s += "F";
  if (flags & TcpFlag.SYN) s += "S";
  if (flags & TcpFlag.RST) s += "R";
  if (flags & TcpFlag.PSH) s += "P";
  if (flags & TcpFlag.ACK) s += "A";
  if (flags & TcpFlag.URG) s += "U";
  if (flags & TcpFlag.ECE) s += "E";
  if (flags & TcpFlag.CWR) s += "C";
  return s;
}

/** An alert as the dashboard shows it; `id` is the dashboard's own. */
export function alertToDto(a: Alert, id: number): AlertDto {
  const dto: AlertDto = {
    id,
    ts: a.tsUs / 1000,
    type: a.type,
    label: a.label,
    decidedBy: a.decidedBy,
    src: ipToString(a.src),
    dst: ipToString(a.dst),
    srcPort: a.srcPort,
    dstPort: a.dstPort,
    proto: protoName(a.proto),
    severity: a.severity,
    action: a.action,
    reason: a.reason,
    tags: [...(a.tags ?? []), ...(a.spoofed ? ["spoofed"] : [])],
    suppressed: a.suppressed,
    ack: false,
    star: false,
  };
  if (a.mlConfidence !== undefined) dto.ml = a.mlConfidence;
  const flags = (a as { tcpFlags?: number }).tcpFlags;
  if (typeof flags === "number") dto.flags = tcpFlagLetters(flags);
  return dto;
}

/** A packet summary line for the live traffic panel (fields copied: the packet is reused). */
export function trafficLine(p: {
  tsUs: number;
  proto: number;
  src: number | string;
  dst: number | string;
  srcPort: number;
  dstPort: number;
  wireLen: number;
  tcpFlags: number;
  icmpType: number;
}): TrafficDto {
  let info = "";
  if (p.proto === 6) info = tcpFlagLetters(p.tcpFlags);
  else if (p.proto === 1 || p.proto === 58) info = `type ${p.icmpType}`;
  return {
    ts: p.tsUs / 1000,
    proto: protoName(p.proto),
    src: ipToString(p.src),
    dst: ipToString(p.dst),
    srcPort: p.srcPort,
    dstPort: p.dstPort,
    len: p.wireLen,
    info,
  };
}
