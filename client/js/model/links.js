// Message text split into plain parts and links, so a template renders links as <a> and the rest as
// text: no HTML is ever parsed from a message. `http(s)://` addresses and bare `www.` ones link.

const LINK_START = /\b(?:https?:\/\/|www\.)[^\s<>"']+/gi;
const TRAILING = /[.,;:!?'"*]$/;
const CLOSERS = { ")": "(", "]": "[", "}": "{" };

/** [{text}, {text, href}, ...] covering the whole text in order. */
export function linkify(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(LINK_START)) {
    const candidate = trimTrailing(match[0]);
    const href = safeHref(candidate);
    if (!href) continue;
    if (match.index > last) parts.push({ text: text.slice(last, match.index) });
    parts.push({ text: candidate, href });
    last = match.index + candidate.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/**
 * Drop punctuation that ends the sentence rather than the address ("see https://x.org." or
 * "(at www.x.org)"), but keep a closing bracket the address opened itself (Wikipedia's "Foo_(bar)").
 */
function trimTrailing(candidate) {
  let url = candidate;
  for (;;) {
    const end = url.at(-1);
    if (TRAILING.test(end)) url = url.slice(0, -1);
    else if (end in CLOSERS && count(url, end) > count(url, CLOSERS[end])) url = url.slice(0, -1);
    else return url;
  }
}

function count(text, char) {
  return text.split(char).length - 1;
}

/** The address to open, only for well-formed http: and https: URLs; `www.` ones open as https. */
function safeHref(candidate) {
  const absolute = /^www\./i.test(candidate) ? `https://${candidate}` : candidate;
  try {
    const url = new URL(absolute);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    if (!url.hostname.includes(".") && url.hostname !== "localhost") return null;
    return url.href;
  } catch {
    return null;
  }
}
