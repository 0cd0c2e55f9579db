/**
 * The islands by name: the server wraps each in a marker element, the client bundle hydrates it.
 *
 * @module
 */
import type { FunctionComponent } from "preact";
import { Events } from "./events.tsx";
import { Ips } from "./ips.tsx";
import { LiveStatus } from "./live_status.tsx";
import { Overview } from "./overview.tsx";
import { Settings } from "./settings.tsx";
import { Traffic } from "./traffic.tsx";

/** Every island. */
// deno-lint-ignore no-explicit-any
export const ISLANDS: Record<string, FunctionComponent<any>> = { Events, Ips, LiveStatus, Overview, Settings, Traffic };
