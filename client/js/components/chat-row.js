// One chat in the sidebar: its name (a private chat's with the other person's sign-in), muted state, unread count (with an "@" when some of it
// mentions this user), and for its owner the delete button. It reads its own unread count, so a busy chat re-renders only its row.
import ProviderIcon from "./provider-icon.js";
import { peerOf, providerOf, titleOf } from "../model/directory.js";

export default {
  name: "ChatRow",
  components: { ProviderIcon },
  inject: ["session"],
  props: {
    chat: { type: Object, required: true },
    active: { type: Boolean, default: false },
    tabStop: { type: Boolean, default: false },
  },
  emits: ["open", "delete"],
  computed: {
    conversation() {
      return this.session.model.conversations[this.chat.id];
    },
    title() {
      return titleOf(this.session.model, this.chat);
    },
    unread() {
      return this.conversation?.unread ?? 0;
    },
    canDelete() {
      return !this.chat.private && this.chat.owner === this.session.model.me.userId;
    },
    provider() {
      const peer = this.chat.private ? peerOf(this.chat.id, this.session.model.me.userId) : null;
      return peer ? providerOf(this.session.model, peer, this.chat.id) : null;
    },
    /** A private chat shows the other person's presence: online, away or offline. */
    presence() {
      if (!this.chat.private) return null;
      const peer = Object.keys(this.chat.members ?? {}).find((id) => id !== this.session.model.me.userId);
      const user = this.session.model.users[peer];
      return user ? (user.idle ? "away" : "online") : "offline";
    },
  },
  template: `
    <li class="chatItem" :class="{ isActive: active, isJoined: Boolean(conversation) }" :data-chat-id="chat.id">
      <button type="button" class="chatLink" :data-roving="chat.id" :tabindex="tabStop ? 0 : -1"
        :aria-current="active ? 'true' : null" :title="title" @click="$emit('open', chat.id)">
        <span v-if="presence" class="presenceDot" :class="'is-' + presence" aria-hidden="true"></span>
        <span v-else class="chatIcon" aria-hidden="true">#</span>
        <span class="chatName">{{ chat.deleting ? "Deleting…" : title }}</span>
        <provider-icon v-if="provider" :provider="provider" />
        <span v-if="presence" class="is-sr-only">({{ presence }})</span>
        <span v-if="conversation?.muted" class="mutedIcon" title="Muted">
          <i class="fas fa-bell-slash" aria-hidden="true"></i><span class="is-sr-only">(muted)</span>
        </span>
        <span v-if="conversation?.mentions" class="mentionBadge" title="You were mentioned">
          <span aria-hidden="true">@</span><span class="is-sr-only">(mentions you)</span>
        </span>
        <span v-if="unread" class="unread" :class="{ isMuted: conversation.muted }" :data-unread="unread">
          <span aria-hidden="true">{{ unread > 99 ? "99+" : unread }}</span><span class="is-sr-only">{{ unread }} unread</span>
        </span>
      </button>
      <button v-if="canDelete" type="button" class="deleteButton" :tabindex="tabStop ? 0 : -1" :disabled="chat.deleting"
        :aria-label="'Delete chat ' + title" title="Delete chat" @click="$emit('delete', chat)">
        <i class="fas fa-trash-can" aria-hidden="true"></i>
      </button>
    </li>`,
};
