// What arrives in a chat's group: what people send (`fromUserId` stamped by the service) and the
// server's notices (no `fromUserId`). Each kind in GROUP_FRAME_KINDS says which frames are its own
// and what they do; a new kind is one more entry, and OUTGOING builds what this browser sends.
//
// The trust rule: the only thing a frame proves is its sender, the `fromUserId` the service stamps
// on it; nothing inside `data` is believed about who anyone is. Edits and deletes reach only their
// sender's own messages (a message is found by sender and id), a reaction or a read mark counts
// for whoever sent it, names always come from the server's lists, and anything malformed is
// ignored without a word. A frame whose `kind` this browser does not know is ignored too. Since the
// service lets only a chat's members publish to it, a frame someone sent proves they are a member.
//
// `env` is what a kind may touch: `env.model`, `env.store` (the message store), `env.now()`,
// `env.reactionGate` (one reaction frame per message per person per second),
// `env.typingUntil(time)` (someone is typing until then: check again at that time) and
// `env.lookup(userId)` (a sender the lists do not name: ask the server who they are).
import { addMember, isPrivateId, knownName, nameOf, removeMember } from "./directory.js";
import { openConversation } from "./conversations.js";
import { MESSAGE_MAX, lengthOf } from "./limits.js";
import { MENTIONS_MAX } from "./mentions.js";
import { knownEmojis } from "./reactions.js";
import { noteTyping, stopTyping, TYPING_GRACE_MS, TYPING_EVERY_MS } from "./typing.js";

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
const fitsLimit = (text) => typeof text === "string" && text.trim() !== "" && lengthOf(text) <= MESSAGE_MAX;

/** The `mentions` of a frame: user ids, once each, at most MENTIONS_MAX; null when it is not a list of ids. */
function mentionIds(value) {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isUserId)) return null;
  return [...new Set(value)].slice(0, MENTIONS_MAX);
}

/** Frames people send carry a `kind`, except messages (the original's shape, which has none). */
const ofKind = (kind) => (frame) => isText(frame.fromUserId) && frame.data.kind === kind;

export const GROUP_FRAME_KINDS = {
  notice: {
    accepts: (frame) => frame.fromUserId == null,
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

  typing: {
    accepts: ofKind("typing"),
    apply(env, chatId, { fromUserId, data }) {
      const ttl = data.ttl === undefined ? TYPING_EVERY_MS + TYPING_GRACE_MS : data.ttl;
      if (!Number.isFinite(ttl) || fromUserId === env.model.me.userId) return false;
      const until = noteTyping(env.model, chatId, fromUserId, ttl, env.now());
      if (until !== null) env.typingUntil(until);
      return true;
    },
  },

  edit: {
    accepts: ofKind("edit"),
    apply(env, chatId, { fromUserId, data }) {
      const mentions = mentionIds(data.mentions);
      if (!isId(data.id) || !fitsLimit(data.text) || mentions === null) return false;
      env.store.edit(chatId, fromUserId, data.id, { text: data.text, mentions });
      return true;
    },
  },

  delete: {
    accepts: ofKind("delete"),
    apply(env, chatId, { fromUserId, data }) {
      if (!isId(data.id)) return false;
      env.store.remove(chatId, fromUserId, data.id);
      return true;
    },
  },

  reaction: {
    accepts: ofKind("reaction"),
    apply(env, chatId, { fromUserId, data }) {
      const emojis = knownEmojis(data.emojis);
      if (!isUserId(data.author) || !isId(data.id) || emojis === null) return false;
      if (!env.reactionGate.allow(`${chatId}\n${fromUserId}\n${data.author}\n${data.id}`, env.now())) return true;
      const userName = nameOf(env.model, fromUserId, chatId);
      env.store.react(chatId, data.author, data.id, { userId: fromUserId, userName, emojis });
      return true;
    },
  },

  read: {
    accepts: ofKind("read"),
    apply(env, chatId, { fromUserId, data }) {
      if (!isUserId(data.author) || !isId(data.id)) return false;
      env.store.markRead(chatId, fromUserId, data.author, data.id);
      return true;
    },
  },

  message: {
    accepts: (frame) => frame.data.kind === undefined && typeof frame.data.message === "string",
    apply(env, chatId, { fromUserId, data }) {
      if (!isText(fromUserId) || !fitsLimit(data.message)) return false;
      const entry = { kind: "message", fromUserId, text: data.message };
      if (data.id !== undefined || data.mentions !== undefined) {
        const mentions = mentionIds(data.mentions);
        if (!isId(data.id) || mentions === null) return false;
        Object.assign(entry, { id: data.id, mentions });
      }
      // the sender is the one the service stamped, named as the server knows them (null: not yet): never a name from the frame
      entry.fromUserName = knownName(env.model, fromUserId, chatId);
      entry.time = env.now();
      stopTyping(env.model, chatId, fromUserId);
      return env.store.add(chatId, entry); // false: the sender already has a message with this id
    },
  },
};

/** Apply a group frame; returns the kind's name, or null when the frame is malformed or of no known kind. */
export function applyGroupFrame(env, frame) {
  const chatId = frame?.group;
  if (!isText(chatId) || !frame.data || typeof frame.data !== "object") return null;
  for (const [name, kind] of Object.entries(GROUP_FRAME_KINDS)) {
    if (!kind.accepts(frame)) continue;
    if (!kind.apply(env, chatId, frame)) return null;
    if (isText(frame.fromUserId)) {
      noteMember(env.model, chatId, frame.fromUserId);
      if (knownName(env.model, frame.fromUserId, chatId) === null) env.lookup?.(frame.fromUserId);
    }
    return name;
  }
  return null;
}

/** Someone published to a chat, so they are in it (a chat announced after our lists loaded lists nobody). */
function noteMember(model, chatId, userId) {
  if (model.chats[chatId] && !model.chats[chatId].members?.[userId]) addMember(model, chatId, userId, knownName(model, userId, chatId));
}

/**
 * What this browser sends to a chat's group (`data` of sendToGroup), one builder per kind. A
 * message keeps the original's shape (`message`, `fromUserId`, `fromUserName`, which receivers
 * ignore in favour of the stamped sender), plus its id and mentions.
 */
export const OUTGOING = {
  message: (me, { id, text, mentions }) => ({ message: text, id, mentions, fromUserId: me.userId, fromUserName: me.userName }),
  edit: (id, text, mentions) => ({ kind: "edit", id, text, mentions }),
  delete: (id) => ({ kind: "delete", id }),
  reaction: (author, id, emojis) => ({ kind: "reaction", author, id, emojis }),
  read: (author, id) => ({ kind: "read", author, id }),
  typing: (ttl) => ({ kind: "typing", ttl }),
};
