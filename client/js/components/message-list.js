// The open chat's messages. At the bottom, the view follows new messages; scrolled up, it stays
// where the user is reading and a "N new messages ↓" button jumps to the latest. Opening a chat
// with unread messages shows them below a "New messages" divider. Under this user's latest
// message: who has seen it; at the bottom: who is typing. The whole log takes one Tab stop (a
// message's menu): Up and Down move between messages, Left and Right through a message's links,
// reaction chips and menu, so Tab does not get slower as the chat grows. What is on screen is reported as read (throttled). What a
// blocked person says is left out here, when drawn, so unblocking them shows it again. Above the
// oldest message this browser has, "Earlier messages" loads the page before it from the server.
// A jump (a reply's quote clicked, a search hit picked: `session.status.jump`) scrolls to its
// message, highlights it for a moment and moves the focus to it.
import MessageRow from "./message-row.js";
import RovingFocus from "./roving-focus.js";
import { shownEntries } from "../model/blocks.js";
import { seenBy, seenLabel } from "../model/receipts.js";
import { timelineRows } from "../model/timeline.js";
import { typingLabel } from "../model/typing.js";

/** Closer to the bottom than this (px) counts as at the bottom. */
const BOTTOM_SLACK = 48;
/** After scrolling stops for this long (ms), what is on screen counts as read. */
const READ_AFTER_SCROLL_MS = 250;
/** The parts of a message the keyboard reaches with Left and Right, in the order they are drawn. */
const MESSAGE_PARTS = ".msgQuote:not(:disabled), .msgText a[href], .reactionChip:not(:disabled), [data-roving]";
/** How long a message jumped to stays highlighted (ms). */
const FLASH_MS = 2000;

