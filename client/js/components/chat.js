// One chat tab: its messages and the box to write in. It never touches the socket: the root app
// feeds `messages` from the per-chat store and does the sending when this emits `send`.
import MessageText from "./message-text.js";
import { timeLabel } from "../utils.js";

const NOTICES = {
  joined: ["💬", "has joined the chat"],
  left: ["💨", "has left the chat"],
  wantsToChat: ["💬", "wants to chat"],
};

export default {
  name: "ChatTab",
  components: { MessageText },
  props: {
    chat: { type: Object, required: true },
    messages: { type: Array, required: true },
    me: { type: Object, required: true },
    active: { type: Boolean, default: false },
    canSend: { type: Boolean, default: false },
  },
  emits: ["send", "leave"],
  data() {
    return { draft: "" };
  },
  watch: {
    "messages.length"() {
      this.scrollToEnd();
    },
    active(isActive) {
      if (isActive) this.focusInput();
    },
    canSend(can) {
      if (can && this.active) this.focusInput();
    },
  },
  mounted() {
    if (this.active) this.focusInput();
  },
  methods: {
    send() {
      const text = this.draft.trim();
      if (!text || !this.canSend) return;
      this.$emit("send", text);
      this.draft = "";
    },
    isMine(message) {
      return message.fromUserId === this.me.userId;
    },
    noticeEmoji(message) {
      return NOTICES[message.notice]?.[0] ?? "💬";
    },
    noticeText(message) {
      return NOTICES[message.notice]?.[1] ?? "";
    },
    timeLabel,
    isoTime(message) {
      return new Date(message.time).toISOString();
    },
    scrollToEnd() {
      this.$nextTick(() => {
        const box = this.$refs.box;
        if (box) box.scrollTop = box.scrollHeight;
      });
    },
    focusInput() {
      this.scrollToEnd();
      this.$nextTick(() => this.$refs.input?.focus({ preventScroll: true }));
    },
  },
  template: `
    <section class="chat" :data-chat-id="chat.id" :aria-label="'Chat: ' + chat.name">
      <div class="chatBox" ref="box" role="log" aria-live="polite" :aria-label="'Messages in ' + chat.name">
        <p v-if="!messages.length" class="has-text-grey has-text-centered is-size-7 py-2">No messages yet. Say hello!</p>
        <template v-for="message in messages" :key="message.key">
          <p v-if="message.kind === 'notice'" class="chatNotice">
            {{ noticeEmoji(message) }} <b>{{ message.userName }}</b> {{ noticeText(message) }}
            <time class="msgTime" :datetime="isoTime(message)">{{ timeLabel(message.time) }}</time>
          </p>
          <div v-else class="msgRow" :class="{ chatRight: isMine(message) }">
            <article class="card msgCard" :class="{ msgMine: isMine(message) }">
              <header class="msgTitle">
                <b class="msgFrom">{{ message.fromUserName }}</b>
                <time class="msgTime" :datetime="isoTime(message)">{{ timeLabel(message.time) }}</time>
              </header>
              <p class="msgText"><message-text :text="message.text" /></p>
            </article>
          </div>
        </template>
      </div>
      <form class="field has-addons mt-2" @submit.prevent="send">
        <div class="control is-expanded">
          <input ref="input" v-model="draft" class="input" type="text" maxlength="2000" autocomplete="off"
            :disabled="!canSend" :aria-label="'Message to ' + chat.name"
            :placeholder="canSend ? 'What do you want to say?' : 'Reconnecting… sending is paused'" />
        </div>
        <div class="control">
          <button class="button is-success" type="submit" :disabled="!canSend || !draft.trim()" aria-label="Send">
            <span class="icon"><i class="fas fa-paper-plane" aria-hidden="true"></i></span>
            <span class="is-hidden-mobile">Send</span>
          </button>
        </div>
        <div class="control">
          <button class="button is-warning" type="button" @click="$emit('leave')" :aria-label="'Leave ' + chat.name">
            <span class="icon"><i class="fas fa-right-from-bracket" aria-hidden="true"></i></span>
            <span class="is-hidden-mobile">Leave</span>
          </button>
        </div>
      </form>
    </section>`,
};
