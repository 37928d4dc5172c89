// Which upstream text may become a link the shell opens (its `open_link` command checks again, see
// crates/app/src/links.rs): one plain `mailto:` address, or an `https:` URL with a host and no credentials.
// Anything else (`javascript:`, `file:`, `#channel` names, a `mailto:` with `?cc=`) stays text.

const MAX_LINK_LENGTH = 2048;
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
const PLAIN_ADDRESS = /^[A-Za-z0-9!#$%'*+/=^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const HTTPS = /^https:\/\/[A-Za-z0-9.-]+(:[0-9]+)?([/?#]|$)/i;

/** The link to open for `text`, or `null` when it must not become a link. */
export function safeLink(text: string): string | null {
  if (text.length > MAX_LINK_LENGTH || !PRINTABLE_ASCII.test(text)) return null;
  const colon = text.indexOf(":");
  const scheme = text.slice(0, colon).toLowerCase();
  const rest = text.slice(colon + 1);
  if (scheme === "mailto") return PLAIN_ADDRESS.test(rest) ? `mailto:${rest}` : null;
  if (scheme === "https" && HTTPS.test(text)) return `https:${rest}`;
  return null;
}

/** The `mailto:` link of an e-mail address, if it is a plain one. */
export function mailLink(address: string): string | null {
  return safeLink(`mailto:${address}`);
}
