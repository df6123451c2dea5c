// Seen by: a reader's browser tells the chat how far it has read ("read up to" a message), and
// each sender's latest message says who has seen it. Live only: read marks are never stored.
//
// Every read frame is billed once per member who receives it, and in a chat of N people each
// message could make N-1 readers send one. So a reader sends at once when nothing went out for a
// while, then at most once every 3 s per person online in the chat (6 s in a private chat, 30 s
// with 10 people online): a chat carries about 20 read frames a minute however big or busy it is.
import { isBlocked } from "./blocks.js";
import { nameOf } from "./directory.js";

/** A reader waits this long (ms) per person online in the chat between read frames. */
export const READ_EVERY_MS_PER_PERSON = 3000;
/** "Seen by" names at most this many people, then says how many more. */
const NAMES_SHOWN = 3;

/** How long a reader waits between read frames in a chat with `online` people online (themselves included). */
export function readInterval(online) {
  return READ_EVERY_MS_PER_PERSON * Math.max(2, online);
}

/** How many of the chat's members (as far as this browser knows) are online now, other than this user. */
export function othersOnline(model, chatId) {
  const meId = model.me?.userId;
  return Object.keys(model.chats[chatId]?.members ?? {}).filter((userId) => userId !== meId && model.users[userId]).length;
}

/** My latest message (not deleted) and who else has read up to it: `{key, readers}`, or null. */
export function seenBy(entries, marks, meId) {
  for (let index = entries.length - 1; index >= 0; index--) {
    const entry = entries[index];
    if (entry.kind !== "message" || entry.fromUserId !== meId || entry.deleted) continue;
    const readers = Object.keys(marks).filter((readerId) => readerId !== meId && marks[readerId] >= entry.key);
    return { key: entry.key, readers };
  }
  return null;
}

/** "Seen" in a private chat; "Seen by Ada, Grace" (names from the server's lists) in a group; "" when nobody has (blocked people do not count). */
export function seenLabel(model, chatId, allReaders) {
  const readers = allReaders.filter((userId) => !isBlocked(model, userId));
  if (!readers.length) return "";
  if (model.chats[chatId]?.private) return "Seen";
  const names = readers.map((userId) => nameOf(model, userId, chatId)).sort((a, b) => a.localeCompare(b));
  if (names.length <= NAMES_SHOWN) return `Seen by ${names.join(", ")}`;
  const more = names.length - NAMES_SHOWN;
  return `Seen by ${names.slice(0, NAMES_SHOWN).join(", ")} and ${more} ${more === 1 ? "other" : "others"}`;
}
