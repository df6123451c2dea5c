// The signed-in session: the one socket, the lists loaded from the server, the message store, and
// every action the UI offers. Components read `session.model` and call these methods; what each
// server event and group frame does is decided in model/, which needs no browser.
import { reactive, shallowReactive, watch } from "../vendor/vue.esm-browser.js";
import { browseChats, getChat, getMessages, getMyChats, getToken, getUser, getUsers, search, searchMessages } from "./services/api.js";
import { createAttention } from "./services/attention.js";
import { guestCredential, logout, saveGuestCredential, signedInPrincipal } from "./services/identity.js";
import { ChatSender } from "./services/chat-sender.js";
import { uuidv4 } from "./services/ids.js";
import { watchIdle } from "./services/idle.js";
import { otherTabs } from "./services/other-tabs.js";
import { ChatSocket } from "./services/socket.js";
import { forgetEverything, readJson, writeJson } from "./services/storage.js";
import { toastMessage } from "./services/toast.js";
import { activate, closeConversation, countArrivals, openConversation, pageShown, restoreView, setMuted, viewState } from "./model/conversations.js";
import { isBlocked, setBlocked } from "./model/blocks.js";
import { createModel, isMember, mergedMembers, nameOf, peerHasLeft, peerOf, privateChatId, removeMember, senderName, titleOf } from "./model/directory.js";
import { applyEntry, applyGroupFrame, markReadUpTo, messageEntry } from "./model/group-frames.js";
import { mentionsMe } from "./model/mentions.js";
import { createMessageStore, lastTime } from "./model/message-store.js";
import { refusalText } from "./model/refusals.js";
import { applyServerEvent } from "./model/server-events.js";
import { pruneTyping } from "./model/typing.js";

const LIST_RETRY_MS = 5000;
const INVITE_TIMEOUT_MS = 10000;
const CATCH_UP_PAGES = 3; // missed more than this many pages of a chat: show its latest page instead
const JUMP_PAGES = 20; // pages of older history loaded at most to reach a quoted or found message
const FLUSH_FALLBACK_MS = 100; // hidden pages get no animation frames
const VIEW_KEY = "chatrView"; // sessionStorage: the open chat, unread counts, the phone's screen
const DRAFTS_KEY = "chatrDrafts"; // sessionStorage: what was typed and not sent, per chat
const MUTED_KEY = "chatrMuted"; // localStorage: chat ids the user muted

/** Run `flush` at the next animation frame, or soon when the page is hidden (it then gets no frames). */
function nextFrame(flush) {
  requestAnimationFrame(flush);
  setTimeout(flush, FLUSH_FALLBACK_MS);
}

const pageVisible = () => document.visibilityState === "visible";
const WIDE = matchMedia("(min-width: 768px)"); // the sidebar and the open chat side by side

