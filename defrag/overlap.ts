/**
 * Overlap policies: which copy of a byte wins when two fragments (IP) or two segments (TCP) cover
 * it, named after the target-based reassembly policies of Suricata and Snort (Novak, "Target-Based
 * Fragmentation Reassembly", 2005). Shared by the defrag and stream stages.
 *
 * | policy    | the later copy wins when it …                                         | hosts            |
 * |-----------|-----------------------------------------------------------------------|------------------|
 * | `first`   | never                                                                 | Windows, macOS   |
 * | `last`    | always                                                                | Cisco IOS        |
 * | `bsd`     | starts before the earlier one                                         | FreeBSD, default |
 * | `linux`   | starts before it, or at the same offset and ends after it             | Linux (classic)  |
 * | `windows` | starts before it and ends at or after its end (covers it entirely)    | older Windows    |
 *
 * Whatever the policy, bytes covered twice with DIFFERENT data are reported: hosts disagree on
 * them, which is what an evasion relies on.
 *
 * @module
 */

import { OVERLAP_POLICY_NAMES, type OverlapPolicyName } from "../config/defaults.ts";

/** Names of the overlap policies. */
export const OVERLAP_POLICIES: readonly OverlapPolicy[] = OVERLAP_POLICY_NAMES;

/** An overlap policy. */
export type OverlapPolicy = OverlapPolicyName;

/** A run of bytes held: `data[0]` is the byte at offset `start`. */
export interface Piece {
  start: number;
  end: number;
  data: Uint8Array;
  /** Extent of the fragment or segment the bytes came from (the policy looks at it). */
  origStart: number;
  origEnd: number;
}

/** What one insertion found. */
export interface OverlapResult {
  /** Bytes that were already held (any data). */
  overlapBytes: number;
  /** First offset whose two copies differ, or -1. */
  differentStart: number;
  /** End of the differing range (exclusive). */
  differentEnd: number;
  /** True when the new copy won at least one differing byte. */
  newWonDifferent: boolean;
}

/** True when the later copy [nS, nE) wins over the earlier [oS, oE) under `policy`. */
export function laterWins(policy: OverlapPolicy, nS: number, nE: number, oS: number, oE: number): boolean {
  switch (policy) {
    case "first":
      return false;
    case "last":
      return true;
    case "bsd":
      return nS < oS;
    case "linux":
      return nS < oS || (nS === oS && nE > oE);
    case "windows":
      return nS < oS && nE >= oE;
  }
}

/**
 * Inserts the bytes `data` at offset `start` into `pieces` (sorted, non-overlapping), resolving
 * overlaps with `policy`. `data` must be owned by the caller (it is kept, not copied). Returns
 * what overlapped; `pieces` stays sorted and non-overlapping.
 */
export function insertPiece(pieces: Piece[], start: number, data: Uint8Array, policy: OverlapPolicy): OverlapResult {
  const end = start + data.length;
  const res: OverlapResult = { overlapBytes: 0, differentStart: -1, differentEnd: -1, newWonDifferent: false };
  if (data.length === 0) return res;
  // fast path: after every held piece (the common out-of-order case: segments arrive in order past a hole)
  const n = pieces.length;
  if (n === 0 || pieces[n - 1].end <= start) {
    pieces.push({ start, end, data, origStart: start, origEnd: end });
    return res;
  }
  // surviving parts of the new data, as [from, to) offsets
  let keep: number[] = [start, end];
  const out: Piece[] = [];
  for (const p of pieces) {
    if (p.end <= start || p.start >= end) {
      out.push(p);
      continue;
    }
    const lo = Math.max(start, p.start), hi = Math.min(end, p.end);
    res.overlapBytes += hi - lo;
    let dStart = -1, dEnd = -1;
    for (let i = lo; i < hi; i++) {
      if (data[i - start] !== p.data[i - p.start]) {
        if (dStart < 0) dStart = i;
        dEnd = i + 1;
      }
    }
    const newWins = laterWins(policy, start, end, p.origStart, p.origEnd);
    if (dStart >= 0) {
      if (res.differentStart < 0 || dStart < res.differentStart) res.differentStart = dStart;
      if (dEnd > res.differentEnd) res.differentEnd = dEnd;
      if (newWins) res.newWonDifferent = true;
    }
    if (newWins) {
      // the old piece keeps what lies outside [lo, hi)
      if (p.start < lo) out.push({ ...p, end: lo, data: p.data.subarray(0, lo - p.start) });
      if (p.end > hi) out.push({ ...p, start: hi, data: p.data.subarray(hi - p.start) });
    } else {
      out.push(p);
      const next: number[] = [];
      for (let k = 0; k < keep.length; k += 2) {
        const a = keep[k], b = keep[k + 1];
        if (b <= lo || a >= hi) next.push(a, b);
        else {
          if (a < lo) next.push(a, lo);
          if (b > hi) next.push(hi, b);
        }
      }
      keep = next;
    }
  }
  for (let k = 0; k < keep.length; k += 2) {
    out.push({
      start: keep[k],
      end: keep[k + 1],
      data: data.subarray(keep[k] - start, keep[k + 1] - start),
      origStart: start,
      origEnd: end,
    });
  }
  out.sort((x, y) => x.start - y.start);
  pieces.length = 0;
  for (const p of out) pieces.push(p);
  return res;
}

/** True when `pieces` cover [0, total) without a hole. */
export function covers(pieces: readonly Piece[], total: number): boolean {
  let at = 0;
  for (const p of pieces) {
    if (p.start > at) return false;
    if (p.end > at) at = p.end;
    if (at >= total) return true;
  }
  return at >= total;
}
