// The app shell: it fills the window and never scrolls as a page. The sidebar and the open chat sit
// side by side (from 768 px wide, a tablet held upright); on a phone they are two screens, with a
// back button in the chat's header. The
// dialogs that ask before something drastic (deleting a chat, blocking someone, a guest's logout) live here,
// and Search messages, whose hit opens its chat at that message.
import BlockedUsersDialog from "./blocked-users-dialog.js";
import ConfirmDialog from "./confirm-dialog.js";
import Conversation from "./conversation.js";
import LogoutDialog from "./logout-dialog.js";
import MessageSearchDialog from "./message-search-dialog.js";
import NewChatDialog from "./new-chat-dialog.js";
import RetryCountdown from "./retry-countdown.js";
import SideBar from "./side-bar.js";
import { titleCount } from "../model/conversations.js";
import { pageTitle } from "../services/attention.js";

const WIDE = "(min-width: 768px)";
/** Setting the title is slow (the browser process hears of each one): a busy chat changes it at most this often. */
const TITLE_EVERY_MS = 500;

export default {
  name: "AppShell",
  components: {
    BlockedUsersDialog,
    ConfirmDialog,
    Conversation,
    LogoutDialog,
    MessageSearchDialog,
    NewChatDialog,
    RetryCountdown,
    SideBar,
  },
  inject: ["session"],
  data() {
    return { newChatOpen: false, deleting: null, blocking: null, blockedUsersOpen: false, searchOpen: false, loggingOut: false };
  },
  computed: {
    model() {
      return this.session.model;
    },
    status() {
      return this.session.status;
    },
    online() {
      return this.session.online;
    },
    activeId() {
      return this.model.conversations[this.model.activeId] ? this.model.activeId : null;
    },
    /** The server refuses another connection now (the user has the most open): it is tried again rarely, or on Retry. */
    refused() {
      return this.status.connection.state === "refused";
    },
    /** Why we are not connected, as a sentence. */
    refusal() {
      const reason = this.status.connection.reason.trim();
      return /[.!?…]$/.test(reason) ? reason : `${reason}.`;
    },
    unreadTotal() {
      return titleCount(this.model);
    },
    blockMessage() {
      const name = this.blocking.userName;
      return (
        `${name}'s private messages won't reach you (to them they seem sent) and they won't see when you're online; ` +
        "you won't see their messages, reactions or typing in any chat. They aren't told. " +
        "You can unblock them at any time from Blocked users."
      );
    },
  },
  watch: {
    unreadTotal: {
      handler() {
        if (this.titleTimer) return;
        this.titleTimer = setTimeout(() => {
          this.titleTimer = null;
          document.title = pageTitle(this.unreadTotal);
        }, TITLE_EVERY_MS);
      },
      immediate: true,
    },
    /** On a laptop, opening a chat puts the cursor in its box, ready to write (on a phone it would pop the keyboard up). */
    activeId(chatId) {
      if (chatId && window.matchMedia(WIDE).matches && !document.querySelector("dialog[open]")) {
        this.$nextTick(() => this.$refs.conversation?.focusComposer());
      }
    },
  },
  methods: {
    skipToComposer() {
      if (this.activeId) {
        this.status.screen = "chat";
        this.$nextTick(() => this.$refs.conversation?.focusComposer());
      } else {
        document.querySelector(".sidebarLists [tabindex='0']")?.focus();
      }
    },
    confirmDelete() {
      this.session.deleteChat(this.deleting.id);
      this.deleting = null;
    },
    confirmBlock() {
      this.session.block(this.blocking);
      this.blocking = null;
    },
    logout() {
      this.session.logout();
    },
    /** A search hit: the dialog closes (giving the focus back), then the chat opens at the message, which takes the focus. */
    async openHit(hit) {
      this.searchOpen = false;
      await this.$nextTick();
      this.session.jumpTo(hit.chatId, hit.seq);
    },
    /** A guest is asked first (and offered a recovery code); a signed-in user comes back by signing in. */
    askLogout() {
      if (this.model.me?.userProvider === "guest") this.loggingOut = true;
      else this.logout();
    },
  },
  template: `
    <div v-if="status.fatalError" class="fullScreen">
      <div class="notification is-danger" role="alert">
        <p class="mb-3"><strong>Chatr cannot use this sign-in.</strong> {{ status.fatalError }}</p>
        <button class="button is-light" type="button" @click="logout">Logout</button>
      </div>
    </div>

    <div v-else-if="!status.ready" class="fullScreen" role="status" aria-live="polite">
      <div v-if="refused" class="box has-text-centered loadingBox">
        <h1 class="brand mb-4"><img src="/img/logo.svg" alt="" class="logo" /> Chatr</h1>
        <p class="mb-3"><strong>Not connected.</strong> {{ refusal }}</p>
        <p class="mb-4"><retry-countdown :at="status.connection.retryAt" /></p>
        <button class="button is-link" type="button" @click="session.retry()">Retry now</button>
      </div>
      <div v-else class="box has-text-centered loadingBox">
        <h1 class="brand mb-4"><img src="/img/logo.svg" alt="" class="logo" /> Chatr</h1>
        <p class="loader is-size-1 mx-auto mb-4" aria-hidden="true"></p>
        <p class="mb-3">Please wait while we connect to the server.</p>
        <div class="tags is-centered">
          <span class="tag" :class="model.me ? 'is-success' : 'is-light'">ACCOUNT <span v-if="model.me">&nbsp;✓</span></span>
          <span class="tag" :class="online ? 'is-success' : 'is-light'">ONLINE <span v-if="online">&nbsp;✓</span></span>
        </div>
        <p v-if="status.connection.reason" class="help is-danger">
          {{ status.connection.reason }}<br /><retry-countdown :at="status.connection.retryAt" />
        </p>
      </div>
    </div>

    <div v-else class="shell" :class="{ showChat: status.screen === 'chat' && activeId }">
      <h1 class="is-sr-only">Chatr</h1>
      <a href="#composer" class="skipLink" @click.prevent="skipToComposer">
        {{ activeId ? "Skip to the message box" : "Skip to the chats" }}
      </a>
      <div v-if="!online" class="notification is-warning reconnecting" role="status" aria-live="polite">
        <span class="icon"><i class="fas fa-plug-circle-xmark" aria-hidden="true"></i></span>
        <template v-if="refused">
          <strong>Not connected.</strong> {{ refusal }} Sending is paused until the connection is back.
          <button class="button is-small is-warning is-light ml-2" type="button" @click="session.retry()">Retry now</button>
        </template>
        <template v-else-if="status.connection.retryAt"><strong>Connection lost.</strong> <retry-countdown :at="status.connection.retryAt" />
          Sending is paused until it is back.</template>
        <template v-else-if="status.connection.attempt"><strong>Connection lost.</strong> Reconnecting… Sending is paused until it is back.</template>
        <template v-else><strong>Connecting…</strong> Sending is paused until the connection is up.</template>
      </div>
      <side-bar @new-chat="newChatOpen = true" @delete-chat="deleting = $event" @block-user="blocking = $event"
        @blocked-users="blockedUsersOpen = true" @search-messages="searchOpen = true" @logout="askLogout" />
      <main class="mainPane">
        <conversation v-if="activeId" ref="conversation" :key="activeId" :chat-id="activeId" @back="status.screen = 'list'"
          @block="blocking = $event" />
        <div v-else class="emptyPane">
          <img src="/img/logo.svg" alt="" class="emptyLogo" />
          <h2 class="title is-5">Welcome, {{ model.me.userName }}</h2>
          <p>Pick a chat on the left, start a new one, or click someone in Online Users to chat privately.</p>
        </div>
      </main>
      <new-chat-dialog v-if="newChatOpen" @close="newChatOpen = false" @created="newChatOpen = false" />
      <confirm-dialog v-if="deleting" :title="'Delete “' + deleting.name + '”?'"
        message="The chat is removed for everyone in it. This cannot be undone." confirm-label="Delete chat"
        @confirm="confirmDelete" @close="deleting = null" />
      <confirm-dialog v-if="blocking" :title="'Block ' + blocking.userName + '?'"
        :message="blockMessage"
        confirm-label="Block" @confirm="confirmBlock" @close="blocking = null" />
      <blocked-users-dialog v-if="blockedUsersOpen" @close="blockedUsersOpen = false" />
      <message-search-dialog v-if="searchOpen" @close="searchOpen = false" @pick="openHit" />
      <logout-dialog v-if="loggingOut" @close="loggingOut = false" />
    </div>`,
};