export class Session {
  constructor() {
    this.model = reactive(createModel());
    this.status = reactive({
      ready: false,
      fatalError: "",
      connection: { state: "connecting", attempt: 0, retryAt: 0, reason: "" },
      confirmed: false, // the server announced this connection (userOnline): it is back in its chats' groups
      screen: "list", // on a phone: the chat list or the open chat
      unsentChatName: "", // the name of a chat the server did not create: the New Chat dialog offers it again
      jump: null, // {chatId, seq}: the message the open chat's list scrolls to and highlights (a reply's quote, a search hit)
    });
    this.quotes = reactive({}); // "chatId:seq" -> a quoted message not among ours, as the server has it (null: it has not)
    this.store = createMessageStore({
      storage: localStorage,
      schedule: nextFrame,
      newList: shallowReactive,
      lists: shallowReactive({}),
      newMarks: shallowReactive,
      onFlushed: (chatId, entries) => this.arrived(chatId, entries),
    });
    this.attention = createAttention({ openChat: (chatId) => this.openChat(chatId) });
    this.pendingCreates = new Map(); // chat id -> name: chats this tab created and joins once the server announces them
    this.lookups = new Set(); // user ids whose profile is on its way
    this.pendingJoins = new Set(); // joins the server has not confirmed yet
    this.snapshots = new Set(); // one buffer per list refresh in flight: events that arrive meanwhile
    this.invites = new Map(); // private chat id -> resolve(true|false) once the other person is back
    this.blockNames = new Map(); // user id -> the name the UI gave when this tab blocked or unblocked them
    this.restoring = false; // putting back the chat that was open before a reload
    this.loggedOut = false;
    this.saved = readJson(sessionStorage, VIEW_KEY, {});
    this.muted = new Set(readJson(localStorage, MUTED_KEY, []));
    this.model.drafts = readJson(sessionStorage, DRAFTS_KEY, {});
    this.status.screen = this.saved.screen === "chat" ? "chat" : "list";
    this.tabs = otherTabs((message) => this.fromOtherTab(message));
    this.liveCtx = this.eventContext(false);
    this.quietCtx = this.eventContext(true);
    this.socket = new ChatSocket({
      connectUrl: () => this.connectUrl(),
      onOpen: () => this.onSocketOpen(),
      onFrame: (frame) => this.onFrame(frame),
      onStatus: (status) => (this.status.connection = status),
      onLoggedOut: () => this.toLogin(),
    });
    this.sender = new ChatSender({
      socket: this.socket,
      model: this.model,
      store: this.store,
      online: () => this.online,
      onRefused: (what, ack) => toastMessage(`${what} not sent: ${ack.error?.message ?? "refused"}`, "danger"),
    });
    this.typingTimer = null;
    this.typingCheckAt = Infinity;
    // what group frames may touch (see model/group-frames.js)
    this.frameEnv = {
      model: this.model,
      store: this.store,
      now: Date.now,
      typingUntil: (time) => this.checkTypingAt(time),
      lookup: (userId) => this.lookupUser(userId),
      numbered: (chatId, seq) => this.numbered(chatId, seq),
    };
    this.seqs = new Map(); // chatId -> the highest number up to which this browser has every entry
    this.catchingUp = new Map(); // chatId -> the catch-up in flight (one per chat at a time)
    this.unanswered = new Map(); // chatId -> {text, id}: a message whose answer was lost; sent again with the same id
  }

  /** Connect, and keep this tab's state when the page is hidden or left (a reload puts it back). */
  start() {
    watchIdle((idle) => this.setIdle(idle));
    // on a phone, opening a chat shows it and closing it goes back to the list; a reload keeps the screen
    watch(
      () => this.model.activeId,
      (chatId) => {
        if (chatId === null) this.status.screen = "list";
        else if (!this.restoring) this.status.screen = "chat";
      },
      { flush: "sync" },
    );
    addEventListener("pagehide", () => {
      this.sender.stopAllTyping();
      this.keep();
    });
    document.addEventListener("visibilitychange", () => {
      if (this.reading()) {
        pageShown(this.model);
      } else if (!pageVisible()) {
        this.sender.stopAllTyping();
        this.keep();
      }
    });
    this.socket.start();
  }

  /**
   * Sending works: the socket is open and the server has confirmed it. The server restores a new
   * connection's chat groups before it announces the user, so a message sent earlier could reach
   * nobody (or be refused); until then the app says it is reconnecting.
   */
  get online() {
    return this.status.connection.state === "open" && this.status.confirmed;
  }

  /** The open chat is in front of the user: the page is visible and, on a phone, the chat's screen is showing. */
  reading() {
    return pageVisible() && (WIDE.matches || this.status.screen === "chat");
  }

  /** Write what a reload needs: messages, the open chat, unread counts, drafts. */
  keep() {
    if (this.loggedOut) return;
    this.store.saveNow();
    writeJson(sessionStorage, VIEW_KEY, { ...viewState(this.model), screen: this.status.screen });
    writeJson(sessionStorage, DRAFTS_KEY, this.model.drafts);
  }

  // ---- connection ---------------------------------------------------------------------------

  /**
   * A fresh token for every (re)connect, and the guest's renewed credential when the server sends
   * one. A 401 sends guests and signed-out users to the login page; a sign-in the backend refuses
   * is shown instead (the login page would only send it back here).
   */
  async connectUrl() {
    try {
      const token = await getToken();
      // kept only while this browser still holds a credential: not after a logout in another tab
      if (typeof token.guest === "string" && token.guest && guestCredential() !== null) saveGuestCredential(token.guest);
      this.model.me = token.user;
      setBlocked(this.model, token.blocked);
      return token.url;
    } catch (err) {
      if (err.status !== 401) throw err;
      if (guestCredential() === null && (await signedInPrincipal()) !== null) {
        this.status.fatalError = err.detail;
      } else {
        this.toLogin();
      }
      return null;
    }
  }

