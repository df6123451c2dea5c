// Message search results: which words of a hit to mark. The server folds words (accents and case
// ignored, the last word of a search also as a prefix); a hit's words are folded the same way here,
// so "cafe" marks "CAFÉ". Only the parts' text is ever shown, as text.

const WORD = /[\p{L}\p{M}\p{N}]+/gu;
const WORD_MAX = 32; // the server compares the first 32 characters of a word

/** A word as the server compares it: accents dropped, lower case, at most its first 32 characters. */
export function fold(word) {
  return [...word.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase()].slice(0, WORD_MAX).join("");
}

/** `text` as parts `{text, hit}`: `hit` for each word the search found (every searched word; the last also as a prefix). */
export function highlightParts(text, words) {
  const wanted = (Array.isArray(words) ? words : []).filter((word) => typeof word === "string" && word);
  const last = wanted[wanted.length - 1];
  const parts = [];
  let from = 0;
  for (const match of String(text).matchAll(WORD)) {
    const folded = fold(match[0]);
    if (!wanted.includes(folded) && !(last && folded.startsWith(last))) continue;
    if (match.index > from) parts.push({ text: text.slice(from, match.index), hit: false });
    parts.push({ text: match[0], hit: true });
    from = match.index + match[0].length;
  }
  if (from < text.length || !parts.length) parts.push({ text: text.slice(from), hit: false });
  return parts;
}
