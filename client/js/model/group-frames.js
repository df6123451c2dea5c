// What arrives in a chat's group. Only the server publishes there (browsers have no right to), so
// every frame comes without a `fromUserId`: notices (joined, left, wantsToChat), numbered history
// entries (messages and changes to them, as the server checked and kept them), typing and read
// marks. Each kind in GROUP_FRAME_KINDS says which frames are its own and what they do.
//
// The trust rule: who said something is the `fromUserId` the server stamped on the entry (the
// connection's user, never a name in what they sent); names always come from the server's lists,
// and anything malformed is ignored without a word. A frame that does carry a `fromUserId` was
// published by a browser, which the service no longer allows: it is ignored.
//
// `env` is what a kind may touch: `env.model`, `env.store` (the message store), `env.now()`,
// `env.typingUntil(time)` (someone is typing until then: check again at that time),
// `env.lookup(userId)` (a sender the lists do not name: ask the server who they are) and
// `env.numbered(chatId, seq)` (an entry with this number arrived: the session notices gaps).
import { addMember, isPrivateId, knownName, removeMember } from "./directory.js";
import { openConversation } from "./conversations.js";
import { MESSAGE_MAX, lengthOf } from "./limits.js";
import { MENTIONS_MAX } from "./mentions.js";
import { knownEmojis } from "./reactions.js";
import { noteTyping, stopTyping } from "./typing.js";

export const NOTICES = {
  joined: { emoji: "💬", text: "has joined the chat" },
  left: { emoji: "💨", text: "has left the chat" },
  wantsToChat: { emoji: "💬", text: "wants to chat" },
};

/** A message id: what the browser makes (a UUID), or anything as plain (letters, digits, "-", "_"; 1 to 64). */
const MESSAGE_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A user id as the server allows it. */
const USER_ID = /^[A-Za-z0-9.@-]{1,128}$/;

const isText = (value) => typeof value === "string" && value !== "";
const isId = (value) => typeof value === "string" && MESSAGE_ID.test(value);
const isUserId = (value) => typeof value === "string" && USER_ID.test(value);
const isSeq = (value) => Number.isInteger(value) && value >= 1;
const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
const fitsLimit = (text) => typeof text === "string" && text.trim() !== "" && lengthOf(text) <= MESSAGE_MAX;

/** The `mentions` of an entry: user ids, once each, at most MENTIONS_MAX; null when it is not a list of ids. */
function mentionIds(value) {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isUserId)) return null;
  return [...new Set(value)].slice(0, MENTIONS_MAX);
}

/** A frame the server sent (no browser stamp) whose data has `field` as an object. */
const fromServer = (field) => (frame) => frame.fromUserId == null && isObject(frame.data[field]);

/** `{emoji: [userId]}` from the server as the store keeps reactions: `{emoji: {userId: userName}}`. */
function namedReactions(env, chatId, reactions) {
  const named = {};
  for (const [emoji, people] of Object.entries(reactions ?? {})) {
    if (!knownEmojis([emoji])?.length || !Array.isArray(people)) continue;
    const ids = people.filter(isUserId);
    if (ids.length) named[emoji] = Object.fromEntries(ids.map((userId) => [userId, knownName(env.model, userId, chatId) ?? "…"]));
  }
  return Object.keys(named).length ? named : undefined;
}

/** A numbered message (as the server sends it) as the store keeps it, or null when it is not a well-formed message. */
export function messageEntry(env, chatId, entry) {
  if (!isObject(entry) || entry.kind !== "message" || !isSeq(entry.seq) || !isUserId(entry.fromUserId)) return null;
  const mentions = mentionIds(entry.mentions);
  if (!isId(entry.id) || mentions === null || (!entry.deleted && !fitsLimit(entry.text))) return null;
  const kept = {
    kind: "message",
    seq: entry.seq,
    fromUserId: entry.fromUserId,
    fromUserName: knownName(env.model, entry.fromUserId, chatId),
    id: entry.id,
    text: entry.deleted ? "" : entry.text,
    mentions: entry.deleted ? [] : mentions,
    time: Number.isFinite(entry.time) ? entry.time : env.now(),
    changed: Number.isInteger(entry.changed) ? entry.changed : 0,
  };
  if (isSeq(entry.replyTo)) kept.replyTo = entry.replyTo;
  if (entry.edited === true) kept.edited = true;
  if (entry.deleted === true) kept.deleted = true;
  const reactions = entry.deleted ? undefined : namedReactions(env, chatId, entry.reactions);
  if (reactions) kept.reactions = reactions;
  return kept;
}