  /** This browser's sign-in ended (logged out in another tab, or a credential the server no longer takes): start again. */
  toLogin() {
    this.forgetUser();
    location.replace("/login.html");
  }

  /** Try to connect now rather than when the next attempt is due (the Retry button). */
  retry() {
    this.socket.retryNow();
  }

  /** Announce ourselves, then load the lists (after the socket opened, so no update is missed). */
  async onSocketOpen() {
    this.status.confirmed = false;
    this.announce();
    await this.refreshLists();
  }

  announce() {
    const { userName, userProvider } = this.model.me;
    this.socket.sendEvent("userConnected", { userName, userProvider });
  }

  /**
   * Load the people this user sees (their contacts and recent visitors) and the chats they are in;
   * everyone else is found by search. Events that arrive while the lists are on their way are
   * applied at once and again, quietly, on top of the lists, so the lists cannot undo them. Every
   * refresh keeps its own buffer, so refreshes that overlap (a retry, a refused delete, a reconnect)
   * never share one.
   */
  async refreshLists() {
    const missed = [];
    this.snapshots.add(missed);
    let users, chats;
    try {
      [users, chats] = await Promise.all([getUsers(), getMyChats()]);
    } catch (err) {
      toastMessage(`Could not load users and chats: ${err.message}`, "danger");
      setTimeout(() => this.socket.isOpen && this.refreshLists(), LIST_RETRY_MS);
      return;
    } finally {
      this.snapshots.delete(missed);
    }
    const before = this.model.chats;
    this.model.users = users;
    this.model.chats = Object.fromEntries(
      Object.entries(chats).map(([id, chat]) => [id, { ...chat, private: Boolean(chat.private), members: chat.members ?? {} }]),
    );
    for (const event of missed) applyServerEvent(this.model, event, this.quietCtx);
    this.syncIdle();
    this.reconcile(before);
    this.status.ready = true;
  }

  /** Make sure we are listed, with the idle state this browser has now (the stored one may be stale). */
  syncIdle() {
    const { me, users, idle } = this.model;
    const listed = users[me.userId];
    if (!listed) users[me.userId] = { ...me, idle };
    if ((listed?.idle ?? false) !== idle) this.socket.sendEvent(idle ? "userEnterIdle" : "userExitIdle", me.userId);
  }

  /**
   * Follow every chat the server says we are in, and stop following the ones we are no longer in
   * (deleted while we were away, or left in another window), saying which.
   */
  reconcile(before) {
    const { model } = this;
    for (const chat of Object.values(model.chats)) {
      if (!isMember(model, chat.id) || model.conversations[chat.id]) continue;
      const conversation = openConversation(model, chat);
      conversation.muted = this.muted.has(chat.id);
      conversation.lastAt = lastTime(this.store.listOf(chat.id));
      restoreView(conversation, this.saved);
      if (this.online) this.catchUp(chat.id);
    }
    for (const chatId of Object.keys(model.conversations)) {
      if (isMember(model, chatId) || this.pendingCreates.has(chatId) || this.pendingJoins.has(chatId)) continue;
      const old = before[chatId];
      const name = old ? titleOf(model, old) : chatId;
      this.close(chatId);
      if (old?.private) toastMessage(`You are no longer in the private chat with ${name}`, "warning");
      else this.sayWhyGone(chatId, name);
    }
    const saved = this.saved.activeId;
    this.saved = {};
    if (model.activeId === null && saved && model.conversations[saved]) {
      this.restoring = true;
      activate(model, saved, { visible: this.reading() });
      this.restoring = false;
    }
  }

  /**
   * A group chat we are no longer in (the lists list only ours): deleted by its owner, or left in
   * another window; the server's answer about it says which.
   */
  async sayWhyGone(chatId, name) {
    try {
      await getChat(chatId);
    } catch (err) {
      if (err.status === 404) toastMessage(`💥 Chat “${name}” was deleted by its owner`, "danger");
      else toastMessage(`You are no longer in “${name}”`, "warning");
      return;
    }
    toastMessage(`You are no longer in “${name}”: you left it in another window`, "warning");
  }

