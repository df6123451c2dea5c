// The "New Chat" dialog: a name, Create or Cancel; Enter creates, Escape cancels.

const CHAT_NAME_MAX = 100; // the server's limit too

export default {
  name: "NewChatModal",
  emits: ["create", "close"],
  data() {
    return { name: "", maxLength: CHAT_NAME_MAX };
  },
  computed: {
    trimmed() {
      return this.name.trim();
    },
  },
  mounted() {
    this.$refs.input.focus();
  },
  methods: {
    create() {
      if (this.trimmed) this.$emit("create", this.trimmed);
    },
  },
  template: `
    <div class="modal is-active" role="dialog" aria-modal="true" aria-labelledby="newChatTitle" @keydown.esc="$emit('close')">
      <div class="modal-background" @click="$emit('close')"></div>
      <form class="modal-card" @submit.prevent="create">
        <header class="modal-card-head">
          <h2 id="newChatTitle" class="modal-card-title">New Chat</h2>
          <button class="delete" type="button" aria-label="Close" @click="$emit('close')"></button>
        </header>
        <section class="modal-card-body">
          <label class="label" for="newChatName">Chat name</label>
          <input id="newChatName" ref="input" v-model="name" class="input" type="text" placeholder="Chat name"
            :maxlength="maxLength" autocomplete="off" />
        </section>
        <footer class="modal-card-foot buttons">
          <button class="button is-success" type="submit" :disabled="!trimmed">Create</button>
          <button class="button" type="button" @click="$emit('close')">Cancel</button>
        </footer>
      </form>
    </div>`,
};
