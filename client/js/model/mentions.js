// @mentions: typing "@" offers the chat's members (then everyone online) to complete; a message
// lists the ids of the people it mentions, and shows "@Name" (the name as the server knows that
// person) highlighted. A message that mentions this user is highlighted and always notifies.
import { isBlocked } from "./blocks.js";
import { nameOf } from "./directory.js";
import { linkify } from "./links.js";
import { USER_NAME_MAX, lengthOf } from "./limits.js";

/** A message mentions at most this many people; further ids in a frame are ignored. */
export const MENTIONS_MAX = 20;
/** The completion list shows at most this many people. */
const SUGGESTIONS_MAX = 8;
/** A letter, digit or underscore: an "@" right after one is part of a word (an e-mail address), not a mention. */
const WORD = /[\p{L}\p{N}_]/u;
const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });

const lower = (text) => text.toLocaleLowerCase();

/** Who can be mentioned in a chat: its members first, then everyone else online, by name; never this user, nor anyone they block. */
export function mentionCandidates(model, chatId) {
  const meId = model.me?.userId;
  const found = new Map();
  const add = (userId, member) => {
    if (userId === meId || found.has(userId) || isBlocked(model, userId)) return;
    found.set(userId, { userId, userName: nameOf(model, userId, chatId), member });
  };
  for (const userId of Object.keys(model.chats[chatId]?.members ?? {})) add(userId, true);
  for (const userId of Object.keys(model.users)) add(userId, false);
  return [...found.values()].sort((a, b) => b.member - a.member || collator.compare(a.userName, b.userName));
}

/**
 * The mention being typed just before `caret`: `{start, query}` where `start` is the "@", or null.
 * The query may hold spaces ("@Ada Lo"), never a line break, and is no longer than a name can be.
 */
export function mentionQuery(text, caret) {
  const before = text.slice(0, caret);
  const start = before.lastIndexOf("@");
  if (start < 0 || (start > 0 && WORD.test(before[start - 1]))) return null;
  const query = before.slice(start + 1);
  if (/^\s|\n/.test(query) || lengthOf(query) > USER_NAME_MAX) return null;
  return { start, query };
}

/** The people whose name (or a word of it) starts with `query`, in the candidates' order. */
export function suggestions(candidates, query) {
  const wanted = lower(query);
  const fits = (name) => name.startsWith(wanted) || (!/\s/.test(wanted) && name.split(/\s+/).some((word) => word.startsWith(wanted)));
  return candidates.filter((person) => fits(lower(person.userName))).slice(0, SUGGESTIONS_MAX);
}

/** `text` with the mention being typed (`{start, query}`) replaced by "@Name ", and where the caret goes. */
export function complete(text, { start, query }, person) {
  const inserted = `@${person.userName} `;
  const end = start + 1 + query.length;
  return { text: text.slice(0, start) + inserted + text.slice(end), caret: start + inserted.length };
}

/**
 * Every "@Name" in `text` for the `people` given (`[{userId, userName}]`): `[{start, end, userIds}]`.
 * At each "@" the longest name that is followed by the end of a word wins ("@Ada Lovelace" over
 * "@Ada"); people who share that name are all in `userIds`. Case does not matter.
 */
export function findMentions(text, people) {
  const spans = [];
  if (!people.length || !text.includes("@")) return spans;
  const named = people.filter((person) => person.userName).map((person) => ({ ...person, key: lower(person.userName) }));
  for (let at = text.indexOf("@"); at >= 0; at = text.indexOf("@", at + 1)) {
    if (at > 0 && WORD.test(text[at - 1])) continue;
    let best = null;
    for (const person of named) {
      const end = at + 1 + person.userName.length;
      if (lower(text.slice(at + 1, end)) !== person.key || (end < text.length && WORD.test(text[end]))) continue;
      if (!best || end > best.end) best = { start: at, end, userIds: [person.userId] };
      else if (end === best.end) best.userIds.push(person.userId);
    }
    if (best) {
      spans.push(best);
      at = best.end - 1;
    }
  }
  return spans;
}

/**
 * The ids a message mentions: everyone named with "@" in it. When several people share a name,
 * the one picked from the completion list (`picked`: ids) is meant; with no pick, all of them.
 */
export function mentionedIds(text, candidates, picked = new Set()) {
  const ids = new Set();
  for (const { userIds } of findMentions(text, candidates)) {
    const chosen = userIds.filter((userId) => picked.has(userId));
    for (const userId of chosen.length ? chosen : userIds) ids.add(userId);
  }
  return [...ids].slice(0, MENTIONS_MAX);
}

/** True when a message mentions `me`: by id, or (a message from an older client, without ids) by "@" and their name. */
export function mentionsMe(entry, me) {
  if (entry.kind !== "message" || entry.deleted || !me) return false;
  if (Array.isArray(entry.mentions)) return entry.mentions.includes(me.userId);
  return findMentions(entry.text, [me]).length > 0;
}

/** The people a message mentions, named as the server knows them (never as the message says). */
export function mentionedPeople(model, entry, chatId) {
  if (!Array.isArray(entry.mentions)) return model.me ? [model.me] : [];
  return entry.mentions.map((userId) => ({ userId, userName: nameOf(model, userId, chatId) }));
}

/**
 * A message's text as parts to render as text: `{text}`, links `{text, href}` and mentions
 * `{text, mention: true, me}` (`me`: it names `meId`). Nothing is ever parsed as HTML.
 */
export function textParts(text, people, meId) {
  const parts = [];
  let last = 0;
  for (const { start, end, userIds } of findMentions(text, people)) {
    if (start > last) parts.push(...linkify(text.slice(last, start)));
    parts.push({ text: text.slice(start, end), mention: true, me: userIds.includes(meId) });
    last = end;
  }
  if (last < text.length) parts.push(...linkify(text.slice(last)));
  return parts;
}