  /**
   * One page of people ("users") or group chats ("chats") whose name starts with `prefix`: `{items, next}`.
   * Throws the server's refusal (a search too often says when to try again).
   */
  async find(what, prefix, after = null) {
    const page = await search(what, prefix, after);
    const items = Array.isArray(page?.[what]) ? page[what] : [];
    return { items, next: typeof page?.next === "string" && page.next ? page.next : null };
  }

  /** One page of every group chat (Browse): `{items, next}`, the chats as the server lists them. */
  async browse(after = null) {
    const page = await browseChats(after);
    const items = Object.values(page?.chats ?? {}).map((chat) => ({ ...chat, private: false, members: chat.members ?? {} }));
    return { items, next: typeof page?.next === "string" && page.next ? page.next : null };
  }

  /** Open a group chat found by search or Browse: known here from then on, and joined unless we are in it. */
  openFound(chat) {
    const known = this.model.chats[chat.id];
    if (!known) this.model.chats[chat.id] = { id: chat.id, name: chat.name, owner: chat.owner ?? null, private: false, members: chat.members ?? {} };
    this.openChat(chat.id);
  }

  /** The one place socket frames land; a malformed frame is logged and skipped, never fatal. */
  onFrame(frame) {
    try {
      const own = frame.type === "message" && frame.from === "server" && !frame.data?.chatEvent;
      const said = own ? (frame.data?.entry ?? frame.data?.read) : null;
      if (said) {
        // what only its author's devices hear (in a private chat whose other member blocks them): as from the chat
        const kind = applyGroupFrame(this.frameEnv, { ...frame, from: "group", group: said.chatId });
        if (kind === "read" && said.userId === this.model.me.userId) this.readHere(said.chatId, said.seq);
      } else if (frame.type === "message" && frame.from === "server") {
        applyServerEvent(this.model, frame.data, this.liveCtx);
        for (const missed of this.snapshots) missed.push(frame.data);
      } else if (frame.type === "message" && frame.from === "group") {
        const kind = applyGroupFrame(this.frameEnv, frame);
        if (kind === "notice" && frame.data.userId === this.model.me.userId) {
          this.pendingJoins.delete(frame.group);
          if (frame.data.notice === "joined") {
            this.refreshMembers(frame.group);
            this.catchUp(frame.group);
          }
        } else if (kind === "read" && frame.data.read.userId === this.model.me.userId) {
          this.readHere(frame.group, frame.data.read.seq);
        }
      }
    } catch (err) {
      console.error("Ignoring a frame Chatr could not handle", frame, err);
    }
  }

  /** What server events may do beyond the model (see model/server-events.js). */
  eventContext(quiet) {
    const session = this;
    return {
      quiet,
      get visible() {
        return session.reading();
      },
      toast: quiet ? () => {} : toastMessage,
      announce: () => this.announce(),
      confirmed: () => {
        this.status.confirmed = true;
        this.catchUpAll();
      },
      createdHere: (chatId) => this.pendingCreates.delete(chatId),
      join: (chat) => this.join(chat),
      closed: (chatId) => this.forgetChat(chatId),
      privateChatReady: (chat) => this.settleInvite(chat.id, true),
      serverError: (data) => this.onServerError(data),
      blocksChanged: (added, removed) => this.blocksChanged(added, removed),
    };
  }

  /**
   * The server refused one of our events; nothing changed there, so undo what we did here. A chat
   * that was not created keeps its name for the New Chat dialog, so nothing the user typed is lost.
   */
  onServerError(error) {
    const { event, chatId } = error;
    const text = refusalText(error);
    if (event === "createChat" && this.pendingCreates.has(chatId)) {
      this.status.unsentChatName = this.pendingCreates.get(chatId);
      this.pendingCreates.delete(chatId);
      toastMessage(`Chat “${this.status.unsentChatName}” not created: ${text}`, "danger");
      return;
    }
    toastMessage(text, "danger");
    if (event === "joinChat" && chatId) {
      this.close(chatId);
    } else if (event === "deleteChat") {
      this.refreshLists();
    } else if (event === "createPrivateChat") {
      for (const id of [...this.invites.keys()]) this.settleInvite(id, false);
      this.refreshLists(); // a private chat the server no longer has us in (its other person blocked us) closes
    }
  }

