import assert from "node:assert/strict";
import type { BlockDto } from "./dto.ts";
import { LiveFeed } from "./feed.ts";

const block = (over: Partial<BlockDto>): BlockDto => ({
  id: "203.0.113.9@1",
  ts: 1,
  ip: "203.0.113.9",
  type: "port_scan",
  label: "Port Scan (Heuristic)",
  severity: 2,
  action: "simulated",
  status: "simulated",
  expiresAt: 60_001,
  ...over,
});

Deno.test("feed: a block's later expiry keeps the severity of the alert that caused it", () => {
  const feed = new LiveFeed();
  feed.putBlock(block({}));
  feed.putBlock(block({ status: "expired", severity: null }));
  const row = feed.blocks().find((b) => b.id === "203.0.113.9@1");
  assert.deepEqual([row?.status, row?.severity], ["expired", 2]);
  feed.putBlock(block({ id: "manual@2", type: "manual", severity: null }));
  assert.equal(feed.blocks().find((b) => b.id === "manual@2")?.severity, null);
});

Deno.test("feed: a block's making event that comes after its end (its alert waited for the model) leaves it ended", () => {
  const feed = new LiveFeed();
  // the IPS publishes an unblock by hand at once; the decision stage publishes the block after its alert
  feed.putBlock(block({ status: "unblocked", severity: null, endedAt: 5_000 }));
  feed.putBlock(block({ status: "active", severity: 1 }));
  const row = feed.blocks().find((b) => b.id === "203.0.113.9@1");
  assert.deepEqual([row?.status, row?.endedAt, row?.severity], ["unblocked", 5_000, 1]);
  // a second end keeps the first, as the store's upsert does
  feed.putBlock(block({ status: "expired", severity: null, endedAt: 9_000 }));
  const again = feed.blocks().find((b) => b.id === "203.0.113.9@1");
  assert.deepEqual([again?.status, again?.endedAt], ["unblocked", 5_000]);
});
