/**
 * Aggregates a V8 sampling heap profile (`HeapProfiler.stopSampling`'s `profile`) into bytes per allocating function
 * and its caller, for the allocation bench tools.
 *
 * @module
 */

/** A node of a sampling heap profile's call tree. */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children: ProfileNode[];
}

/** A sampling heap profile as the inspector returns it. */
export interface HeapProfile {
  head: ProfileNode;
  samples: { nodeId: number; size: number }[];
}

/**
 * Sampled bytes per "function file:line <- caller file:line" (URLs shortened by `base`), largest first, and their
 * total.
 */
export function selfBytesByCaller(profile: HeapProfile, base: string): { total: number; rows: [string, number][] } {
  const byNode = new Map<number, ProfileNode>();
  const parentOf = new Map<number, ProfileNode>();
  const walk = (n: ProfileNode) => {
    byNode.set(n.id, n);
    for (const c of n.children) {
      parentOf.set(c.id, n);
      walk(c);
    }
  };
  walk(profile.head);
  const label = (n: ProfileNode) =>
    `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.replace(base, "")}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  let total = 0;
  for (const s of profile.samples) {
    const n = byNode.get(s.nodeId);
    if (n === undefined) continue;
    const p = parentOf.get(n.id);
    const key = `${label(n)}  <- ${p ? label(p) : "-"}`;
    self.set(key, (self.get(key) ?? 0) + s.size);
    total += s.size;
  }
  return { total, rows: [...self].sort((a, b) => b[1] - a[1]) };
}
