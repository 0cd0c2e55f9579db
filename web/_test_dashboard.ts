/**
 * What the dashboard's in-memory route tests share: the access token, the page's origin and a
 * sensor status to start from.
 *
 * @module
 */
import type { StatusDto } from "./dto.ts";

/** The access token the test dashboards are created with. */
export const TOKEN = "t0ken-for-tests-0123456789abcdefghijklmnop";
/** The origin a same-site browser sends on state-changing requests. */
export const ORIGIN = "http://localhost";

/** A replay sensor with no model, a simulated IPS, no store and no config file. */
export const STATUS: StatusDto = {
  version: "test",
  mode: "replay",
  source: "x.pcap",
  startedAt: 0,
  model: null,
  ips: "simulated",
  reputation: null,
  telegram: false,
  configFile: null,
  store: null,
};