export default {
  name: "MessageList",
  components: { MessageRow },
  mixins: [RovingFocus],
  inject: ["session"],
  props: {
    chatId: { type: String, required: true },
    title: { type: String, required: true },
  },
  emits: ["edit", "delete", "reply"],
  data() {
    return { atBottom: true, unseen: 0, loadingOlder: false, startReached: false, flash: null };
  },
  computed: {
    entries() {
      return shownEntries(this.session.model, this.session.store.listOf(this.chatId));
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
    /** The server may have older messages than the first one here (a chat's history starts at number 1). */
    hasOlder() {
      return !this.startReached && this.entries.length > 0 && this.session.store.firstSeq(this.chatId) > 1;
    },
    lastKey() {
      return this.entries.length ? this.entries[this.entries.length - 1].key : 0;
    },
    /** The messages with a menu, for the arrow keys: their keys (as the DOM holds them), oldest first. */
    rovingKeys() {
      return this.entries.filter((entry) => entry.kind === "message" && entry.id && !entry.deleted).map((entry) => String(entry.key));
    },
    /** Tab lands on the newest message's menu until another one was focused. */
    fallbackStop() {
      return this.rovingKeys[this.rovingKeys.length - 1] ?? null;
    },
    /** "Seen by Ada, Grace" under our latest message: `{key, label}`. */
    seen() {
      const found = seenBy(this.entries, this.session.store.marksOf(this.chatId), this.meId);
      return found ? { key: found.key, label: seenLabel(this.session.model, this.chatId, found.readers) } : { key: null, label: "" };
    },
    typing() {
      return typingLabel(this.session.model, this.chatId, this.meId, Date.now());
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
    "session.status.jump"(jump) {
      if (jump?.chatId === this.chatId) this.showJump(jump.seq);
    },
    /** On a phone, the chat's screen came back in front of the list. */
    "session.status.screen"() {
      this.$nextTick(() => this.reportRead());
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
    this.onVisibility = () => this.reportRead();
    document.addEventListener("visibilitychange", this.onVisibility);
    this.reportRead();
    const jump = this.session.status.jump;
    if (jump?.chatId === this.chatId) this.showJump(jump.seq);
  },
  beforeUnmount() {
    this.resizer.disconnect();
    clearTimeout(this.readTimer);
    clearTimeout(this.flashTimer);
    document.removeEventListener("visibilitychange", this.onVisibility);
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
      clearTimeout(this.readTimer);
      this.readTimer = setTimeout(() => this.reportRead(), READ_AFTER_SCROLL_MS);
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
        this.reportRead();
      });
    },
    /** Load the page before the oldest message here, keeping the view on what the user was reading. */
    async loadOlder() {
      const box = this.$refs.box;
      const fromBottom = box.scrollHeight - box.scrollTop;
      this.loadingOlder = true;
      try {
        this.startReached = (await this.session.loadOlder(this.chatId)) === 0; // older ones were removed (retention)
      } catch (err) {
        console.warn(`Could not load earlier messages: ${err.message}`);
      } finally {
        this.loadingOlder = false;
      }
      this.$nextTick(() => {
        if (this.$refs.box) this.$refs.box.scrollTop = this.$refs.box.scrollHeight - fromBottom;
      });
    },
    /** Scroll to message `seq`, highlight it for a moment and focus it (its menu, or the log when it has none). */
    showJump(seq) {
      this.session.status.jump = null;
      this.$nextTick(() => {
        const row = this.$refs.box?.querySelector(`.msgRow[data-seq="${seq}"]`);
        if (!row) return;
        row.scrollIntoView({ block: "center" });
        clearTimeout(this.flashTimer);
        this.flash = seq;
        this.flashTimer = setTimeout(() => (this.flash = null), FLASH_MS);
        const stop = row.querySelector("[data-roving]");
        if (stop) this.focusKey = stop.dataset.roving;
        (stop ?? this.$refs.box).focus({ preventScroll: true });
      });
    },
    jumpToLatest() {
      this.scrollToEnd();
      this.$refs.box.focus({ preventScroll: true });
    },
    /** Left/Right: the previous or next part of the focused message; Up/Down from a part: as from its message's menu. */
    onLogKeydown(event) {
      const row = event.target.closest(".msgRow");
      if (event.defaultPrevented || !row) return this.onListKeydown(event);
      const parts = [...row.querySelectorAll(MESSAGE_PARTS)];
      const index = parts.indexOf(event.target);
      const step = { ArrowLeft: -1, ArrowRight: 1 }[event.key];
      if (step && index !== -1 && !event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
        event.preventDefault();
        parts[Math.min(parts.length - 1, Math.max(0, index + step))].focus();
        return;
      }
      this.onListKeydown(event, index === -1 ? event.target : (row.querySelector("[data-roving]") ?? event.target));
    },
    /** Tell the chat how far we have read: the newest message whose top is on screen. */
    reportRead() {
      const box = this.$refs.box;
      if (!box) return;
      const bottom = box.getBoundingClientRect().bottom;
      const rows = box.querySelectorAll(".msgRow[data-message-id]");
      for (let index = rows.length - 1; index >= 0; index--) {
        if (rows[index].getBoundingClientRect().top >= bottom) continue;
        const key = Number(rows[index].dataset.entryKey);
        const entry = this.entries.findLast((candidate) => candidate.key === key);
        if (entry) this.session.markRead(this.chatId, entry);
        return;
      }
    },
  },
  template: `
    <div class="messageArea">
      <div ref="box" class="messageList" role="log" tabindex="0" :aria-label="'Messages in ' + title" @scroll.passive="onScroll"
        @keydown="onLogKeydown" @focusin="onListFocus">
        <p v-if="!entries.length" class="emptyChat">No messages yet. Say hello!</p>
        <p v-if="hasOlder" class="earlierMessages">
          <button type="button" class="button is-small is-rounded" :class="{ 'is-loading': loadingOlder }" @click="loadOlder">Earlier messages</button>
        </p>
        <template v-for="row in rows" :key="row.key">
          <h3 v-if="row.type === 'day'" class="daySeparator"><span>{{ row.label }}</span></h3>
          <p v-else-if="row.type === 'divider'" class="newDivider"><span>New messages</span></p>
          <template v-else>
            <message-row :entry="row.entry" :chat-id="chatId" :grouped="row.grouped" :mine="row.entry.fromUserId === meId"
              :tab-stop="String(row.entry.key) === tabStop" :flash="flash !== null && row.entry.seq === flash"
              @edit="$emit('edit', $event)" @delete="$emit('delete', $event)" @reply="$emit('reply', $event)" />
            <p v-if="row.key === seen.key && seen.label" class="seenBy">{{ seen.label }}</p>
          </template>
        </template>
      </div>
      <p v-if="typing" class="typingLine"><span class="typingDots" aria-hidden="true"><i></i><i></i><i></i></span> {{ typing }}</p>
      <button v-if="unseen" type="button" class="button is-link is-rounded jumpButton" :class="{ aboveTyping: typing }" @click="jumpToLatest">
        {{ unseen }} new {{ unseen === 1 ? "message" : "messages" }} ↓
      </button>
    </div>`,
};
