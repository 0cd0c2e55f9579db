/**
 * Formatting helpers shared by islands and server components.
 *
 * @module
 */

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** `HH:MM:SS` local time of a ms timestamp. */
export function clock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `HH:MM:SS.mmm` local time. */
export function clockMs(ms: number): string {
  return `${clock(ms)}.${pad(Math.floor(ms % 1000), 3)}`;
}

/** `YYYY-MM-DD HH:MM:SS` local time. */
export function dateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock(ms)}`;
}

/** Thousands separators. */
export function num(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Bytes as B, KB, MB, GB. */
export function bytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** A duration in seconds as `1h 02m`, `3m 05s` or `42 s`. */
export function duration(s: number): string {
  s = Math.max(0, Math.floor(s));
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${s} s`;
}

/** `ip:port` when the port is meaningful. */
export function endpoint(ip: string, port: number, proto: string): string {
  if (!(proto === "TCP" || proto === "UDP") || port <= 0) return ip;
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** `HH:MM:SS` for a time of today, else `MM-DD HH:MM:SS` (rows from the store may be days old). */
export function clockOrDate(ms: number): string {
  return new Date(ms).toDateString() === new Date().toDateString() ? clock(ms) : dateTime(ms).slice(5);
}
