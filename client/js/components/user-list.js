// Online Users: this user first (in blue), then everyone by name; idle users are marked away.
// Clicking someone opens the private chat with them. Arrow keys move between people.
import RovingFocus from "./roving-focus.js";
import { providerIcon } from "./provider-icon.js";

export default {
  name: "UserList",
  mixins: [RovingFocus],
  inject: ["session"],
  props: {
    users: { type: Array, required: true },
  },
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
    providerIcon,
  },
  template: `
    <ul class="chatMenu userMenu" aria-label="Online users" @keydown="onListKeydown" @focusin="onListFocus">
      <li v-for="user in users" :key="user.userId">
        <button type="button" class="userItem" :data-user-id="user.userId" :data-roving="user.userId"
          :class="{ userSelf: user.userId === meId, userAway: user.idle }" :disabled="user.userId === meId || !online"
          :tabindex="user.userId === tabStop ? 0 : -1" :aria-label="user.userId === meId ? user.userName + ' (you)' : null"
          @click="session.startPrivateChat(user)">
          <span class="icon"><i :class="providerIcon(user.userProvider)" aria-hidden="true"></i></span>
          <span v-if="user.userId !== meId" class="is-sr-only">Chat privately with </span>
          <span class="userName">{{ user.userName }}</span>
          <span v-if="user.idle" class="awayMark" title="Away"><i class="fas fa-bed" aria-hidden="true"></i><span class="awayText"> away</span></span>
        </button>
      </li>
    </ul>`,
};
