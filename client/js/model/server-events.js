// What each server event (`chatEvent`) does to the model: one handler per event name, so a new
// event is one more entry in SERVER_EVENTS. Effects beyond the model go through `ctx`:
//   ctx.quiet                    true when replaying events on top of a fresh snapshot
//   ctx.visible                  the page is on screen
//   ctx.toast(text, type)        tell the user (does nothing when quiet)
//   ctx.announce()               tell the server again that this connection is here
//   ctx.confirmed()              the server announced us: this connection is back in its chats
//   ctx.createdHere(chatId)      true (once) when this tab created the chat, which it then joins
//   ctx.join(chat)               join a group chat
//   ctx.closed(chatId)           a chat was closed (forget its messages)
//   ctx.privateChatReady(chat)   a private chat was (re)opened by the server
//   ctx.serverError(data)        the server refused one of our events
//   ctx.blocksChanged(added, removed)  ids this user now blocks, and no longer blocks
import { addMember, peerOf, titleOf } from "./directory.js";
import { setBlocked } from "./blocks.js";
import { activate, closeConversation, openConversation } from "./conversations.js";

/** The inner `data` of some events is a JSON string (as in the original); accept either form. */
function parseInner(data) {
  return typeof data === "string" ? JSON.parse(data) : data;
}

const isText = (value) => typeof value === "string" && value !== "";

export const SERVER_EVENTS = {
  userOnline(model, data, ctx) {
    const user = parseInner(data);
    if (!isText(user?.userId) || !isText(user.userName)) return;
    const { userId, userName, userProvider } = user;
    model.users[userId] = { userId, userName, userProvider, idle: Boolean(user.idle) };
    if (userId === model.me?.userId && !ctx.quiet) ctx.confirmed();
  },

  userOffline(model, userId, ctx) {
    if (userId === model.me.userId) {
      if (!ctx.quiet) ctx.announce(); // the server lost track of this open connection: tell it again
      return;
    }
    delete model.users[userId];
  },

  /**
   * The server linked or unlinked this user's presence with others (a chat joined, left, opened in
   * private, blocked or deleted): people gained who are online join the list, people lost leave it.
   */
  contacts(model, data) {
    const change = parseInner(data);
    for (const [userId, user] of Object.entries(change?.added ?? {})) {
      if (user?.userId !== userId || !isText(user.userName) || !user.online) continue;
      model.users[userId] = { userId, userName: user.userName, userProvider: user.userProvider, idle: Boolean(user.idle) };
    }
    for (const userId of Array.isArray(change?.removed) ? change.removed : []) {
      if (userId !== model.me?.userId) delete model.users[userId];
    }
  },

  userIsIdle(model, userId) {
    if (model.users[userId]) model.users[userId].idle = true;
  },

  userNotIdle(model, userId) {
    if (model.users[userId]) model.users[userId].idle = false;
  },

  chatCreated(model, data, ctx) {
    const chat = parseInner(data);
    if (!isText(chat?.id) || !isText(chat.name)) return;
    model.chats[chat.id] = { id: chat.id, name: chat.name, owner: chat.owner ?? null, private: false, members: {} };
    if (ctx.createdHere(chat.id)) ctx.join(model.chats[chat.id]);
  },

  /** We joined a group chat (in this tab or another): known here from now on, so every tab follows the join. */
  chatJoined(model, data) {
    const chat = parseInner(data);
    if (!isText(chat?.id) || !isText(chat.name) || model.chats[chat.id]) return;
    model.chats[chat.id] = { id: chat.id, name: chat.name, owner: chat.owner ?? null, private: false, members: {} };
  },

  chatDeleted(model, chatId, ctx) {
    const chat = model.chats[chatId];
    delete model.chats[chatId];
    if (!closeConversation(model, chatId)) return;
    ctx.closed(chatId);
    if (chat && chat.owner !== model.me.userId) ctx.toast(`💥 Chat “${chat.name}” was deleted by its owner`, "danger");
  },

  joinPrivateChat(model, data, ctx) {
    const chat = parseInner(data);
    if (!isText(chat?.id) || !isText(chat.name)) return;
    const known = model.chats[chat.id];
    model.chats[chat.id] = { ...known, id: chat.id, name: chat.name, owner: null, private: true, members: known?.members ?? {} };
    const me = model.me;
    addMember(model, chat.id, me.userId, me.userName);
    const peer = peerOf(chat.id, me.userId);
    if (peer) addMember(model, chat.id, peer, model.users[peer]?.userName ?? chat.name.replace(/^Chat with /, ""));
    const isNew = !model.conversations[chat.id];
    openConversation(model, model.chats[chat.id]);
    if (chat.grabFocus && !ctx.quiet) activate(model, chat.id, { visible: ctx.visible });
    if (isNew && !chat.grabFocus) ctx.toast(`💬 Incoming: Chat with ${titleOf(model, model.chats[chat.id])}`, "warning");
    ctx.privateChatReady(model.chats[chat.id]);
  },

  /** The whole list of users this user blocks, after a change made in any of their tabs. */
  blockList(model, data, ctx) {
    const list = parseInner(data)?.blocked;
    if (!Array.isArray(list)) return;
    const { added, removed } = setBlocked(model, list);
    if (!ctx.quiet && (added.length || removed.length)) ctx.blocksChanged(added, removed);
  },

  error(model, data, ctx) {
    if (!ctx.quiet) ctx.serverError(data && typeof data === "object" ? data : {});
  },
};

/**
 * A frame as the app handles it. The server tells a user's watchers their presence, and a chat's
 * members that it was deleted, by sending to a group; Web PubSub delivers that as a group message
 * with no sender (`fromUserId` is stamped by the service on everything a client publishes, and
 * notices carry `notice`, not `chatEvent`). Such a frame is the server's event; anything else is
 * unchanged.
 */
export function asServerFrame(frame) {
  const fromServer = frame?.type === "message" && frame.from === "group" && frame.fromUserId == null;
  if (!fromServer || typeof frame.data?.chatEvent !== "string") return frame;
  return { type: "message", from: "server", dataType: frame.dataType, data: frame.data };
}

/** Apply one server event; false when it is not one Chatr knows (it is then ignored). */
export function applyServerEvent(model, event, ctx) {
  const name = event?.chatEvent;
  if (typeof name !== "string" || !Object.hasOwn(SERVER_EVENTS, name)) return false;
  SERVER_EVENTS[name](model, event.data, ctx);
  return true;
}
