// The people this user blocks, online or not, each with Unblock. Names come from the server: its
// lists when they name the person, else the person's profile (GET /api/users?id=). Unblocking
// takes effect when the server's new list arrives; the focus then moves to the next person (or to
// Close), never into the void. The dialog opens on Close, so Enter there does nothing by mistake.
import ModalDialog from "./modal-dialog.js";
import ProviderIcon from "./provider-icon.js";
import { blockedIds } from "../model/blocks.js";
import { knownName, privateChatId, providerOf } from "../model/directory.js";

export default {
  name: "BlockedUsersDialog",
  components: { ModalDialog, ProviderIcon },
  inject: ["session"],
  emits: ["close"],
  data() {
    return { refocus: null };
  },
  computed: {
    model() {
      return this.session.model;
    },
    ids() {
      return blockedIds(this.model);
    },
    /** `[{userId, userName, userProvider, unknown}]`; userName is null until the server names them, `unknown` when it does not know them. */
    people() {
      return this.ids.map((userId) => {
        const chatId = privateChatId(this.model.me.userId, userId);
        const unknown = this.model.profiles[userId] === null;
        return { userId, userName: knownName(this.model, userId, chatId), userProvider: providerOf(this.model, userId, chatId), unknown };
      });
    },
    online() {
      return this.session.online;
    },
  },
  watch: {
    ids: {
      handler(ids, before) {
        this.lookUp();
        if (before && ids.length < before.length) this.$nextTick(() => this.focusAfterUnblock());
      },
      immediate: true,
    },
  },
  methods: {
    /** Ask the server about anyone its lists do not name (once: the session keeps the answer). */
    lookUp() {
      for (const person of this.people) if (person.userName === null && !person.unknown) this.session.lookupUser(person.userId);
    },
    label(person) {
      if (person.unknown) return `Unknown user (${person.userId})`;
      return person.userName ?? "Loading…";
    },
    unblock(person, index) {
      this.refocus = index;
      this.session.unblock({ userId: person.userId, userName: this.label(person) });
    },
    focusAfterUnblock() {
      if (this.refocus === null) return;
      const buttons = [...(this.$refs.list?.querySelectorAll(".unblockButton") ?? [])];
      const next = buttons[Math.min(this.refocus, buttons.length - 1)] ?? this.$refs.close;
      this.refocus = null;
      next?.focus();
    },
  },
  template: `
    <modal-dialog labelledby="blockedTitle" @close="$emit('close')">
      <div class="modal-card">
        <header class="modal-card-head">
          <h2 id="blockedTitle" class="modal-card-title">Blocked users</h2>
        </header>
        <section class="modal-card-body">
          <p class="blockedIntro">People you block cannot start a private chat with you, and you do not see their messages,
            reactions or typing in any chat. They are not told.</p>
          <ul v-if="people.length" ref="list" class="blockedList" aria-label="Blocked users">
            <li v-for="(person, index) in people" :key="person.userId" class="blockedRow">
              <provider-icon :provider="person.userProvider" />
              <span class="blockedName">{{ label(person) }}</span>
              <button type="button" class="button is-small unblockButton" :disabled="!online"
                :aria-label="'Unblock ' + label(person)" @click="unblock(person, index)">Unblock</button>
            </li>
          </ul>
          <p v-else class="emptyNote blockedEmpty">You have not blocked anyone. To block someone, use the menu beside their
            name in Online Users, or the menu of your private chat with them.</p>
        </section>
        <footer class="modal-card-foot buttons">
          <button ref="close" class="button" type="button" autofocus @click="$emit('close')">Close</button>
        </footer>
      </div>
    </modal-dialog>`,
};
