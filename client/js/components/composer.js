// The box to write in, pinned under the messages. Enter sends, Shift+Enter starts a new line, and
// the box grows with what is typed. Near the limit a counter shows; over it, the box says by how
// much and keeps the text (nothing is cut). The draft belongs to the chat, so switching chats or
// reloading keeps it, and a message that did not go out comes back into the box.
import { MESSAGE_MAX, limitStatus } from "../model/limits.js";
import { peerHasLeft, peerOf, nameOf } from "../model/directory.js";

const MAX_HEIGHT_SHARE = 0.4; // of the window's height, then the box scrolls

export default {
  name: "Composer",
  inject: ["session"],
  props: {
    chatId: { type: String, required: true },
    title: { type: String, required: true },
  },
  data() {
    return { sending: false };
  },
  computed: {
    draft: {
      get() {
        return this.session.model.drafts[this.chatId] ?? "";
      },
      set(text) {
        this.session.model.drafts[this.chatId] = text;
      },
    },
    online() {
      return this.session.online;
    },
    limit() {
      return limitStatus(this.draft, MESSAGE_MAX);
    },
    canSend() {
      return this.online && this.draft.trim() !== "" && !this.limit.over;
    },
    /** In a private chat the other person left, writing invites them back: say so before they write. */
    peerLeftNote() {
      const { model } = this.session;
      if (!peerHasLeft(model, this.chatId)) return "";
      const name = nameOf(model, peerOf(this.chatId, model.me.userId), this.chatId);
      return `${name} left this chat. Sending a message invites them back.`;
    },
    describedBy() {
      return ["composerStatus", this.peerLeftNote && "composerNote"].filter(Boolean).join(" ");
    },
  },
  watch: {
    draft() {
      this.$nextTick(() => this.fit());
    },
  },
  mounted() {
    this.fit();
  },
  methods: {
    onEnter(event) {
      if (event.shiftKey || event.isComposing) return;
      event.preventDefault();
      this.submit();
    },
    /** Clear the box at once, but put the text back if the message did not get through. */
    async submit() {
      if (!this.canSend) return;
      const chatId = this.chatId;
      const text = this.draft.trim();
      this.draft = "";
      const delivered = await this.session.send(chatId, text);
      const drafts = this.session.model.drafts;
      if (!delivered && !drafts[chatId]) drafts[chatId] = text;
    },
    /** Grow with the text, up to a share of the window. */
    fit() {
      const box = this.$refs.input;
      if (!box) return;
      box.style.height = "auto";
      box.style.height = `${Math.min(box.scrollHeight + 2, window.innerHeight * MAX_HEIGHT_SHARE)}px`;
    },
    focus() {
      this.$refs.input?.focus({ preventScroll: true });
    },
  },
  template: `
    <form class="composer" @submit.prevent="submit">
      <p v-if="peerLeftNote" id="composerNote" class="composerNote">{{ peerLeftNote }}</p>
      <div class="composerRow">
        <textarea id="composer" ref="input" v-model="draft" class="textarea composerInput" rows="1"
          :class="{ 'is-danger': limit.over }" :aria-label="'Message to ' + title" :aria-describedby="describedBy"
          :placeholder="online ? 'Write a message…' : 'Reconnecting… sending is paused'"
          @keydown.enter="onEnter"></textarea>
        <button class="button is-success sendButton" type="submit" :disabled="!canSend" aria-label="Send" title="Send (Enter)">
          <span class="icon"><i class="fas fa-paper-plane" aria-hidden="true"></i></span>
        </button>
      </div>
      <p id="composerStatus" class="composerStatus" :class="{ isOver: limit.over }" aria-live="polite">
        <template v-if="!online">Sending is paused until the connection is back.</template>
        <template v-else-if="limit.over">{{ limit.problem }} Shorten it to send.</template>
        <template v-else-if="limit.showCounter">{{ limit.length }} / {{ limit.max }}</template>
      </p>
    </form>`,
};
