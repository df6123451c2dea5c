// What arrives in a chat's group: messages people send (`fromUserId` stamped by the service) and the
// server's notices (no `fromUserId`). Each kind in GROUP_FRAME_KINDS says which frames are its own
// and what they do; a new kind (typing, edits, reactions, read marks) is one more entry, placed
// before "message" when its frames also carry a `message` field.
//
// `env` is what a kind may touch: `env.model`, `env.store` (the message store) and `env.now()`.
import { addMember, isPrivateId, nameOf, removeMember } from "./directory.js";
import { openConversation } from "./conversations.js";

export const NOTICES = {
  joined: { emoji: "💬", text: "has joined the chat" },
  left: { emoji: "💨", text: "has left the chat" },
  wantsToChat: { emoji: "💬", text: "wants to chat" },
};

const isText = (value) => typeof value === "string" && value !== "";

export const GROUP_FRAME_KINDS = {
  notice: {
    accepts: (frame) => frame.fromUserId == null,
    apply(env, chatId, { data }) {
      if (!Object.hasOwn(NOTICES, data.notice) || !isText(data.userId) || !isText(data.userName)) return false;
      const { notice, userId, userName } = data;
      const { model } = env;
      if (notice === "left") {
        removeMember(model, chatId, userId);
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

  message: {
    accepts: (frame) => typeof frame.data.message === "string",
    apply(env, chatId, { fromUserId, data }) {
      if (!isText(fromUserId)) return false;
      // the sender is the one the service stamped, named as the server knows them: never a name from the frame
      const fromUserName = nameOf(env.model, fromUserId, chatId);
      env.store.add(chatId, { kind: "message", fromUserId, fromUserName, text: data.message, time: env.now() });
      return true;
    },
  },
};

/** Apply a group frame; returns the kind's name, or null when the frame is malformed or of no known kind. */
export function applyGroupFrame(env, frame) {
  const chatId = frame?.group;
  if (!isText(chatId) || !frame.data || typeof frame.data !== "object") return null;
  for (const [name, kind] of Object.entries(GROUP_FRAME_KINDS)) {
    if (kind.accepts(frame)) return kind.apply(env, chatId, frame) ? name : null;
  }
  return null;
}
