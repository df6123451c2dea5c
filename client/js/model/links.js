// Message text split into plain parts and links, so a template renders links as <a> and the rest as
// text: no HTML is ever parsed from a message. `http(s)://` addresses and bare `www.` ones link. A
// link shows what it really opens: a host typed in other scripts (a Cyrillic "аррӏе.com") shows as
// its punycode name, and a user name before the host ("google.com@evil.example") is not shown.

const LINK_START = /\b(?:https?:\/\/|www\.)[^\s<>"']+/gi;
const TRAILING = /[.,;:!?'"*]$/;
const CLOSERS = { ")": "(", "]": "[", "}": "{" };
const BIDI_CONTROLS = /\p{Bidi_Control}/gu;
const PLAIN_HOST = /^[\x21-\x7e]*$/;

/** The text without bidi controls (overrides, embeddings, isolates, marks): nothing typed reorders what others see. */
export function withoutBidiControls(text) {
  return text.replace(BIDI_CONTROLS, "");
}

/** A longer address (after trimming) stays text: nobody types one, and a flood of them costs every reader. */
export const LINK_MAX = 1000;

/** [{text}, {text, href}, ...] covering the whole text in order. */
export function linkify(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(LINK_START)) {
    const candidate = trimTrailing(match[0]);
    const url = candidate.length <= LINK_MAX ? safeUrl(candidate) : null;
    if (!url) continue;
    if (match.index > last) parts.push({ text: text.slice(last, match.index) });
    parts.push({ text: shown(candidate, url), href: url.href });
    last = match.index + candidate.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/**
 * Drop punctuation that ends the sentence rather than the address ("see https://x.org." or
 * "(at www.x.org)"), but keep a closing bracket the address opened itself (Wikipedia's "Foo_(bar)").
 * Brackets are counted once and the counts kept while trimming, so the work is linear in the
 * length (`work.steps` counts each character looked at, for the tests).
 */
export function trimTrailing(candidate, work = { steps: 0 }) {
  const counts = { "(": 0, ")": 0, "[": 0, "]": 0, "{": 0, "}": 0 };
  for (const char of candidate) {
    work.steps += 1;
    if (char in counts) counts[char] += 1;
  }
  let end = candidate.length;
  while (end > 0) {
    work.steps += 1;
    const char = candidate[end - 1];
    if (TRAILING.test(char)) end -= 1;
    else if (char in CLOSERS && counts[char] > counts[CLOSERS[char]]) {
      counts[char] -= 1;
      end -= 1;
    } else break;
  }
  return candidate.slice(0, end);
}

/** The address to open, only for well-formed http: and https: URLs, without credentials; `www.` ones open as https. */
function safeUrl(candidate) {
  const absolute = /^www\./i.test(candidate) ? `https://${candidate}` : candidate;
  try {
    const url = new URL(absolute);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    if (!url.hostname.includes(".") && url.hostname !== "localhost") return null;
    url.username = "";
    url.password = "";
    return url;
  } catch {
    return null;
  }
}

/**
 * The link's text: as typed, unless what was typed before the path is not plainly the host it opens
 * (other scripts, a user name before an "@", a backslash that browsers read as a slash).
 */
function shown(candidate, url) {
  const scheme = /^https?:\/\//i.exec(candidate)?.[0] ?? "";
  const rest = candidate.slice(scheme.length);
  const cut = rest.search(/[/?#\\]/);
  const authority = cut < 0 ? rest : rest.slice(0, cut);
  if (PLAIN_HOST.test(authority) && !authority.includes("@") && !candidate.includes("\\")) return candidate;
  return `${url.protocol}//${url.host}${cut < 0 ? "" : rest.slice(cut).replaceAll("\\", "/")}`;
}
