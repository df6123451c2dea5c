// Blocks: the users this user blocks, as the server last said (getToken's `blocked`, then every
// `blockList`, each the whole list). The server keeps blocked people out of private chats; this
// browser hides everything else of theirs, in every chat: messages, notices, typing, "Seen by" and
// reactions. Hiding happens when a chat is drawn, never in the stored history, so an unblock shows
// it all again and a block made in another tab or device applies at once.
import { privateChatId, removeMember } from "./directory.js";

/**
 * Take the server's list (ids; anything else in it is ignored). Returns the ids that became
 * blocked and those that no longer are. A block takes the other person out of our private chat
 * with them, and an unblock does not bring them back: in both cases this browser stops counting
 * them as its member, so writing there afterwards invites them back (as after they left).
 */
export function setBlocked(model, ids) {
  const next = Array.isArray(ids) ? ids.filter((id) => typeof id === "string" && id !== "") : [];
  const before = model.blocked ?? {};
  const added = next.filter((id) => !before[id]);
  const removed = Object.keys(before).filter((id) => !next.includes(id));
  if (!added.length && !removed.length) return { added, removed };
  model.blocked = Object.fromEntries(next.map((id) => [id, true]));
  const meId = model.me?.userId;
  if (meId) for (const id of [...added, ...removed]) removeMember(model, privateChatId(meId, id), id);
  return { added, removed };
}

export function isBlocked(model, userId) {
  return Boolean(model.blocked?.[userId]);
}

/** The ids this user blocks, in the order the server lists them. */
export function blockedIds(model) {
  return Object.keys(model.blocked ?? {});
}

/** An entry this user does not see: a blocked person's message, or a notice about them. */
export function hidesEntry(model, entry) {
  return isBlocked(model, entry.kind === "notice" ? entry.userId : entry.fromUserId);
}

/** A chat's entries as this user sees them: the same list when nobody is blocked. */
export function shownEntries(model, entries) {
  if (!blockedIds(model).length) return entries;
  return entries.filter((entry) => !hidesEntry(model, entry));
}

/** A message with the reactions of blocked people left out (the same entry when there are none). */
export function shownReactions(model, entry) {
  if (!entry.reactions || !blockedIds(model).length) return entry;
  const reactions = {};
  for (const [emoji, people] of Object.entries(entry.reactions)) {
    const kept = Object.entries(people).filter(([userId]) => !isBlocked(model, userId));
    if (kept.length) reactions[emoji] = Object.fromEntries(kept);
  }
  return { ...entry, reactions };
}
