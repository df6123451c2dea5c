// A list of people: Online Users (this user first, in blue, then everyone by name) or the people a
// search found; each with the sign-in they came with; idle users are marked away, offline ones (a
// search finds them too) offline, blocked ones blocked. Clicking someone opens the private chat
// with them; the menu beside them offers that too, and Block (which asks first) or Unblock. Arrow
// keys move between people; Tab goes from a person to their menu.
import MenuButton from "./menu-button.js";
import ProviderIcon from "./provider-icon.js";
import RovingFocus from "./roving-focus.js";
import { isBlocked } from "../model/blocks.js";

export default {
  name: "UserList",
  components: { MenuButton, ProviderIcon },
  mixins: [RovingFocus],
  inject: ["session"],
  props: {
    users: { type: Array, required: true },
    label: { type: String, default: "Online users" },
  },
  emits: ["block", "picked"],
  computed: {
    meId() {
      return this.session.model.me.userId;
    },
    online() {
      return this.session.online;
    },
    rovingKeys() {
      return this.users.map((user) => user.userId);
    },
    /** The first person other than this user takes the list's Tab stop. */
    fallbackStop() {
      return this.users.find((user) => user.userId !== this.meId)?.userId;
    },
  },
  methods: {
    blocked(user) {
      return isBlocked(this.session.model, user.userId);
    },
    menu(user) {
      return [
        { id: "chat", label: "Chat privately", icon: "fas fa-comment" },
        this.blocked(user)
          ? { id: "unblock", label: `Unblock ${user.userName}`, icon: "fas fa-user-check" }
          : { id: "block", label: `Block ${user.userName}`, icon: "fas fa-ban", danger: true },
      ];
    },
    chat(user) {
      this.session.startPrivateChat(user);
      this.$emit("picked", user);
    },
    onMenu(user, action) {
      if (action === "chat") this.chat(user);
      else if (action === "block") this.$emit("block", user);
      else this.session.unblock(user);
    },
  },
  template: `
    <ul class="chatMenu userMenu" :aria-label="label" @keydown="onListKeydown" @focusin="onListFocus">
      <li v-for="user in users" :key="user.userId" class="userRow">
        <button type="button" class="userItem" :data-user-id="user.userId" :data-roving="user.userId"
          :class="{ userSelf: user.userId === meId, userAway: user.idle, userBlocked: blocked(user) }"
          :disabled="user.userId === meId || !online" :tabindex="user.userId === tabStop ? 0 : -1"
          :aria-label="user.userId === meId ? user.userName + ' (you)' : null" @click="chat(user)">
          <span v-if="user.userId !== meId" class="is-sr-only">Chat privately with </span>
          <span class="userName">{{ user.userName }}</span>
          <provider-icon class="userProvider" :provider="user.userProvider" />
          <span v-if="blocked(user)" class="blockedMark" title="Blocked"><i class="fas fa-ban" aria-hidden="true"></i><span class="blockedText"> blocked</span></span>
          <span v-if="user.online === false" class="awayMark" title="Offline"><span class="awayText"> offline</span></span>
          <span v-else-if="user.idle" class="awayMark" title="Away"><i class="fas fa-bed" aria-hidden="true"></i><span class="awayText"> away</span></span>
        </button>
        <menu-button v-if="user.userId !== meId" class="userActions" :label="'Actions for ' + user.userName" :items="menu(user)"
          :tab-stop="user.userId === tabStop" :disabled="!online" @select="onMenu(user, $event)" />
      </li>
    </ul>`,
};
