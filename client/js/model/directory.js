// Who and what the sidebar lists, kept as the server describes them: users online, group chats and
// this user's private chats, with their members. Names shown always come from here (the server),
// never from inside a chat message.

const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });
const PRIVATE_PREFIX = "private_";
const PRIVATE_NAME = /^Chat with /;

/** The state every part of the app reads; the app makes it reactive, the unit tests use it as is. */
export function createModel() {
  return {
    me: null, // {userId, userName, userProvider}
    idle: false,
    users: {}, // userId -> {userId, userName, userProvider, idle}
    profiles: {}, // userId -> {userName, userProvider} fetched for someone the lists do not name (null: the server knows no such user)
    chats: {}, // chatId -> {id, name, owner, private, members: {userId: {userId, userName, userProvider}}} (userName null: not known yet)
    conversations: {}, // chatId -> the chats this user is in (see conversations.js)
    activeId: null,
    drafts: {}, // chatId -> text not sent yet
    typing: {}, // chatId -> {userId: until} (see typing.js)
    blocked: {}, // userId -> true: the users this user blocks (see blocks.js)
  };
}

/**
 * Chats sort by name, then by id: a key every browser computes the same way, before and after a
 * reload, whatever the clocks say (a chat announced a moment ago has no server timestamp yet).
 */
export function byName(a, b) {
  return collator.compare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Every group chat, in sidebar order. */
export function groupChats(model) {
  return Object.values(model.chats)
    .filter((chat) => !chat.private)
    .sort(byName);
}

/** This user first, then everyone else by name. */
export function sortedUsers(model) {
  const me = model.me?.userId;
  return Object.values(model.users).sort(
    (a, b) => (b.userId === me) - (a.userId === me) || collator.compare(a.userName, b.userName),
  );
}

/** A group chat whose name matches `name` (trimmed, ignoring case and accents), or null. */
export function chatNamed(model, name) {
  const wanted = name.trim();
  if (!wanted) return null;
  return groupChats(model).find((chat) => collator.compare(chat.name.trim(), wanted) === 0) ?? null;
}

/** True when `query` (trimmed, case-insensitive) is part of `text`; an empty query matches everything. */
export function matches(text, query) {
  const wanted = query.trim().toLocaleLowerCase();
  return !wanted || text.toLocaleLowerCase().includes(wanted);
}

export function isPrivateId(chatId) {
  return chatId.startsWith(PRIVATE_PREFIX);
}

/** The id the server gives a private chat: both user ids, lower first (the order of Python's <). */
export function privateChatId(userA, userB) {
  return userA < userB ? `${PRIVATE_PREFIX}${userA}_${userB}` : `${PRIVATE_PREFIX}${userB}_${userA}`;
}

/** The other person in a private chat (user ids cannot contain "_"), or null. */
export function peerOf(chatId, meId) {
  if (!isPrivateId(chatId)) return null;
  const ids = chatId.slice(PRIVATE_PREFIX.length).split("_");
  if (ids.length !== 2 || !ids.includes(meId)) return null;
  return ids[0] === meId ? ids[1] : ids[0];
}

/** Shown for a sender whose name is on its way from the server. */
export const NAME_PENDING = "…";
/** Shown for a sender the server says it does not know. */
export const NAME_UNKNOWN = "Unknown user";

/** A user's name as the server gave it (the user list, a chat's members, a profile fetched by id), or null. */
export function knownName(model, userId, chatId = null) {
  return model.users[userId]?.userName ?? model.chats[chatId]?.members?.[userId]?.userName ?? model.profiles[userId]?.userName ?? null;
}

/** A user's name as the server gave it; else "Unknown user" once the server said so, or "…" until it answers. */
export function nameOf(model, userId, chatId = null) {
  return knownName(model, userId, chatId) ?? (model.profiles[userId] === null ? NAME_UNKNOWN : NAME_PENDING);
}

/** Who sent a message: the server's name for them now, else the one it had when the message came, else as nameOf. */
export function senderName(model, entry, chatId) {
  return knownName(model, entry.fromUserId, chatId) ?? entry.fromUserName ?? nameOf(model, entry.fromUserId, chatId);
}

/** How a user signed in (`guest`, `github`, `aad`) as the server gave it, or null when it has not said. */
export function providerOf(model, userId, chatId = null) {
  return model.users[userId]?.userProvider ?? model.chats[chatId]?.members?.[userId]?.userProvider ?? model.profiles[userId]?.userProvider ?? null;
}

/** What a chat is called in the sidebar and its header: a private chat by the other person's name. */
export function titleOf(model, chat) {
  if (!chat.private) return chat.name;
  const peer = peerOf(chat.id, model.me?.userId);
  const known = model.users[peer]?.userName ?? model.chats[chat.id]?.members?.[peer]?.userName;
  return known ?? chat.name.replace(PRIVATE_NAME, "");
}

/** How many people are in a chat, as far as this browser has heard. */
export function memberCount(model, chatId) {
  return Object.keys(model.chats[chatId]?.members ?? {}).length;
}

/**
 * The members of a chat after a fresh list arrived: the server's (`fetched`), except for anyone
 * who joined or left here (`now` differs from `before`) while it was on its way.
 */
export function mergedMembers(before, now, fetched) {
  const merged = { ...fetched };
  for (const userId of new Set([...Object.keys(before), ...Object.keys(now)])) {
    if (Object.hasOwn(before, userId) === Object.hasOwn(now, userId)) continue;
    if (Object.hasOwn(now, userId)) merged[userId] = merged[userId] ?? now[userId];
    else delete merged[userId];
  }
  return merged;
}

/** Record that a user joined a chat (a notice or our own join); what the lists said of them (their provider) stays. */
export function addMember(model, chatId, userId, userName) {
  const chat = model.chats[chatId];
  if (!chat) return;
  chat.members ??= {};
  chat.members[userId] = { ...chat.members[userId], userId, userName };
}

/** Record that a user left a chat. */
export function removeMember(model, chatId, userId) {
  const members = model.chats[chatId]?.members;
  if (members) delete members[userId];
}

/** True when the server lists this user as in the chat: a group chat's member, or one of our private chats. */
export function isMember(model, chatId) {
  const chat = model.chats[chatId];
  if (!chat) return false;
  return chat.private ? true : Boolean(chat.members?.[model.me.userId]);
}

/** The other person has left our private chat (they are no longer among its members). */
export function peerHasLeft(model, chatId) {
  const chat = model.chats[chatId];
  const peer = peerOf(chatId, model.me?.userId);
  return Boolean(chat?.private && peer && chat.members && !chat.members[peer]);
}
