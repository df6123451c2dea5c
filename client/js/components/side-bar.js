// The sidebar: who you are, the people you block, the notification bell and Logout; then Group
// Chats (New Chat, a filter once there are more than a handful), Direct messages (your private
// chats) and Online Users.
import ChatList from "./chat-list.js";
import ProviderIcon from "./provider-icon.js";
import UserList from "./user-list.js";
import { byName, groupChats, matches, sortedUsers, titleOf } from "../model/directory.js";

/** The filter box shows once the lists hold more than this many entries. */
const FILTER_FROM = 8;

const BELL = {
  on: { icon: "fas fa-bell", label: "Notifications on: click to turn them off" },
  off: { icon: "fas fa-bell-slash", label: "Notifications off: click to be notified of messages while Chatr is hidden" },
  blocked: { icon: "fas fa-bell-slash", label: "Notifications are blocked in this browser's site settings" },
};

export default {
  name: "SideBar",
  components: { ChatList, ProviderIcon, UserList },
  inject: ["session"],
  emits: ["new-chat", "delete-chat", "block-user", "blocked-users"],
  data() {
    return { filter: "" };
  },
  computed: {
    model() {
      return this.session.model;
    },
    me() {
      return this.model.me;
    },
    groupChats() {
      return groupChats(this.model).filter((chat) => matches(chat.name, this.filter));
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
    showFilter() {
      const total = Object.keys(this.model.chats).length + Object.keys(this.model.users).length;
      return total > FILTER_FROM || this.filter !== "";
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
  },
  template: `
    <aside class="sidebar" aria-label="Chats and people">
      <header class="sidebarHeader">
        <p class="brand"><img src="/img/logo.svg" alt="" class="logo" /> Chatr</p>
        <div class="headerActions">
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
          <button type="button" class="button is-ghost iconButton" aria-label="Logout" title="Logout" @click="session.logout()">
            <span class="icon"><i class="fas fa-right-from-bracket" aria-hidden="true"></i></span>
          </button>
        </div>
      </header>
      <p class="whoAmI">
        <provider-icon class="mr-2" :provider="me.userProvider" />
        <span class="whoAmIName">{{ me.userName }}</span>
        <span v-if="model.idle" class="tag awayTag ml-2">away</span>
      </p>
      <div v-if="showFilter" class="filterBox">
        <div class="control has-icons-left">
          <input v-model="filter" class="input is-small" type="search" placeholder="Filter chats and people"
            aria-label="Filter chats and people" />
          <span class="icon is-small is-left"><i class="fas fa-magnifying-glass" aria-hidden="true"></i></span>
        </div>
      </div>
      <nav class="sidebarLists" aria-label="Chats">
        <section aria-labelledby="groupChatsTitle">
          <div class="sectionHeader">
            <h2 id="groupChatsTitle" class="sectionTitle">Group Chats</h2>
            <button type="button" class="button is-small newChatButton" :disabled="!online"
              aria-label="New Chat" title="New chat" @click="$emit('new-chat')">
              <span class="icon"><i class="fas fa-plus" aria-hidden="true"></i></span><span>New</span>
            </button>
          </div>
          <chat-list v-if="groupChats.length" :chats="groupChats" label="Group chats" @open="open"
            @delete="$emit('delete-chat', $event)" />
          <p v-else class="emptyNote">{{ filter ? "No group chat matches." : "No group chats yet. Create one!" }}</p>
        </section>
        <section aria-labelledby="directTitle">
          <div class="sectionHeader"><h2 id="directTitle" class="sectionTitle">Direct messages</h2></div>
          <chat-list v-if="directChats.length" :chats="directChats" label="Direct messages" @open="open" />
          <p v-else class="emptyNote">{{ filter ? "No private chat matches." : "Pick someone in Online Users to chat privately." }}</p>
        </section>
        <section aria-labelledby="onlineUsersTitle">
          <div class="sectionHeader">
            <h2 id="onlineUsersTitle" class="sectionTitle">Online Users</h2>
            <span class="sectionCount">{{ users.length }}<span class="is-sr-only"> online</span></span>
          </div>
          <user-list :users="users" @block="$emit('block-user', $event)" />
        </section>
      </nav>
      <footer class="credit">
        Chatr v1.0.0, a Python take on
        <a href="https://github.com/benc-uk/chatr" target="_blank" rel="noopener noreferrer">Chatr by Ben Coleman</a>
      </footer>
    </aside>`,
};