  /**
   * Entries joined a chat's list: count what is unread, and notify about it while the page is
   * hidden. A message that mentions this user notifies whenever it is not in front of them, even
   * in a muted chat.
   */
  arrived(chatId, entries) {
    const alerting = countArrivals(this.model, chatId, entries, { visible: this.reading() });
    if (!alerting.length) return;
    const mention = alerting.findLast((entry) => mentionsMe(entry, this.model.me));
    const conversation = this.model.conversations[chatId];
    if (!mention && (pageVisible() || conversation?.muted)) return;
    const chat = this.model.chats[chatId];
    const entry = mention ?? alerting[alerting.length - 1];
    this.attention.notify({
      chatId,
      chatTitle: chat ? titleOf(this.model, chat) : "",
      isPrivate: Boolean(chat?.private),
      entry,
      sender: entry.kind === "message" ? senderName(this.model, entry, chatId) : entry.userName,
      mention: Boolean(mention),
    });
  }

  /**
   * Name a sender the lists do not name, from the server's profile of them: asked once at a time,
   * kept for the session; an unknown id is remembered as such, a failure is asked again later.
   */
  async lookupUser(userId) {
    if (this.lookups.has(userId) || Object.hasOwn(this.model.profiles, userId)) return;
    this.lookups.add(userId);
    try {
      const user = await getUser(userId);
      const named = typeof user?.userName === "string" && user.userName;
      this.model.profiles[userId] = named ? { userName: user.userName, userProvider: user.userProvider ?? null } : null;
    } catch (err) {
      if (err.status === 404) this.model.profiles[userId] = null;
      else console.warn(`Could not look up the sender ${userId}: ${err.message}`);
    } finally {
      this.lookups.delete(userId);
    }
  }

  /**
   * We joined a chat: the server's members replace what this browser heard (a chat announced after
   * our lists loaded lists nobody, and nobody told us who joined a chat we were not in).
   */
  async refreshMembers(chatId) {
    const chat = this.model.chats[chatId];
    if (!chat || chat.private) return;
    const before = { ...chat.members };
    let fetched;
    try {
      fetched = (await getChat(chatId))?.members;
    } catch (err) {
      console.warn(`Could not load the members of ${chatId}: ${err.message}`);
      return;
    }
    const now = this.model.chats[chatId];
    if (now && fetched && typeof fetched === "object") now.members = mergedMembers(before, now.members ?? {}, fetched);
  }

  // ---- history: the server numbers every entry of a chat; this browser fills what it missed ------

  /** Catch up every chat we are in (after each (re)connect: whatever was said meanwhile). */
  catchUpAll() {
    for (const chatId of Object.keys(this.model.conversations)) this.catchUp(chatId);
  }

  /** An entry numbered `seq` arrived: a number past the next one means we missed some, so catch up. */
  numbered(chatId, seq) {
    const known = this.seqs.get(chatId) ?? this.store.lastSeq(chatId);
    if (seq === known + 1) this.seqs.set(chatId, seq);
    else if (seq > known + 1 && !this.catchingUp.has(chatId)) this.catchUp(chatId);
  }

  /**
   * Ask the server for what came after the last number we have, page after page, and merge it
   * (the store drops what it has already). When more was missed than a page or two, start again
   * from the latest page: older pages load when the user scrolls up.
   */
  catchUp(chatId) {
    if (this.catchingUp.has(chatId)) return this.catchingUp.get(chatId);
    const run = (async () => {
      let after = this.seqs.get(chatId) ?? this.store.lastSeq(chatId);
      try {
        for (let pages = 0; ; pages++) {
          const page = await getMessages(chatId, after > 0 && pages < CATCH_UP_PAGES ? { after } : {});
          this.took(chatId, page);
          after = Math.max(after, page.last);
          if (!page.more) break;
        }
        this.seqs.set(chatId, after);
      } catch (err) {
        if (err.status !== 404) console.warn(`Could not catch up ${chatId}: ${err.message}`);
      } finally {
        this.catchingUp.delete(chatId);
      }
    })();
    this.catchingUp.set(chatId, run);
    return run;
  }

  /** A page of history: our read position first (what we read elsewhere is not new here), then its entries, then everyone's read marks. */
  took(chatId, page) {
    const conversation = this.model.conversations[chatId];
    if (!conversation || !Array.isArray(page.entries)) return;
    const reads = page.reads && typeof page.reads === "object" ? page.reads : {};
    const mine = reads[this.model.me.userId];
    if (Number.isInteger(mine)) this.readHere(chatId, mine);
    for (const entry of page.entries) applyEntry(this.frameEnv, chatId, entry);
    this.store.flush();
    if (Number.isInteger(mine)) this.readHere(chatId, mine); // now that the entries are here, the divider goes below them
    for (const [userId, seq] of Object.entries(reads)) if (Number.isInteger(seq)) markReadUpTo(this.store, chatId, userId, seq);
  }

