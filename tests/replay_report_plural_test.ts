/**
 * The replay report's counts say one thing in the singular (`1 decision past the cap`, not `1 decisions`), as its
 * `model` line already did for verdicts and ML labels (pipeline/report.ts's count()).
 */
import assert from "node:assert/strict";
import { formatModel, formatReport, type ModelReport, type ReplayReport } from "../pipeline/report.ts";

/** A report whose every counted noun is `n`. */
function report(n: number): ReplayReport {
  return {
    files: ["x.pcap"],
    packets: 10,
    bytes: 1000,
    ip_packets: 10,
    seconds_wall: 0.01,
    packets_per_second: 1000,
    megabits_per_second: 0.8,
    capture_span_seconds: 1,
    link_types: { EN10MB: 10 },
    decode_events: { "tcp.truncated": n },
    frames_with_decode_events: n,
    flows: { created: 2, live_at_end: 2, expired: 0, evicted: 0, capacity: 262_144 },
    defrag: {
      fragments: n,
      reassembled: n,
      overlaps: n,
      overlaps_different: 0,
      timeouts: 0,
      evicted: 0,
      source_limited: 0,
      held_at_end: 0,
    },
    stream: {
      connections: n,
      segments: 4,
      overlaps: n,
      overlaps_different: 0,
      bad_checksum_ignored: n,
      offloaded_checksum_trusted: n,
      checksums_validated: true,
      gaps: 0,
      evicted: 0,
      protocols: { http: n },
      http_requests: n,
      logins: 0,
    },
    alerts: {},
    model: model(n),
    errors: [{ offset: 100, packets: n, message: "x.pcap: Cannot read packet record: file truncated" }],
    warnings: [],
  };
}

function model(n: number): ModelReport {
  return {
    name: "ids-flow 2026-12-01",
    status: "loaded",
    requested: n,
    verdicts: n,
    without_verdict: 0,
    queue_full: 0,
    failed: 0,
    unanswered: 0,
    ml_labels: n,
    decisions_skipped: n,
    decisions_late: n,
    model_alerts: { offered: n, raised: n, quiet: 0, covered: 0, unanswered: 0, held: 0, late: 0 },
  };
}

Deno.test("replay report: one of each count is singular, more are plural (decode, defrag, streams, model, errors)", () => {
  const one = formatReport(report(1));
  assert.match(one, /^decode {5}1 frame with events: tcp\.truncated 1$/m);
  assert.match(one, /^defrag {5}1 fragment, 1 datagram rebuilt, 1 overlap \(0 with different data\), /m);
  assert.match(
    one,
    /^streams {4}1 TCP connection \(http 1\), 1 overlap \(0 with different data\), 1 bad checksum ignored, 1 offloaded checksum trusted$/m,
  );
  assert.match(one, /^error {6}x\.pcap: .* \(1 packet read before it\)$/m);
  assert.doesNotMatch(one, /\b1 [a-zA-Z ]*?s\b (past|rebuilt|ignored|trusted|read|with events)/);

  const two = formatReport(report(2));
  assert.match(two, /^decode {5}2 frames with events: /m);
  assert.match(two, /^defrag {5}2 fragments, 2 datagrams rebuilt, 2 overlaps \(/m);
  assert.match(
    two,
    /^streams {4}2 TCP connections \(http 2\), 2 overlaps \(0 with different data\), 2 bad checksums ignored, 2 offloaded checksums trusted$/m,
  );
  assert.match(two, /\(2 packets read before it\)$/m);
});

Deno.test("replay report: the model line says '1 decision past the cap / the deadline' and '1 flow' in the singular", () => {
  assert.equal(
    formatModel(model(1)),
    "ids-flow 2026-12-01: 1 verdict, 0 without a verdict (queue full 0, failed 0, unanswered 0), 1 ML label, " +
      "1 decision past the cap, 1 decision past the deadline or failed; " +
      "model-only alerts: 1 raised from 1 flow (0 left to a detector, 0 unanswered, 0 late)",
  );
  assert.equal(
    formatModel(model(3)),
    "ids-flow 2026-12-01: 3 verdicts, 0 without a verdict (queue full 0, failed 0, unanswered 0), 3 ML labels, " +
      "3 decisions past the cap, 3 decisions past the deadline or failed; " +
      "model-only alerts: 3 raised from 3 flows (0 left to a detector, 0 unanswered, 0 late)",
  );
  assert.doesNotMatch(formatModel({ ...model(0), decisions_skipped: 1, decisions_late: 0 }), /decisions/);
});