/** What a numbered change does to the message it names (a change older than what the message shows changes nothing). */
const CHANGES = {
  edit(env, chatId, change, target) {
    const mentions = mentionIds(change.mentions);
    if (!fitsLimit(change.text) || mentions === null || change.fromUserId !== target.fromUserId) return false;
    return env.store.update(chatId, target.fromUserId, target.id, (entry) =>
      entry.deleted ? null : { ...entry, text: change.text, mentions, edited: true, changed: change.seq },
    );
  },
  delete(env, chatId, change, target) {
    if (change.fromUserId !== target.fromUserId) return false;
    return env.store.update(chatId, target.fromUserId, target.id, (entry) => {
      if (entry.deleted) return null;
      const tombstone = { ...entry, text: "", mentions: [], deleted: true, changed: change.seq };
      delete tombstone.reactions;
      delete tombstone.edited;
      return tombstone;
    });
  },
  reaction(env, chatId, change, target) {
    const emojis = knownEmojis(change.emojis);
    if (emojis === null) return false;
    const userName = knownName(env.model, change.fromUserId, chatId) ?? "…";
    const changed = env.store.react(chatId, target.fromUserId, target.id, { userId: change.fromUserId, userName, emojis });
    env.store.update(chatId, target.fromUserId, target.id, (entry) => ({ ...entry, changed: change.seq }));
    return changed;
  },
};

/** Apply one numbered history entry (live or caught up); false when it is malformed. */
export function applyEntry(env, chatId, entry) {
  if (!isObject(entry) || !isSeq(entry.seq) || !isUserId(entry.fromUserId)) return false;
  if (entry.kind === "message") {
    const kept = messageEntry(env, chatId, entry);
    if (!kept) return false;
    stopTyping(env.model, chatId, entry.fromUserId);
    env.store.add(chatId, kept);
  } else if (Object.hasOwn(CHANGES, entry.kind)) {
    const target = isSeq(entry.target) ? env.store.findSeq(chatId, entry.target) : null;
    if (target && (target.changed ?? 0) < entry.seq) CHANGES[entry.kind](env, chatId, entry, target);
  } else {
    return false;
  }
  env.numbered?.(chatId, entry.seq);
  noteMember(env.model, chatId, entry.fromUserId);
  if (knownName(env.model, entry.fromUserId, chatId) === null) env.lookup?.(entry.fromUserId);
  return true;
}

export const GROUP_FRAME_KINDS = {
  notice: {
    accepts: (frame) => frame.fromUserId == null && typeof frame.data.notice === "string",
    apply(env, chatId, { data }) {
      if (!Object.hasOwn(NOTICES, data.notice) || !isText(data.userId) || !isText(data.userName)) return false;
      const { notice, userId, userName } = data;
      const { model } = env;
      if (notice === "left") {
        removeMember(model, chatId, userId);
        stopTyping(model, chatId, userId);
      } else {
        addMember(model, chatId, userId, userName);
        const mine = userId === model.me.userId;
        if (mine && notice === "joined" && !isPrivateId(chatId) && !model.conversations[chatId] && model.chats[chatId]) {
          openConversation(model, model.chats[chatId]); // joined in another tab: this one follows
        }
      }
      env.store.add(chatId, { kind: "notice", notice, userId, userName, time: env.now() });
      return true;
    },
  },

  entry: {
    accepts: fromServer("entry"),
    apply: (env, chatId, { data }) => applyEntry(env, chatId, data.entry),
  },

  typing: {
    accepts: fromServer("typing"),
    apply(env, chatId, { data }) {
      const { userId, ttl } = data.typing;
      if (!isUserId(userId) || !Number.isFinite(ttl) || userId === env.model.me.userId) return false;
      const until = noteTyping(env.model, chatId, userId, ttl, env.now());
      if (until !== null) env.typingUntil(until);
      return true;
    },
  },

  read: {
    accepts: fromServer("read"),
    apply(env, chatId, { data }) {
      const { userId, seq } = data.read;
      if (!isUserId(userId) || !isSeq(seq)) return false;
      return markReadUpTo(env.store, chatId, userId, seq);
    },
  },
};

/** `readerId` has read everything numbered up to `seq`: their mark goes to the newest message here at or before it. */
export function markReadUpTo(store, chatId, readerId, seq) {
  const message = store.listOf(chatId).findLast((entry) => entry.kind === "message" && entry.seq && entry.seq <= seq);
  return message ? store.markRead(chatId, readerId, message.fromUserId, message.id) : false;
}

/** Apply a group frame; returns the kind's name, or null when the frame is malformed or of no known kind. */
export function applyGroupFrame(env, frame) {
  const chatId = frame?.group;
  if (!isText(chatId) || !frame.data || typeof frame.data !== "object") return null;
  for (const [name, kind] of Object.entries(GROUP_FRAME_KINDS)) {
    if (!kind.accepts(frame)) continue;
    return kind.apply(env, chatId, frame) ? name : null;
  }
  return null;
}

/** Someone said something in a chat, so they are in it (a chat announced after our lists loaded lists nobody). */
function noteMember(model, chatId, userId) {
  if (model.chats[chatId] && !model.chats[chatId].members?.[userId]) addMember(model, chatId, userId, knownName(model, userId, chatId));
}