  /**
   * The page of a chat's history before what this browser has (the user scrolled up to it); how
   * many entries it added (0: that was the start). The messages come as they are now (edits,
   * deletes and reactions applied), so the changes in the page are not needed.
   */
  async loadOlder(chatId) {
    const first = this.store.firstSeq(chatId);
    if (first <= 1) return 0;
    const page = await getMessages(chatId, { before: first });
    const kept = (page.entries ?? []).map((entry) => messageEntry(this.frameEnv, chatId, entry)).filter(Boolean);
    for (const entry of kept) if (entry.fromUserName === null) this.lookupUser(entry.fromUserId);
    return this.store.prepend(chatId, kept);
  }

  /**
   * We read up to `seq` (here or on another device): nothing up to it counts as unread, and the
   * "New messages" divider goes no higher than the message it names.
   */
  readHere(chatId, seq) {
    const conversation = this.model.conversations[chatId];
    if (!conversation) return;
    conversation.readSeq = Math.max(conversation.readSeq ?? 0, seq);
    const read = this.store.listOf(chatId).findLast((entry) => entry.seq && entry.seq <= seq);
    if (read && read.time > conversation.readAt) conversation.readAt = read.time;
    if (seq >= this.store.lastSeq(chatId)) {
      conversation.unread = 0;
      conversation.mentions = 0;
    }
  }

  /** Someone is typing until `time`: look again then (one timer for every chat, at the earliest time). */
  checkTypingAt(time) {
    if (time >= this.typingCheckAt) return;
    clearTimeout(this.typingTimer);
    this.typingCheckAt = time;
    this.typingTimer = setTimeout(() => {
      this.typingCheckAt = Infinity;
      const next = pruneTyping(this.model, Date.now());
      if (next !== null) this.checkTypingAt(next);
    }, Math.max(0, time - Date.now()));
  }

  /** Another tab of this browser left a chat: this one follows. */
  fromOtherTab(message) {
    if (message.type === "left" && message.userId === this.model.me?.userId && typeof message.chatId === "string") {
      removeMember(this.model, message.chatId, message.userId);
      this.close(message.chatId);
      delete this.model.drafts[message.chatId];
    }
  }

  // ---- what the user does -------------------------------------------------------------------

  /** Open a chat from the sidebar (or a notification): switch to it when we are in it, else join it. */
  openChat(chatId) {
    const { model } = this;
    if (model.conversations[chatId]) {
      this.status.screen = "chat"; // also when it is the open chat, behind the list on a phone
      activate(model, chatId, { visible: pageVisible() });
    } else if (model.chats[chatId] && !model.chats[chatId].private) {
      this.join(model.chats[chatId]);
    }
  }

  /** Join a group chat and open it; the server's "joined" notice confirms it. */
  join(chat) {
    this.pendingJoins.add(chat.id);
    const conversation = openConversation(this.model, chat, { focus: true, visible: this.reading() });
    conversation.muted = this.muted.has(chat.id);
    conversation.lastAt = lastTime(this.store.listOf(chat.id));
    this.socket.sendEvent("joinChat", chat.id);
  }

  /** Create a chat; it opens when the server announces it (`chatCreated`), and we then join it. */
  createChat(name) {
    const id = uuidv4();
    this.status.unsentChatName = "";
    this.pendingCreates.set(id, name);
    this.socket.sendEvent("createChat", { name, id });
  }

  /** Leave a chat here, in this browser's other tabs, and on the server. */
  leave(chatId) {
    const { me } = this.model;
    this.sender.stopTyping(chatId);
    this.close(chatId);
    removeMember(this.model, chatId, me.userId);
    delete this.model.drafts[chatId];
    this.socket.sendEvent("leaveChat", { chatId, userName: me.userName });
    this.tabs.tell({ type: "left", chatId, userId: me.userId });
  }

  /** Delete a chat we own (the UI asked first); every member is removed by the server. */
  deleteChat(chatId) {
    const chat = this.model.chats[chatId];
    if (!chat) return;
    chat.deleting = true;
    this.socket.sendEvent("deleteChat", chatId);
  }

