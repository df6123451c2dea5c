// The open chat's messages. At the bottom, the view follows new messages; scrolled up, it stays
// where the user is reading and a "N new messages ↓" button jumps to the latest. Opening a chat
// with unread messages shows them below a "New messages" divider.
import MessageRow from "./message-row.js";
import { timelineRows } from "../model/timeline.js";

/** Closer to the bottom than this (px) counts as at the bottom. */
const BOTTOM_SLACK = 48;

export default {
  name: "MessageList",
  components: { MessageRow },
  inject: ["session"],
  props: {
    chatId: { type: String, required: true },
    title: { type: String, required: true },
  },
  data() {
    return { atBottom: true, unseen: 0 };
  },
  computed: {
    entries() {
      return this.session.store.listOf(this.chatId);
    },
    meId() {
      return this.session.model.me.userId;
    },
    dividerAt() {
      return this.session.model.conversations[this.chatId]?.dividerAt ?? null;
    },
    rows() {
      return timelineRows(this.entries, { dividerAt: this.dividerAt, meId: this.meId });
    },
    lastKey() {
      return this.entries.length ? this.entries[this.entries.length - 1].key : 0;
    },
  },
  watch: {
    /** New entries were drawn: follow them at the bottom (or when they are ours), else count them. */
    lastKey(key, previous) {
      const fresh = this.entries.filter((entry) => entry.key > previous);
      const ours = fresh.some((entry) => entry.kind === "message" && entry.fromUserId === this.meId);
      if (this.atBottom || ours) {
        this.scrollToEnd();
      } else {
        this.unseen += fresh.filter((entry) => entry.kind === "message").length;
      }
    },
  },
  mounted() {
    const box = this.$refs.box;
    this.resized();
    this.resizer = new ResizeObserver(() => this.resized() && this.atBottom && this.scrollToEnd());
    this.resizer.observe(box);
    const divider = box.querySelector(".newDivider");
    if (divider) {
      box.scrollTop = Math.max(0, divider.offsetTop - box.offsetTop - box.clientHeight / 3);
      this.onScroll();
    } else {
      this.scrollToEnd();
    }
  },
  beforeUnmount() {
    this.resizer.disconnect();
  },
  methods: {
    onScroll() {
      const box = this.$refs.box;
      if (this.resized()) {
        // the window (or the keyboard) changed the list's size: whoever was at the bottom stays there
        if (this.atBottom) this.scrollToEnd();
        return;
      }
      this.atBottom = box.scrollHeight - box.scrollTop - box.clientHeight <= BOTTOM_SLACK;
      if (this.atBottom) this.unseen = 0;
    },
    /** True once after the list's box changed size. */
    resized() {
      const box = this.$refs.box;
      const size = `${box.clientWidth}x${box.clientHeight}`;
      const changed = size !== this.size;
      this.size = size;
      return changed;
    },
    scrollToEnd() {
      this.$nextTick(() => {
        const box = this.$refs.box;
        if (!box) return;
        box.scrollTop = box.scrollHeight;
        this.atBottom = true;
        this.unseen = 0;
      });
    },
    jumpToLatest() {
      this.scrollToEnd();
      this.$refs.box.focus({ preventScroll: true });
    },
  },
  template: `
    <div class="messageArea">
      <div ref="box" class="messageList" role="log" tabindex="0" :aria-label="'Messages in ' + title" @scroll.passive="onScroll">
        <p v-if="!entries.length" class="emptyChat">No messages yet. Say hello!</p>
        <template v-for="row in rows" :key="row.key">
          <h3 v-if="row.type === 'day'" class="daySeparator"><span>{{ row.label }}</span></h3>
          <p v-else-if="row.type === 'divider'" class="newDivider"><span>New messages</span></p>
          <message-row v-else :entry="row.entry" :grouped="row.grouped" :mine="row.entry.fromUserId === meId" />
        </template>
      </div>
      <button v-if="unseen" type="button" class="button is-link is-rounded jumpButton" @click="jumpToLatest">
        {{ unseen }} new {{ unseen === 1 ? "message" : "messages" }} ↓
      </button>
    </div>`,
};
