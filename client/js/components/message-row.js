// One entry of a chat: a notice, or a message with its sender (shown once per group, always there
// for screen readers) and its time (the full date and time on hover and for screen readers).
// Rows only re-render when their own entry changes, which keeps a busy chat cheap.
import MessageText from "./message-text.js";
import { NOTICES } from "../model/group-frames.js";
import { clockLabel, fullLabel } from "../model/time.js";

export default {
  name: "MessageRow",
  components: { MessageText },
  props: {
    entry: { type: Object, required: true },
    /** Same sender as the message above: the name is not repeated on screen. */
    grouped: { type: Boolean, default: false },
    mine: { type: Boolean, default: false },
  },
  computed: {
    notice() {
      return NOTICES[this.entry.notice] ?? { emoji: "💬", text: "" };
    },
    clock() {
      return clockLabel(this.entry.time);
    },
    full() {
      return fullLabel(this.entry.time);
    },
    iso() {
      return new Date(this.entry.time).toISOString();
    },
  },
  template: `
    <p v-if="entry.kind === 'notice'" class="chatNotice">
      <span aria-hidden="true">{{ notice.emoji }}</span> <b>{{ entry.userName }}</b> {{ notice.text }}
      <time class="msgTime" :datetime="iso" :title="full"><span aria-hidden="true">{{ clock }}</span><span class="is-sr-only">{{ full }}</span></time>
    </p>
    <div v-else class="msgRow" :class="{ chatRight: mine, isGrouped: grouped }">
      <article class="msgCard" :class="{ msgMine: mine }">
        <header class="msgTitle" :class="{ 'is-sr-only': grouped }">
          <b class="msgFrom">{{ entry.fromUserName }}</b>
          <time v-if="!grouped" class="msgTime" :datetime="iso" :title="full"><span aria-hidden="true">{{ clock }}</span><span class="is-sr-only">{{ full }}</span></time>
        </header>
        <div class="msgBody">
          <p class="msgText"><message-text :text="entry.text" /></p>
          <time v-if="grouped" class="msgTime msgTimeSide" :datetime="iso" :title="full"><span aria-hidden="true">{{ clock }}</span><span class="is-sr-only">{{ full }}</span></time>
        </div>
      </article>
    </div>`,
};
