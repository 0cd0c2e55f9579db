/**
 * Making attacker-controlled text safe for a Telegram message sent with `parse_mode: "HTML"`.
 *
 * Every character that could start markup (`<`, `>`, `&`, `"`) becomes an HTML entity, so hostile
 * text can never open a tag (`<a href=…>`), close ours, or forge an entity. Invisible and
 * direction-changing characters (bidi overrides, zero-width joiners, line separators) and control
 * characters are shown as `\u{…}` so a payload cannot disguise itself. Untrusted text is wrapped in
 * `<code>`: Telegram does not detect links, mentions, hashtags or bot commands inside a code entity,
 * so a hostile `evil.example/login` or `@someone` stays plain text.
 *
 * @module
 */

const HTML_ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

/** Escapes `&`, `<`, `>` and `"` for Telegram's HTML parse mode. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => HTML_ENTITIES[c]);
}

// C0/C1 controls, zero-width and bidi formatting characters, line/paragraph separators, BOM
// deno-lint-ignore no-control-regex
const INVISIBLE = new RegExp(
  "[\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u061c\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb]",
  "g",
);

/**
 * Shows invisible, control and direction-changing characters as `\u{…}` and cuts the text to at
 * most `max` characters (an ellipsis marks the cut). Unpaired surrogates become U+FFFD.
 */
export function sanitizeText(text: string, max = 200): string {
  const visible = text.toWellFormed().replace(INVISIBLE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
  if (visible.length <= max) return visible;
  // do not split a surrogate pair at the cut
  let end = max - 1;
  const code = visible.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${visible.slice(0, end)}…`;
}

/** Untrusted text as a `<code>` entity: sanitized, cut to `max` characters, escaped. */
export function untrusted(text: string, max = 200): string {
  return `<code>${escapeHtml(sanitizeText(String(text), max))}</code>`;
}
