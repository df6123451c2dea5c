// The Chatr root app: start-up, the user and chat lists, tabs, and what each server frame does.
import { createApp } from "../vendor/vue.esm-browser.js";
import { getChats, getToken, getUsers } from "./services/api.js";
import ChatTab from "./components/chat.js";
import NewChatModal from "./components/new-chat-modal.js";
import { forgetGuestCredential, guestCredential, logout, signedInPrincipal } from "./services/identity.js";
import { watchIdle } from "./services/idle.js";
import { addMessage, clearHistory, forgetChat, messagesOf } from "./messages.js";
import { ChatSocket } from "./services/socket.js";
import { privateChatId, timeLabel, toastMessage, uuidv4 } from "./utils.js";

const PROVIDER_ICONS = { aad: "fab fa-microsoft", github: "fab fa-github-alt", guest: "fas fa-user" };
const NOTICE_KINDS = new Set(["joined", "left", "wantsToChat"]);
const ACTIVE_TAB_KEY = "chatrActiveChat";
const LIST_RETRY_MS = 5000;
const NEWEST = "~"; // sorts after any ISO timestamp: a chat announced just now has none yet

const UNREAD_FLUSH_MS = 250;

let socket = null;
let socketHost = "";
const pendingUnread = new Map(); // chatId -> messages not counted on screen yet
let unreadTimer = null;

/** Inner `data` of some server events is a JSON string (as in the original); accept either form. */
function parseInner(data) {
  return typeof data === "string" ? JSON.parse(data) : data;
}

