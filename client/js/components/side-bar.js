// The sidebar: who you are, Search messages, the people you block, the notification bell and Logout; then a search
// box, Group Chats (yours; New Chat, Browse chats), Direct messages (your private chats) and Online
// Users (your contacts and recent visitors). The search box narrows those lists at once and, after a
// short pause, asks the server for anyone and any group chat by name (a page at a time, More for the
// next); picking a result opens it and clears the search.
import ChatList from "./chat-list.js";
import ProviderIcon from "./provider-icon.js";
import UserList from "./user-list.js";
import { byName, groupChats, isMember, matches, sortedUsers, titleOf } from "../model/directory.js";

/** How long typing must pause before the server is asked. */
const SEARCH_PAUSE_MS = 300;

/** An empty page of results. */
const nothing = () => ({ items: [], next: null, loading: false });

const BELL = {
  on: { icon: "fas fa-bell", label: "Notifications on: click to turn them off" },
  off: { icon: "fas fa-bell-slash", label: "Notifications off: click to be notified of messages while Chatr is hidden" },
  blocked: { icon: "fas fa-bell-slash", label: "Notifications are blocked in this browser's site settings" },
};

export default {
  name: "SideBar",
  components: { ChatList, ProviderIcon, UserList },
  inject: ["session"],
  emits: ["new-chat", "delete-chat", "block-user", "blocked-users", "search-messages", "logout"],
  data() {
    return { filter: "", people: nothing(), found: nothing(), browsing: false, browsed: nothing(), searchError: "", timer: null };
  },
  watch: {
    filter() {
      clearTimeout(this.timer);
      this.people = nothing();
      this.found = nothing();
      this.searchError = "";
      if (this.filter.trim()) this.timer = setTimeout(() => this.searchBoth(), SEARCH_PAUSE_MS);
    },
  },
  beforeUnmount() {
    clearTimeout(this.timer);
  },
  computed: {
    model() {
      return this.session.model;
    },
    me() {
      return this.model.me;
    },
    groupChats() {
      const mine = (chat) => isMember(this.model, chat.id) || Boolean(this.model.conversations[chat.id]);
      return groupChats(this.model).filter((chat) => mine(chat) && matches(chat.name, this.filter));
    },
    /** Browse lists the group chats you are not in (yours are listed above it). */
    browsable() {
      return this.browsed.items.filter((chat) => !this.model.conversations[chat.id]);
    },
    searching() {
      return this.filter.trim() !== "";
    },
    directChats() {
      return Object.keys(this.model.conversations)
        .map((id) => this.model.chats[id])
        .filter((chat) => chat?.private)
        .map((chat) => ({ chat, title: titleOf(this.model, chat) }))
        .filter(({ title }) => matches(title, this.filter))
        .sort((a, b) => byName({ name: a.title, id: a.chat.id }, { name: b.title, id: b.chat.id }))
        .map(({ chat }) => chat);
    },
    users() {
      return sortedUsers(this.model).filter((user) => matches(user.userName, this.filter));
    },
    bell() {
      return BELL[this.session.attention.state.bell] ?? null;
    },
    online() {
      return this.session.online;
    },
  },
  methods: {
    open(chatId) {
      this.session.openChat(chatId);
    },
    /** Ask the server for people and chats named like the search, afresh. */
    searchBoth() {
      const prefix = this.filter.trim();
      this.more("people", "users", prefix, null);
      this.more("found", "chats", prefix, null);
    },
    /** The next page of one kind of result (people or chats), unless the search changed meanwhile. */
    async more(key, what, prefix = this.filter.trim(), after = this[key].next) {
      this[key].loading = true;
      try {
        const page = await this.session.find(what, prefix, after);
        if (prefix !== this.filter.trim()) return;
        this[key] = { items: [...(after === null ? [] : this[key].items), ...page.items], next: page.next, loading: false };
      } catch (err) {
        if (prefix !== this.filter.trim()) return;
        this[key].loading = false;
        this.searchError = err.status === 429 ? err.detail : `Search failed: ${err.detail ?? err.message}`;
      }
    },
    /** Open or close Browse chats; opening it loads its first page. */
    toggleBrowse() {
      this.browsing = !this.browsing;
      this.browsed = nothing();
      if (this.browsing) this.moreBrowsed();
    },
    async moreBrowsed() {
      this.browsed.loading = true;
      try {
        const page = await this.session.browse(this.browsed.next);
        this.browsed = { items: [...this.browsed.items, ...page.items].sort(byName), next: page.next, loading: false };
      } catch (err) {
        this.browsed.loading = false;
        this.searchError = `Could not load the chats: ${err.detail ?? err.message}`;
      }
    },
    /** A chat found by search or Browse: open (or join) it, and clear the search. */
    openFound(items, chatId) {
      const chat = items.find((c) => c.id === chatId);
      if (chat) this.session.openFound(chat);
      this.filter = "";
    },
    clearSearch() {
      this.filter = "";
    },
  },
  template: `
    <aside class="sidebar" aria-label="Chats and people">
      <header class="sidebarHeader">
        <p class="brand"><img src="/img/logo.svg" alt="" class="logo" /> Chatr</p>
        <div class="headerActions">
          <button type="button" class="button is-ghost iconButton searchMessagesButton" aria-label="Search messages" title="Search messages"
            @click="$emit('search-messages')">
            <span class="icon"><i class="fas fa-magnifying-glass" aria-hidden="true"></i></span>
          </button>
          <button type="button" class="button is-ghost iconButton" aria-label="Blocked users" title="Blocked users"
            @click="$emit('blocked-users')">
            <span class="icon"><i class="fas fa-ban" aria-hidden="true"></i></span>
          </button>
          <button v-if="bell" type="button" class="button is-ghost iconButton bellButton"
            :class="{ isOn: session.attention.state.bell === 'on' }" :aria-pressed="String(session.attention.state.bell === 'on')"
            :disabled="session.attention.state.bell === 'blocked'" aria-label="Notifications" :title="bell.label"
            @click="session.attention.toggleBell()">
            <span class="icon"><i :class="bell.icon" aria-hidden="true"></i></span>
          </button>
          <button type="button" class="button is-ghost iconButton" aria-label="Logout" title="Logout" @click="$emit('logout')">
            <span class="icon"><i class="fas fa-right-from-bracket" aria-hidden="true"></i></span>
          </button>
        </div>
      </header>
      <p class="whoAmI">
        <provider-icon class="mr-2" :provider="me.userProvider" />
        <span class="whoAmIName">{{ me.userName }}</span>
        <span v-if="model.idle" class="tag awayTag ml-2">away</span>
      </p>
      <div class="filterBox" role="search">
        <div class="control has-icons-left">
          <input v-model="filter" class="input is-small" type="search" placeholder="Search people and chats"
            aria-label="Search people and chats" maxlength="100" @keydown.escape="clearSearch" />
          <span class="icon is-small is-left"><i class="fas fa-magnifying-glass" aria-hidden="true"></i></span>
        </div>
      </div>
      <nav class="sidebarLists" aria-label="Chats">
        <section v-if="searching" aria-labelledby="foundTitle" class="searchResults">
          <div class="sectionHeader"><h2 id="foundTitle" class="sectionTitle">Found</h2></div>
          <p v-if="searchError" class="emptyNote" role="alert">{{ searchError }}</p>
          <user-list v-if="people.items.length" :users="people.items" label="People found"
            @block="$emit('block-user', $event)" @picked="clearSearch" />
          <button v-if="people.next" type="button" class="button is-small is-ghost" :disabled="people.loading"
            @click="more('people', 'users')">More people</button>
          <chat-list v-if="found.items.length" :chats="found.items" label="Chats found" @open="openFound(found.items, $event)"
            @delete="$emit('delete-chat', $event)" />
          <button v-if="found.next" type="button" class="button is-small is-ghost" :disabled="found.loading"
            @click="more('found', 'chats')">More chats</button>
          <p v-if="!people.items.length && !found.items.length && !people.loading && !found.loading && !searchError" class="emptyNote">
            Nobody and no chat found yet.
          </p>
        </section>
        <section aria-labelledby="groupChatsTitle">
          <div class="sectionHeader">
            <h2 id="groupChatsTitle" class="sectionTitle">Group Chats</h2>
            <button type="button" class="button is-small browseButton" :aria-pressed="String(browsing)"
              aria-label="Browse chats" title="Browse every group chat" @click="toggleBrowse">
              <span class="icon"><i class="fas fa-list" aria-hidden="true"></i></span><span>Browse</span>
            </button>
            <button type="button" class="button is-small newChatButton" :disabled="!online"
              aria-label="New Chat" title="New chat" @click="$emit('new-chat')">
              <span class="icon"><i class="fas fa-plus" aria-hidden="true"></i></span><span>New</span>
            </button>
          </div>
          <chat-list v-if="groupChats.length" :chats="groupChats" label="Group chats" @open="open"
            @delete="$emit('delete-chat', $event)" />
          <p v-else class="emptyNote">{{ filter ? "None of your group chats matches." : "You are in no group chat yet. Create one, browse or search!" }}</p>
          <template v-if="browsing">
            <chat-list v-if="browsable.length" :chats="browsable" label="Browse chats"
              @open="openFound(browsed.items, $event)" @delete="$emit('delete-chat', $event)" />
            <p v-else-if="!browsed.loading" class="emptyNote">No other group chats yet.</p>
            <button v-if="browsed.next" type="button" class="button is-small is-ghost" :disabled="browsed.loading"
              @click="moreBrowsed">More chats</button>
          </template>
        </section>
        <section aria-labelledby="directTitle">
          <div class="sectionHeader"><h2 id="directTitle" class="sectionTitle">Direct messages</h2></div>
          <chat-list v-if="directChats.length" :chats="directChats" label="Direct messages" @open="open" />
          <p v-else class="emptyNote">{{ filter ? "No private chat matches." : "Pick someone in Online Users, or search for anyone, to chat privately." }}</p>
        </section>
        <section aria-labelledby="onlineUsersTitle">
          <div class="sectionHeader">
            <h2 id="onlineUsersTitle" class="sectionTitle">Online Users</h2>
            <span class="sectionCount">{{ users.length }}<span class="is-sr-only"> online</span></span>
          </div>
          <user-list :users="users" @block="$emit('block-user', $event)" />
          <p class="emptyNote">People you share a chat with, and recent visitors. Search to find anyone else.</p>
        </section>
      </nav>
      <footer class="credit">
        Chatr v1.0.0, a Python take on
        <a href="https://github.com/benc-uk/chatr" target="_blank" rel="noopener noreferrer">Chatr by Ben Coleman</a>
      </footer>
    </aside>`,
};