  /**
   * Open the private chat with another user. The event goes even when it is open here: the other
   * user may have left it, and the server invites them back (nothing happens when both are in).
   * Someone we block cannot be in it: their chat, if we have one, just opens.
   */
  startPrivateChat(user) {
    const { me, conversations } = this.model;
    if (user.userId === me.userId) return;
    const chatId = Object.keys(conversations).find((id) => peerOf(id, me.userId) === user.userId);
    if (chatId) this.openChat(chatId);
    if (isBlocked(this.model, user.userId)) {
      if (!chatId) toastMessage(`You blocked ${user.userName}. Unblock them to chat privately.`, "warning");
      return;
    }
    this.socket.sendEvent("createPrivateChat", { initiatorUserId: me.userId, targetUserId: user.userId });
  }

  /**
   * Publish a message (with the ids of the people it mentions) to a chat's group; false (with a
   * toast saying why) when it did not go out. In a private chat the other person has left, they
   * are invited back first, as starting the chat would.
   */
  async send(chatId, text, mentions = [], replyTo = undefined) {
    if (peerHasLeft(this.model, chatId) && !(await this.inviteBack(chatId))) return false;
    const lost = this.unanswered.get(chatId);
    const id = lost?.text === text ? lost.id : uuidv4(); // the same message again: the server keeps it once
    const answer = await this.sender.message(chatId, text, mentions, { id, replyTo });
    if (!answer.success && !answer.error?.code) this.unanswered.set(chatId, { text, id });
    else this.unanswered.delete(chatId);
    return this.delivered(chatId, "Message", answer);
  }

  /** Change the text of one of our messages; false (with a toast) when the edit did not go out. */
  async edit(chatId, entry, text, mentions = []) {
    return this.delivered(chatId, "Edit", await this.sender.edit(chatId, entry, text, mentions));
  }

  /** Our latest message in a chat that can be edited (Up in an empty box), or null. */
  latestOwnMessage(chatId) {
    return this.sender.latestOwn(chatId);
  }

  /** Delete one of our messages for everyone (the UI asked first). */
  async deleteMessage(chatId, entry) {
    return this.delivered(chatId, "Delete", await this.sender.remove(chatId, entry));
  }

  /** Toggle one of our reactions on a message. */
  react(chatId, entry, emoji) {
    this.sender.react(chatId, entry, emoji);
  }

  /** What the user typed in a chat's box changed: tell the chat we are typing (or stopped), within its budget. */
  typing(chatId, text) {
    this.sender.typing(chatId, text);
  }

  stopTyping(chatId) {
    this.sender.stopTyping(chatId);
  }

  /** `entry` is the newest message on screen in the open chat: the chat hears we read it, when we are reading. */
  markRead(chatId, entry) {
    if (this.reading() && this.model.activeId === chatId) this.sender.read(chatId, entry);
  }

  /** True when the server took it; else the user is told why (a chat left in another window closes, saying so). */
  async delivered(chatId, what, answer) {
    if (answer.success) return true;
    if (answer.error?.code === "invalid") await this.refreshLists();
    const why = answer.error?.code ? refusalText(answer.error) : (answer.error?.message ?? "refused");
    if (this.model.conversations[chatId]) toastMessage(`${what} not sent: ${why}`, "danger");
    return false;
  }

  /** Ask the server to bring the other person back into our private chat; true once they are. */
  inviteBack(chatId) {
    const peer = peerOf(chatId, this.model.me.userId);
    return new Promise((resolve) => {
      this.settleInvite(chatId, false);
      const timer = setTimeout(() => this.settleInvite(chatId, false), INVITE_TIMEOUT_MS);
      this.invites.set(chatId, (ok) => {
        clearTimeout(timer);
        resolve(ok);
      });
      this.socket.sendEvent("createPrivateChat", { initiatorUserId: this.model.me.userId, targetUserId: peer });
    });
  }

  settleInvite(chatId, ok) {
    const resolve = this.invites.get(chatId);
    this.invites.delete(chatId);
    resolve?.(ok);
  }

  /** Block someone (the UI asked first); the server's `blockList` confirms it, in every tab of ours. */
  block(user) {
    this.changeBlock("blockUser", user);
  }

  unblock(user) {
    this.changeBlock("unblockUser", user);
  }

