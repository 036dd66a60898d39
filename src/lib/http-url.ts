/**
 * An absolute http(s) URL in its normalised form (WHATWG `URL.href`: `https://Zonos.com` becomes
 * `https://zonos.com/`), or null for anything else: the URLs the hub stores (offer validation).
 */
export function httpUrl(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  try {
    const url = new URL(String(value));
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * The text itself when it is an absolute http(s) URL, else null: for URLs that serve as
 * identifiers (a JSON-LD posting without an identifier is keyed by its url), where normalising
 * would change the identity of what a partner already pushed.
 */
export function httpUrlAsWritten(text: string | null): string | null {
  return text !== null && httpUrl(text) !== null ? text : null;
}
