// "Ada is typing…": who is writing in each chat, as their typing frames say, and how often this
// browser may say so itself.
//
// A typing frame says for how long it holds (`ttl`, ms); without a refresh the person drops off the
// line when it runs out, and a message from them, or a frame with ttl 0, ends it at once. Every frame
// is billed once per member who receives it, so the whole chat shares one budget: someone typing
// refreshes every 3 s while alone, every 6 s when one other person is typing too, every 3k s when k
// people are. However many type, a chat carries about 20 typing frames a minute.
import { isBlocked } from "./blocks.js";
import { nameOf } from "./directory.js";

/** Alone, a typist refreshes this often (ms). */
export const TYPING_EVERY_MS = 3000;
/** A frame holds this much longer than the refresh it promises, so a late refresh does not flicker. */
export const TYPING_GRACE_MS = 2000;
/** No frame holds longer than this, whatever it says. */
export const TYPING_MAX_TTL_MS = 60000;

/** How often someone may send a typing frame while `othersTyping` other people in the chat are typing. */
export function typingInterval(othersTyping) {
  return TYPING_EVERY_MS * (Math.max(0, othersTyping) + 1);
}

/** The `ttl` a typing frame sent at that interval carries. */
export function typingTtl(interval) {
  return interval + TYPING_GRACE_MS;
}

/** Someone's typing frame arrived: they are typing until `now + ttl` (clamped), or no longer when ttl is 0. */
export function noteTyping(model, chatId, userId, ttl, now) {
  if (ttl <= 0) {
    stopTyping(model, chatId, userId);
    return null;
  }
  const until = now + Math.min(ttl, TYPING_MAX_TTL_MS);
  model.typing[chatId] ??= {};
  model.typing[chatId][userId] = until;
  return until;
}

/** They stopped (sent their message, cleared the box, left). Touches nothing when they were not typing. */
export function stopTyping(model, chatId, userId) {
  const chat = model.typing[chatId];
  if (!chat || !(userId in chat)) return;
  delete chat[userId];
  if (!Object.keys(chat).length) delete model.typing[chatId];
}

/** Drop everyone whose frame ran out; returns when the next one runs out, or null when nobody is typing. */
export function pruneTyping(model, now) {
  let next = null;
  for (const [chatId, people] of Object.entries(model.typing)) {
    for (const [userId, until] of Object.entries(people)) {
      if (until <= now) stopTyping(model, chatId, userId);
      else next = next === null ? until : Math.min(next, until);
    }
  }
  return next;
}

/** Who is typing in a chat now, other than `meId`. */
export function typists(model, chatId, meId, now) {
  return Object.entries(model.typing[chatId] ?? {})
    .filter(([userId, until]) => userId !== meId && until > now)
    .map(([userId]) => userId);
}

/** "Ada is typing…", "Ada and Grace are typing…", "Several people are typing…", or "" (never about `meId` or someone blocked). */
export function typingLabel(model, chatId, meId, now) {
  const names = typists(model, chatId, meId, now)
    .filter((userId) => !isBlocked(model, userId))
    .map((userId) => nameOf(model, userId, chatId))
    .sort((a, b) => a.localeCompare(b));
  if (!names.length) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return "Several people are typing…";
}