const app = createApp({
  components: { ChatTab, NewChatModal },
  data() {
    return {
      me: null,
      users: {},
      chats: {},
      tabs: [],
      activeId: null,
      unread: {},
      idle: false,
      ready: false,
      fatalError: "",
      connection: { state: "connecting", attempt: 0, retryInSeconds: 0, reason: "" },
      showNewChat: false,
      snapshotEvents: null,
      pendingCreates: new Set(),
    };
  },
  computed: {
    online() {
      return this.connection.state === "open";
    },
    groupChats() {
      return Object.values(this.chats)
        .filter((chat) => !chat.private)
        .sort((a, b) => (a.timestamp ?? NEWEST).localeCompare(b.timestamp ?? NEWEST));
    },
    userList() {
      const me = this.me?.userId;
      return Object.values(this.users).sort(
        (a, b) => (b.userId === me) - (a.userId === me) || a.userName.localeCompare(b.userName),
      );
    },
    reconnectDetail() {
      const { attempt, reason } = this.connection;
      return [attempt && `Attempt ${attempt}`, reason && `(${reason})`].filter(Boolean).join(" ") + ".";
    },
    totalUnread() {
      return this.tabs.reduce((sum, tab) => sum + (this.unread[tab.id] ?? 0), 0);
    },
  },
  watch: {
    totalUnread(count) {
      document.title = count ? `(${count}) Chatr` : "Chatr";
    },
  },
  mounted() {
    watchIdle((idle) => this.setIdle(idle));
    socket = new ChatSocket({
      connectUrl: () => this.connectUrl(),
      onOpen: () => this.onSocketOpen(),
      onFrame: (frame) => this.onFrame(frame),
      onStatus: (status) => (this.connection = status),
    });
    socket.start();
  },
  methods: {
    providerIcon(provider) {
      return PROVIDER_ICONS[provider] ?? "";
    },
    messagesOf,
    timeLabel,

    // ---- connection ---------------------------------------------------------------------------

    /**
     * A fresh token for every (re)connect. A 401 sends guests and signed-out users to the login page;
     * a sign-in the backend refuses is shown instead (the login page would only send it back here).
     */
    async connectUrl() {
      try {
        const token = await getToken();
        this.me = token.user;
        socketHost = new URL(token.url).host;
        return token.url;
      } catch (err) {
        if (err.status !== 401) throw err;
        if (guestCredential() === null && (await signedInPrincipal()) !== null) {
          this.fatalError = err.detail;
        } else {
          forgetGuestCredential();
          location.replace("/login.html");
        }
        return null;
      }
    },

    /** Announce ourselves, then load the lists (after the socket opened, so no update is missed). */
    async onSocketOpen() {
      this.announce();
      await this.refreshLists();
    },

    announce() {
      socket.sendEvent("userConnected", { userName: this.me.userName, userProvider: this.me.userProvider });
    },

    /**
     * Load users and chats. Events that arrive while the snapshot is on its way are applied at once
     * (for their toasts) and again, quietly, on top of the snapshot, so the snapshot cannot undo them.
     */
    async refreshLists() {
      this.snapshotEvents = [];
      let users, chats;
      try {
        [users, chats] = await Promise.all([getUsers(), getChats()]);
      } catch (err) {
        this.snapshotEvents = null;
        toastMessage(`Could not load users and chats: ${err.message}`, "danger");
        setTimeout(() => socket.isOpen && this.refreshLists(), LIST_RETRY_MS);
        return;
      }
      const missed = this.snapshotEvents;
      this.snapshotEvents = null;
      const wasReady = this.ready;
      this.users = users;
      this.chats = chats;
      for (const event of missed) this.applyServerEvent(event, { quiet: true });
      this.syncIdle();
      this.reopenTabs(wasReady);
      this.ready = true;
    },

    /** Make sure we are listed, with the idle state this browser has now (the stored one may be stale). */
    syncIdle() {
      const listed = this.users[this.me.userId];
      if (!listed) this.users[this.me.userId] = { ...this.me, idle: this.idle };
      if ((listed?.idle ?? false) !== this.idle) {
        socket.sendEvent(this.idle ? "userEnterIdle" : "userExitIdle", this.me.userId);
      }
    },

    /** Open a tab for every chat we belong to; after a reconnect, close tabs of chats that are gone. */
    reopenTabs(afterReconnect) {
      for (const chat of Object.values(this.chats)) {
        if (chat.private || chat.members?.[this.me.userId]) this.openTab(chat, false);
      }
      if (afterReconnect) {
        for (const tab of [...this.tabs]) {
          if (!this.chats[tab.id] && !this.pendingCreates.has(tab.id)) {
            toastMessage("💥 Chat deleted by owner, you have been removed!", "danger");
            this.closeTab(tab.id);
          }
        }
      }
      if (!this.activeId && this.tabs.length) {
        const saved = sessionStorage.getItem(ACTIVE_TAB_KEY);
        this.activate(this.tabs.some((t) => t.id === saved) ? saved : this.tabs[0].id);
      }
    },

    /** The one place socket frames land; a malformed frame is logged and skipped, never fatal. */
    onFrame(frame) {
      try {
        if (frame.type === "system" && frame.event === "connected") {
          toastMessage(`🔌 Connected to ${socketHost}`, "success");
        } else if (frame.type === "message" && frame.from === "server") {
          this.applyServerEvent(frame.data, { quiet: false });
          this.snapshotEvents?.push(frame.data);
        } else if (frame.type === "message" && frame.from === "group") {
          this.onGroupMessage(frame);
        }
      } catch (err) {
        console.error("Ignoring a frame Chatr could not handle", frame, err);
      }
    },

    // ---- server events ------------------------------------------------------------------------

    applyServerEvent(event, { quiet }) {
      const toast = quiet ? () => {} : toastMessage;
      const data = event?.data;
      switch (event?.chatEvent) {
        case "userOnline": {
          const user = parseInner(data);
          const known = Boolean(this.users[user.userId]);
          this.users[user.userId] = { ...user, idle: Boolean(user.idle) };
          if (!known && user.userId !== this.me.userId) toast(`🤩 ${user.userName} has just joined`, "success");
          break;
        }
        case "userOffline": {
          if (data === this.me.userId && socket.isOpen) {
            this.announce(); // the server lost track of this open connection: tell it again
            break;
          }
          const user = this.users[data];
          if (!user) break;
          delete this.users[data];
          toast(`💨 ${user.userName} has left or logged off`, "warning");
          break;
        }
        case "chatCreated": {
          const chat = parseInner(data);
          this.chats[chat.id] = chat;
          if (this.pendingCreates.delete(chat.id)) this.joinChat(chat);
          this.$nextTick(() => this.$refs.chatMenu?.scrollTo({ top: this.$refs.chatMenu.scrollHeight }));
          break;
        }
        case "chatDeleted": {
          const chat = this.chats[data];
          delete this.chats[data];
          if (!this.tabs.some((t) => t.id === data)) break;
          if (chat?.owner !== this.me.userId) toast("💥 Chat deleted by owner, you have been removed!", "danger");
          this.closeTab(data);
          break;
        }
        case "joinPrivateChat": {
          const chat = parseInner(data);
          const isOpen = this.tabs.some((t) => t.id === chat.id);
          if (!isOpen) this.openTab({ ...chat, private: true }, chat.grabFocus);
          else if (chat.grabFocus) this.activate(chat.id);
          if (!isOpen && !chat.grabFocus) toast(`💬 Incoming: ${chat.name}`, "warning");
          break;
        }
        case "userIsIdle":
        case "userNotIdle": {
          const user = this.users[data];
          if (!user) break;
          user.idle = event.chatEvent === "userIsIdle";
          if (data === this.me.userId) break;
          toast(user.idle ? `💤 User ${user.userName} is now idle` : `🤸‍♂️ User ${user.userName} has returned`, "link");
          break;
        }
        case "error":
          if (!quiet) this.onServerError(data ?? {});
          break;
      }
    },

    /** The server refused one of our events; nothing changed there, so undo what we did here. */
    onServerError({ event, message, chatId }) {
      toastMessage(message || `The server refused ${event}`, "danger");
      if (event === "joinChat" && chatId) {
        this.closeTab(chatId);
      } else if (event === "deleteChat") {
        this.refreshLists();
      }
    },

    onGroupMessage(frame) {
      const chatId = frame.group;
      const data = frame.data;
      if (typeof chatId !== "string" || !data || typeof data !== "object") return;
      const time = Date.now();
      if (frame.fromUserId == null) {
        if (!NOTICE_KINDS.has(data.notice) || typeof data.userName !== "string") return;
        addMessage(chatId, { kind: "notice", notice: data.notice, userId: data.userId, userName: data.userName, time });
      } else {
        if (typeof data.message !== "string") return;
        const fromUserName = this.nameOf(frame.fromUserId, chatId, data.fromUserName);
        addMessage(chatId, { kind: "message", fromUserId: frame.fromUserId, fromUserName, text: data.message, time });
        if (frame.fromUserId === this.me.userId) return;
      }
      if (chatId !== this.activeId) this.countUnread(chatId);
    },

    /**
     * Unread counts change the root component, which also renders every user and chat: a busy chat
     * in the background would re-render all of them for each message. Counts are added up and
     * shown every UNREAD_FLUSH_MS instead.
     */
    countUnread(chatId) {
      pendingUnread.set(chatId, (pendingUnread.get(chatId) ?? 0) + 1);
      if (unreadTimer !== null) return;
      unreadTimer = setTimeout(() => {
        unreadTimer = null;
        for (const [id, count] of pendingUnread) this.unread[id] = (this.unread[id] ?? 0) + count;
        pendingUnread.clear();
      }, UNREAD_FLUSH_MS);
    },

    /** A sender's name comes from what the server told us about that user id; the name they claim is a last resort. */
    nameOf(userId, chatId, claimed) {
      const known = this.users[userId]?.userName ?? this.chats[chatId]?.members?.[userId]?.userName;
      return known ?? (typeof claimed === "string" && claimed ? claimed : userId);
    },

    // ---- tabs ---------------------------------------------------------------------------------

    openTab(chat, focus) {
      if (!this.tabs.some((t) => t.id === chat.id)) {
        this.tabs.push({ id: chat.id, name: chat.name, private: Boolean(chat.private) });
        messagesOf(chat.id);
      }
      if (focus || !this.activeId) this.activate(chat.id);
    },

    closeTab(chatId) {
      const index = this.tabs.findIndex((t) => t.id === chatId);
      if (index === -1) return;
      this.tabs.splice(index, 1);
      delete this.unread[chatId];
      pendingUnread.delete(chatId);
      forgetChat(chatId);
      if (this.activeId === chatId) {
        this.activeId = null;
        const next = this.tabs[Math.min(index, this.tabs.length - 1)];
        if (next) this.activate(next.id);
      }
    },

    activate(chatId) {
      this.activeId = chatId;
      this.unread[chatId] = 0;
      pendingUnread.delete(chatId);
      sessionStorage.setItem(ACTIVE_TAB_KEY, chatId);
    },

    // ---- what the user does -------------------------------------------------------------------

    /** Open a group chat: switch to it when its tab is open, else join it. */
    joinChat(chat) {
      if (this.tabs.some((t) => t.id === chat.id)) {
        this.activate(chat.id);
        return;
      }
      this.openTab(chat, true);
      socket.sendEvent("joinChat", chat.id);
    },

    /** Create a chat; its tab opens when the server confirms it (`chatCreated`), then we join it. */
    createChat(name) {
      this.showNewChat = false;
      const id = uuidv4();
      this.pendingCreates.add(id);
      socket.sendEvent("createChat", { name, id });
    },

    leaveChat(chatId) {
      this.closeTab(chatId);
      socket.sendEvent("leaveChat", { chatId, userName: this.me.userName });
    },

    deleteChat(chat) {
      if (!confirm("Are you sure you want to delete this chat? This will remove it for all users.")) return;
      chat.name = "DELETING...";
      socket.sendEvent("deleteChat", chat.id);
    },

    /**
     * Open the private chat with another user. The event goes even when our tab is open: the other
     * user may have left it, and the server re-invites them (it is a no-op when both are still in).
     */
    startPrivateChat(user) {
      if (user.userId === this.me.userId) return;
      const chatId = privateChatId(this.me.userId, user.userId);
      if (this.tabs.some((t) => t.id === chatId)) this.activate(chatId);
      socket.sendEvent("createPrivateChat", { initiatorUserId: this.me.userId, targetUserId: user.userId });
    },

    /** Publish to the chat's group; false (with a toast) when the service did not take it. */
    async sendMessage(chatId, text) {
      const ack = await socket.sendToGroup(chatId, {
        message: text,
        fromUserId: this.me.userId,
        fromUserName: this.me.userName,
      });
      if (!ack.success) toastMessage(`Message not sent: ${ack.error?.message ?? "refused"}`, "danger");
      return ack.success;
    },

    setIdle(idle) {
      this.idle = idle;
      if (this.me && socket?.isOpen) socket.sendEvent(idle ? "userEnterIdle" : "userExitIdle", this.me.userId);
    },

    logout() {
      socket.stop();
      clearHistory();
      sessionStorage.removeItem(ACTIVE_TAB_KEY);
      logout(this.me);
    },
  },
});

app.mount("#app");
