/** The most useful line of a fetch error (the cause chain holds "Connection refused" and the like). */
export function describeFetchError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    parts.push(current.message);
    current = current.cause;
  }
  const text = parts.join(": ") || String(error);
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
