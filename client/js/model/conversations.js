// The chats this user is in, as this browser tab sees them: which one is open, what is unread (and
// how much of it mentions this user), where the "new messages" divider goes, which are muted.
// Unread counts and the open chat survive a reload through `viewState` / `restoreView` (the app
// keeps them in sessionStorage).
import { hidesEntry } from "./blocks.js";
import { mentionsMe } from "./mentions.js";

/** Start following a chat (after joining it, or on reload); `focus` also opens it. */
export function openConversation(model, chat, { focus = false, visible = true } = {}) {
  let conversation = model.conversations[chat.id];
  if (!conversation) {
    conversation = {
      id: chat.id,
      private: Boolean(chat.private),
      unread: 0,
      mentions: 0, // of the unread entries, how many mention this user
      readAt: 0, // time of the last entry read
      readSeq: 0, // the number the server says this user has read up to (on any device)
      lastAt: 0, // time of the last entry that arrived
      dividerAt: null, // entries after this time sit below the "new messages" divider
      muted: false,
    };
    model.conversations[chat.id] = conversation;
  }
  if (focus) activate(model, chat.id, { visible });
  return conversation;
}

/** Stop following a chat (left, deleted, or gone from the server); nothing is open afterwards if it was. */
export function closeConversation(model, chatId) {
  if (!model.conversations[chatId]) return false;
  delete model.conversations[chatId];
  if (model.activeId === chatId) model.activeId = null;
  return true;
}

/**
 * Open a chat: it is read from now on, and when it had unread entries the divider marks the first
 * of them until another chat is opened.
 */
export function activate(model, chatId, { visible = true } = {}) {
  const previous = model.conversations[model.activeId];
  if (previous && model.activeId !== chatId) previous.dividerAt = null;
  model.activeId = chatId;
  const conversation = model.conversations[chatId];
  if (!conversation) return;
  conversation.dividerAt = conversation.unread ? conversation.readAt : null;
  if (visible) markRead(conversation);
}

/** The page came back into view: the open chat's entries that arrived meanwhile are read now, below a divider. */
export function pageShown(model) {
  const conversation = model.conversations[model.activeId];
  if (!conversation) return;
  if (conversation.unread) conversation.dividerAt = conversation.readAt;
  markRead(conversation);
}

function markRead(conversation) {
  conversation.unread = 0;
  conversation.mentions = 0;
  conversation.readAt = conversation.lastAt;
}

/**
 * Whether an entry should count as unread and alert: only others' messages. Notices (joins, leaves,
 * "wants to chat") are not something to read; an invitation is announced by its own toast.
 */
export function alerts(entry, meId) {
  return entry.kind === "message" && entry.fromUserId !== meId;
}

/**
 * Entries reached a chat's list. Those the user is not looking at right now (another chat is open,
 * or the page is hidden) count as unread; the ones that should alert the user are returned. What
 * a blocked person says never counts or alerts.
 */
export function countArrivals(model, chatId, entries, { visible }) {
  const conversation = model.conversations[chatId];
  if (!conversation) return [];
  const meId = model.me?.userId;
  let lastAt = conversation.lastAt;
  const alerting = [];
  for (const entry of entries) {
    lastAt = Math.max(lastAt, entry.time);
    const readElsewhere = entry.seq !== undefined && entry.seq <= (conversation.readSeq ?? 0); // on another device
    if (alerts(entry, meId) && !hidesEntry(model, entry) && !readElsewhere) alerting.push(entry);
  }
  // one write per field: each write to the (reactive) conversation is work for whatever shows it
  conversation.lastAt = lastAt;
  if (visible && model.activeId === chatId) {
    conversation.readAt = lastAt;
    return [];
  }
  if (alerting.length) {
    conversation.unread += alerting.length;
    const mentions = alerting.filter((entry) => mentionsMe(entry, model.me)).length;
    if (mentions) conversation.mentions += mentions;
  }
  return alerting;
}

/** The count for the page title: unread entries of every chat that is not muted, and mentions of this user in those that are. */
export function titleCount(model) {
  let total = 0;
  for (const conversation of Object.values(model.conversations)) {
    total += conversation.muted ? conversation.mentions : conversation.unread;
  }
  return total;
}

/**
 * Mute or unmute a chat: a muted chat still counts unread, but not in the title, and never
 * notifies, except for a message that mentions this user.
 */
export function setMuted(model, chatId, muted) {
  const conversation = model.conversations[chatId];
  if (conversation) conversation.muted = muted;
}

/** What a reload needs to put the tab back as it was: the open chat, and unread counts with read markers. */
export function viewState(model) {
  const chats = {};
  for (const { id, unread, mentions, readAt } of Object.values(model.conversations)) chats[id] = { unread, mentions, readAt };
  return { activeId: model.activeId, chats };
}

/** Put back a conversation's counts from `viewState` (once it is open again after a reload). */
export function restoreView(conversation, saved) {
  const counts = saved?.chats?.[conversation.id];
  if (!counts) return;
  if (Number.isInteger(counts.unread) && counts.unread >= 0) conversation.unread = counts.unread;
  if (Number.isInteger(counts.mentions) && counts.mentions >= 0) conversation.mentions = Math.min(counts.mentions, conversation.unread);
  if (Number.isFinite(counts.readAt)) conversation.readAt = counts.readAt;
}