  changeBlock(event, { userId, userName }) {
    this.blockNames.set(userId, userName);
    if (!this.socket.sendEvent(event, userId)) toastMessage("Not connected: try again once Chatr is back online", "danger");
  }

  /** The server changed our block list (from this tab or another): say so, naming people as the UI did. */
  blocksChanged(added, removed) {
    const name = (userId) => this.blockNames.get(userId) ?? nameOf(this.model, userId, privateChatId(this.model.me.userId, userId));
    for (const userId of added) toastMessage(`You blocked ${name(userId)}. Their messages are hidden.`, "info");
    for (const userId of removed) toastMessage(`You unblocked ${name(userId)}.`, "info");
  }

  setMuted(chatId, muted) {
    setMuted(this.model, chatId, muted);
    if (muted) this.muted.add(chatId);
    else this.muted.delete(chatId);
    writeJson(localStorage, MUTED_KEY, [...this.muted]);
  }

  setIdle(idle) {
    this.model.idle = idle;
    if (this.model.me && this.socket.isOpen) this.socket.sendEvent(idle ? "userEnterIdle" : "userExitIdle", this.model.me.userId);
  }

  /** Log out here, and for a guest everywhere: the server revokes the credential and closes their other tabs. */
  async logout() {
    const credential = guestCredential();
    this.socket.stop();
    this.forgetUser();
    await logout(this.model.me, credential);
  }

  /** Forget everything this browser kept of the user; nothing of theirs is written again, not even when the page goes. */
  forgetUser() {
    this.loggedOut = true;
    this.store.clear();
    forgetEverything();
  }

  // ---- replies and message search ------------------------------------------------------------

  /** The message numbered `seq` that a reply quotes: ours when we have it, else what the server said of it (see `askQuote`). */
  quoted(chatId, seq) {
    return { message: this.store.findSeq(chatId, seq), fetched: this.quotes[`${chatId}:${seq}`] };
  }

  /** Ask the server for a quoted message we do not have: one request of one entry, once per message per session. */
  async askQuote(chatId, seq) {
    const key = `${chatId}:${seq}`;
    if (this.store.findSeq(chatId, seq) || Object.hasOwn(this.quotes, key)) return;
    this.quotes[key] = undefined;
    try {
      const page = await getMessages(chatId, { after: seq - 1, limit: 1 });
      const entry = (page.entries ?? []).find((candidate) => candidate.seq === seq);
      this.quotes[key] = (entry && messageEntry(this.frameEnv, chatId, entry)) || null;
      if (this.quotes[key]?.fromUserName === null) this.lookupUser(this.quotes[key].fromUserId);
    } catch (err) {
      console.warn(`Could not load message ${seq} of ${chatId}: ${err.message}`);
      delete this.quotes[key]; // asked again when next shown
    }
  }

  /**
   * Open a chat at message `seq` (a quote clicked, a search hit picked): older pages are loaded until
   * it is here, then the list scrolls to it and highlights it. False (with a toast) when it is not kept.
   */
  async jumpTo(chatId, seq) {
    if (!this.model.conversations[chatId]) return false;
    this.openChat(chatId);
    await (this.catchingUp.get(chatId) ?? (this.store.lastSeq(chatId) ? null : this.catchUp(chatId)));
    let found = this.store.findSeq(chatId, seq);
    for (let pages = 0; !found && pages < JUMP_PAGES && this.store.firstSeq(chatId) > seq; pages++) {
      if ((await this.loadOlder(chatId)) === 0) break;
      found = this.store.findSeq(chatId, seq);
    }
    if (!found) {
      toastMessage("That message is no longer in this chat", "warning");
      return false;
    }
    this.status.jump = { chatId, seq };
    return true;
  }

  /** A page of messages found by words in our chats: the server's answer; throws its refusal (429 says when to try again). */
  searchMessages(q, before = null) {
    return searchMessages(q, { before });
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** Stop following a chat here and forget its messages. */
  close(chatId) {
    closeConversation(this.model, chatId);
    this.forgetChat(chatId);
  }

  forgetChat(chatId) {
    this.store.forget(chatId);
    this.seqs.delete(chatId);
    this.unanswered.delete(chatId);
    this.sender.forget(chatId);
    this.pendingJoins.delete(chatId);
    delete this.model.typing[chatId];
  }
}
