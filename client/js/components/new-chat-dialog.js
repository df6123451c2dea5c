// The "New Chat" dialog: a name, Create or Cancel. A name over the limit says so (it is never cut),
// and a name another chat already has (one of yours, or one the server finds once typing pauses) is
// pointed out, with a way to open that chat instead.
import ModalDialog from "./modal-dialog.js";
import { CHAT_NAME_MAX, limitStatus } from "../model/limits.js";
import { chatNamed } from "../model/directory.js";

/** How long typing must pause before the server is asked for a chat of that name. */
const LOOKUP_PAUSE_MS = 400;

export default {
  name: "NewChatDialog",
  components: { ModalDialog },
  inject: ["session"],
  emits: ["close", "created"],
  data() {
    // a chat the server did not create keeps its name
    return { name: this.session.status.unsentChatName, found: null, timer: null };
  },
  watch: {
    trimmed: {
      immediate: true,
      handler(name) {
        clearTimeout(this.timer);
        this.found = null;
        if (name && !this.limit.over) this.timer = setTimeout(() => this.lookUp(name), LOOKUP_PAUSE_MS);
      },
    },
  },
  beforeUnmount() {
    clearTimeout(this.timer);
  },
  computed: {
    trimmed() {
      return this.name.trim();
    },
    limit() {
      return limitStatus(this.trimmed, CHAT_NAME_MAX, "name");
    },
    existing() {
      return chatNamed(this.session.model, this.trimmed) ?? this.found;
    },
    canCreate() {
      return this.trimmed !== "" && !this.limit.over && this.session.online;
    },
  },
  methods: {
    create() {
      if (!this.canCreate) return;
      this.session.createChat(this.trimmed);
      this.$emit("created");
    },
    /** Ask the server for a group chat with this name (anyone's); a refused search just finds nothing. */
    async lookUp(name) {
      try {
        const { items } = await this.session.find("chats", name);
        const chats = Object.fromEntries(items.map((chat) => [chat.id, { ...chat, private: false }]));
        if (name === this.trimmed) this.found = chatNamed({ chats }, name);
      } catch (err) {
        console.warn(`Could not look for chats named ${name}: ${err.message}`);
      }
    },
    openExisting() {
      this.session.openFound(this.existing);
      this.$emit("close");
    },
  },
  template: `
    <modal-dialog labelledby="newChatTitle" @close="$emit('close')">
      <form class="modal-card" @submit.prevent="create">
        <header class="modal-card-head">
          <h2 id="newChatTitle" class="modal-card-title">New Chat</h2>
          <button class="delete" type="button" aria-label="Close" @click="$emit('close')"></button>
        </header>
        <section class="modal-card-body">
          <label class="label" for="newChatName">Chat name</label>
          <input id="newChatName" v-model="name" class="input" :class="{ 'is-danger': limit.over }" type="text"
            placeholder="Chat name" autocomplete="off" autofocus aria-describedby="newChatHelp newChatSame" />
          <p id="newChatHelp" class="help" :class="{ 'is-danger': limit.over }" aria-live="polite">
            <template v-if="limit.over">{{ limit.problem }} Shorten it to create the chat.</template>
            <template v-else-if="limit.showCounter">{{ limit.length }} / {{ limit.max }} characters</template>
          </p>
          <div id="newChatSame" aria-live="polite">
            <p v-if="existing" class="notification is-warning is-light sameName mt-3 mb-0">
              A chat called “{{ existing.name }}” already exists.
              <button type="button" class="button is-small ml-1" @click="openExisting">
                Open it
              </button>
            </p>
          </div>
        </section>
        <footer class="modal-card-foot buttons">
          <button class="button is-success" type="submit" :disabled="!canCreate">{{ existing ? "Create another" : "Create" }}</button>
          <button class="button" type="button" @click="$emit('close')">Cancel</button>
        </footer>
      </form>
    </modal-dialog>`,
};
