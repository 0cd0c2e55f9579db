/**
 * Security headers: a strict Content-Security-Policy (no inline script; the one inline style block
 * the server render extracts is allowed by its hash) and the usual hardening headers.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** `'sha256-…'` source expression for a style or script text. */
export function cspHash(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/** The empty string's hash: twind in the browser creates an empty `<style>` and fills it through CSSOM. */
const EMPTY_STYLE = cspHash("");

/** Content-Security-Policy for a page whose inline `<style>` holds `styleTexts`. */
export function contentSecurityPolicy(styleTexts: readonly string[] = []): string {
  const styles = [EMPTY_STYLE, ...styleTexts.map(cspHash)].join(" ");
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' ${styles}`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Headers sent with every response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
};
