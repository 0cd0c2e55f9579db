/**
 * Turns hub events (alerts, block events, counters, traffic lines) into dashboard DTOs (string IPs,
 * wall-clock milliseconds).
 *
 * @module
 */
import type { Alert } from "../core/alert.ts";
import type { BlockEvent } from "../core/block.ts";
import type { TrafficLine } from "../core/hub_event.ts";
import { protoName, tcpFlagsString } from "../core/ip.ts";
import type { AlertDto, BlockDto, TrafficDto } from "./dto.ts";

/** The identity of a live alert shared with its store row ({@link AlertDto.key}). */
export function liveKey(a: Alert, id: number, run: number | null | undefined): string {
  return run !== null && run !== undefined && a.seq > 0 ? `${run}:${a.seq}` : `live:${id}`;
}

/** An alert as the dashboard shows it; `id` is the dashboard's own, `run` the store's run id (when there is a store). */
export function alertToDto(a: Alert, id: number, run?: number | null): AlertDto {
  const dto: AlertDto = {
    id,
    key: liveKey(a, id, run),
    ts: a.tsUs / 1000,
    type: a.type,
    label: a.label,
    decidedBy: a.decidedBy,
    src: a.src,
    dst: a.dst,
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
  if (a.tcpFlags !== undefined && a.proto === 6) dto.flags = tcpFlagsString(a.tcpFlags);
  return dto;
}

/** A block event as a row of the IPS table. */
export function blockToDto(b: BlockEvent): BlockDto {
  const dto: BlockDto = {
    id: b.id,
    ts: b.startMs,
    ip: b.ip,
    type: b.type ?? "manual",
    label: b.label ?? "",
    severity: b.severity ?? null,
    action: b.backend,
    status: b.status,
    expiresAt: b.expiresMs ?? 0,
  };
  const ml = b.label ? /\(ML: ([\d.]+)%\)$/.exec(b.label) : null;
  if (ml) dto.ml = Number(ml[1]) / 100;
  if (b.error !== undefined) dto.error = b.error;
  if (isEndedStatus(b.status)) dto.endedAt = b.atMs;
  return dto;
}

/** True for a block status that ended it (`expired`, `unblocked`, `failed`): such a row has an `endedAt`. */
export function isEndedStatus(status: string): boolean {
  return status === "expired" || status === "unblocked" || status === "failed";
}

/** A sampled packet as a line of the live traffic panel. */
export function trafficToDto(l: TrafficLine): TrafficDto {
  let info = "";
  if (l.proto === 6) info = tcpFlagsString(l.tcpFlags);
  return {
    ts: l.tsUs / 1000,
    proto: protoName(l.proto),
    src: l.src,
    dst: l.dst,
    srcPort: l.srcPort,
    dstPort: l.dstPort,
    len: l.len,
    info,
  };
}
