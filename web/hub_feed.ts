/**
 * Connects the dashboard to the sensor hub: a subscriber (bounded queue, oldest dropped when the
 * page cannot keep up) that turns hub events into the {@link LiveFeed}.
 *
 * @module
 */
import type { EventBus, HubEvent, SensorCounters, Subscription } from "../core/hub_event.ts";
import { blockToDto, trafficToDto } from "./convert.ts";
import type { CountersDto } from "./dto.ts";
import type { LiveFeed } from "./feed.ts";

/** Options of {@link connectFeed}. */
export interface ConnectFeedOptions {
  /** Kernel drops are meaningful (live capture); false in a replay. */
  live: boolean;
  /** Queue capacity of the web subscriber (default 20 000 events; the oldest are dropped first). */
  queue?: number;
}

/** Packets by protocol, counted from the sampled traffic lines. */
export class ProtocolMix {
  tcp = 0;
  udp = 0;
  icmp = 0;
  other = 0;

  /** Counts one packet of IP protocol `proto`. */
  add(proto: number): void {
    if (proto === 6) this.tcp++;
    else if (proto === 17) this.udp++;
    else if (proto === 1 || proto === 58) this.icmp++;
    else this.other++;
  }
}

/** Counters DTO from the hub's counters. */
export function countersToDto(
  c: SensorCounters,
  live: boolean,
  mix: ProtocolMix,
  blocksActive: number,
): CountersDto {
  return {
    ts: c.atMs,
    packets: c.capture.packets,
    bytes: c.capture.bytes,
    pps: c.capture.rate,
    drops: live ? c.capture.droppedKernel : null,
    alerts: c.decision.alerts,
    blocksActive,
    protocols: { tcp: mix.tcp, udp: mix.udp, icmp: mix.icmp, other: mix.other },
    ...(c.model
      ? {
        model: {
          verdicts: c.model.classified,
          without: c.model.dropped + c.model.failed + c.model.unanswered,
          queueFull: c.model.dropped,
          failed: c.model.failed,
          unanswered: c.model.unanswered,
        },
      }
      : {}),
  };
}

/** Subscribes `feed` to `hub`; returns the subscription. */
export function connectFeed(hub: EventBus, feed: LiveFeed, options: ConnectFeedOptions): Subscription {
  const mix = new ProtocolMix();
  const handle = (e: HubEvent) => {
    switch (e.kind) {
      case "alert":
        feed.addAlert(e.alert);
        break;
      case "block":
        feed.putBlock(blockToDto(e.block));
        break;
      case "traffic":
        for (const line of e.lines) {
          mix.add(line.proto);
          feed.addTraffic(trafficToDto(line));
        }
        break;
      case "counters": {
        const now = feed.now();
        const active =
          feed.blocks().filter((b) =>
            (b.status === "active" || b.status === "simulated") && (b.expiresAt === 0 || b.expiresAt > now)
          ).length;
        feed.setCounters(countersToDto(e.counters, options.live, mix, active));
        break;
      }
      case "notice":
        break;
    }
  };
  return hub.subscribe({
    name: "web",
    handleBatch: (events) => {
      for (const e of events) handle(e);
    },
  }, { queue: options.queue ?? 20_000, dropOldest: true });
}
