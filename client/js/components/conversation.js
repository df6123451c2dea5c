// The open chat: a header naming it (group or private, members or the other person's presence,
// the chat's menu), its messages, and the composer pinned at the bottom. Editing a message happens
// in the composer; deleting one asks first.
import Composer from "./composer.js";
import ConfirmDialog from "./confirm-dialog.js";
import MenuButton from "./menu-button.js";
import MessageList from "./message-list.js";
import { memberCount, peerOf, titleOf } from "../model/directory.js";

export default {
  name: "Conversation",
  components: { Composer, ConfirmDialog, MenuButton, MessageList },
  inject: ["session"],
  props: {
    chatId: { type: String, required: true },
  },
  emits: ["back"],
  data() {
    return { deleting: null };
  },
  computed: {
    model() {
      return this.session.model;
    },
    chat() {
      return this.model.chats[this.chatId] ?? { id: this.chatId, name: this.chatId, private: false };
    },
    conversation() {
      return this.model.conversations[this.chatId];
    },
    title() {
      return titleOf(this.model, this.chat);
    },
    peer() {
      return this.model.users[peerOf(this.chatId, this.model.me.userId)] ?? null;
    },
    subtitle() {
      if (!this.chat.private) {
        const count = memberCount(this.model, this.chatId);
        return `Group chat · ${count} ${count === 1 ? "member" : "members"}`;
      }
      const presence = this.peer ? (this.peer.idle ? "away" : "online") : "offline";
      return `Private chat · ${presence}`;
    },
    menu() {
      const muted = this.conversation?.muted;
      return [
        muted
          ? { id: "unmute", label: "Unmute chat", icon: "fas fa-bell" }
          : { id: "mute", label: "Mute chat", icon: "fas fa-bell-slash" },
        { id: "leave", label: "Leave chat", icon: "fas fa-right-from-bracket", danger: true },
      ];
    },
  },
  methods: {
    onMenu(action) {
      if (action === "leave") this.session.leave(this.chatId);
      else this.session.setMuted(this.chatId, action === "mute");
    },
    focusComposer() {
      this.$refs.composer?.focus();
    },
    editMessage(entry) {
      this.$refs.composer?.startEdit(entry);
    },
    confirmDelete() {
      const entry = this.deleting;
      this.deleting = null;
      this.session.deleteMessage(this.chatId, entry);
    },
  },
  template: `
    <section class="conversation" :aria-label="'Chat: ' + title" :data-chat-id="chatId">
      <header class="conversationHeader">
        <button type="button" class="button is-ghost iconButton backButton" aria-label="Back to chats" title="Back to chats"
          @click="$emit('back')">
          <span class="icon"><i class="fas fa-arrow-left" aria-hidden="true"></i></span>
        </button>
        <span class="chatAvatar" aria-hidden="true"><i :class="chat.private ? 'fas fa-user' : 'fas fa-hashtag'"></i></span>
        <div class="conversationTitle">
          <h2 class="conversationName">{{ title }}</h2>
          <p class="conversationMeta">
            {{ subtitle }}<span v-if="conversation?.muted"> · muted</span>
          </p>
        </div>
        <menu-button :label="'Options for ' + title" :items="menu" @select="onMenu" />
      </header>
      <message-list :chat-id="chatId" :title="title" @edit="editMessage" @delete="deleting = $event" />
      <composer ref="composer" :chat-id="chatId" :title="title" />
      <confirm-dialog v-if="deleting" title="Delete this message?"
        message="It is deleted for everyone in the chat; they will see that a message was deleted." confirm-label="Delete message"
        @confirm="confirmDelete" @close="deleting = null" />
    </section>`,
};
