// The open chat: a header naming it (group or private: members, or the other person's sign-in and
// presence; the chat's menu, where a private chat also blocks or unblocks the other person), its
// messages, and the composer pinned at the bottom. Editing a message happens in the composer;
// deleting one asks first. In a private chat with someone blocked, a bar with Unblock takes the
// composer's place: they are out of the chat, so nothing written there would reach them.
import Composer from "./composer.js";
import ConfirmDialog from "./confirm-dialog.js";
import MenuButton from "./menu-button.js";
import MessageList from "./message-list.js";
import ProviderIcon from "./provider-icon.js";
import { isBlocked } from "../model/blocks.js";
import { memberCount, peerOf, providerOf, titleOf } from "../model/directory.js";

export default {
  name: "Conversation",
  components: { Composer, ConfirmDialog, MenuButton, MessageList, ProviderIcon },
  inject: ["session"],
  props: {
    chatId: { type: String, required: true },
  },
  emits: ["back", "block"],
  data() {
    return { deleting: null, writeAfterUnblock: false };
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
    peerId() {
      return peerOf(this.chatId, this.model.me.userId);
    },
    peer() {
      return this.model.users[this.peerId] ?? null;
    },
    peerProvider() {
      return this.peerId ? providerOf(this.model, this.peerId, this.chatId) : null;
    },
    peerBlocked() {
      return Boolean(this.peerId) && isBlocked(this.model, this.peerId);
    },
    subtitle() {
      if (!this.chat.private) {
        const count = memberCount(this.model, this.chatId);
        return `Group chat · ${count} ${count === 1 ? "member" : "members"}`;
      }
      const presence = this.peer ? (this.peer.idle ? "away" : "online") : "offline";
      return `Private chat · ${presence}${this.peerBlocked ? " · blocked" : ""}`;
    },
    menu() {
      const muted = this.conversation?.muted;
      const items = [
        muted
          ? { id: "unmute", label: "Unmute chat", icon: "fas fa-bell" }
          : { id: "mute", label: "Mute chat", icon: "fas fa-bell-slash" },
      ];
      if (this.peerId && this.peerBlocked) items.push({ id: "unblock", label: `Unblock ${this.title}`, icon: "fas fa-user-check" });
      else if (this.peerId) items.push({ id: "block", label: `Block ${this.title}`, icon: "fas fa-ban", danger: true });
      items.push({ id: "leave", label: "Leave chat", icon: "fas fa-right-from-bracket", danger: true });
      return items;
    },
  },
  watch: {
    /** Unblocked from the bar, which then goes: the focus moves into the box that takes its place. */
    peerBlocked(blocked) {
      if (blocked || !this.writeAfterUnblock) return;
      this.writeAfterUnblock = false;
      this.$nextTick(() => this.focusComposer());
    },
  },
  methods: {
    onMenu(action) {
      if (action === "leave") this.session.leave(this.chatId);
      else if (action === "block") this.$emit("block", { userId: this.peerId, userName: this.title });
      else if (action === "unblock") this.unblockPeer();
      else this.session.setMuted(this.chatId, action === "mute");
    },
    unblockPeer() {
      this.session.unblock({ userId: this.peerId, userName: this.title });
    },
    unblockFromBar() {
      this.writeAfterUnblock = true;
      this.unblockPeer();
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
          <h2 class="conversationName">{{ title }}<provider-icon v-if="chat.private" class="ml-2" :provider="peerProvider" /></h2>
          <p class="conversationMeta">
            {{ subtitle }}<span v-if="conversation?.muted"> · muted</span>
          </p>
        </div>
        <menu-button :label="'Options for ' + title" :items="menu" @select="onMenu" />
      </header>
      <message-list :chat-id="chatId" :title="title" @edit="editMessage" @delete="deleting = $event"
        @reply="$refs.composer?.startReply($event)" />
      <div v-if="peerBlocked" class="blockedBar">
        <p>You blocked {{ title }}. They can't write to you here, and you don't see their messages.</p>
        <button type="button" class="button is-small" :disabled="!session.online" @click="unblockFromBar">Unblock</button>
      </div>
      <composer v-else ref="composer" :chat-id="chatId" :title="title" />
      <confirm-dialog v-if="deleting" title="Delete this message?"
        message="It is deleted for everyone in the chat; they will see that a message was deleted." confirm-label="Delete message"
        @confirm="confirmDelete" @close="deleting = null" />
    </section>`,
};
