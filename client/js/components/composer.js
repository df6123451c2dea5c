// The box to write in, pinned under the messages. Enter sends, Shift+Enter starts a new line, and
// the box grows with what is typed. Near the limit a counter shows; over it, the box says by how
// much and keeps the text (nothing is cut). The draft belongs to the chat, so switching chats or
// reloading keeps it, and a message that did not go out comes back into the box.
//
// Typing "@" offers people to mention (arrow keys, Enter or Tab to pick, Escape to close). The box
// also edits our own messages: from a message's menu, or Up in an empty box for our latest one;
// Enter saves, Escape cancels, and the draft that was there comes back. While we type, the chat
// hears that we are typing (within its budget, see services/chat-sender.js). The emoji button
// beside the box inserts an emoji where the caret is (components/emoji-picker.js). Reply (a message's
// menu) puts "Replying to <name>: <first line>" above the box until the message goes or Escape.
import EmojiPicker from "./emoji-picker.js";
import ProviderIcon from "./provider-icon.js";
import { insertAt } from "../model/emoji.js";
import { MESSAGE_MAX, limitStatus } from "../model/limits.js";
import { peerHasLeft, peerOf, nameOf, providerOf } from "../model/directory.js";
import { complete, mentionCandidates, mentionedIds, mentionQuery, suggestions } from "../model/mentions.js";
import { quoteOf } from "../model/replies.js";

const MAX_HEIGHT_SHARE = 0.4; // of the window's height, then the box scrolls

export default {
  name: "Composer",
  components: { EmojiPicker, ProviderIcon },
  inject: ["session"],
  props: {
    chatId: { type: String, required: true },
    title: { type: String, required: true },
  },
  data() {
    return {
      editing: null, // {entry, text}: one of our messages, being edited
      replying: null, // {seq, sender, text}: the message the next one answers
      mention: null, // the mention being typed: {start, query}
      dismissed: null, // the "@" whose suggestions Escape closed
      active: 0, // the highlighted suggestion
      picked: new Set(), // people picked from the suggestions (which Sam of two was meant)
    };
  },
  computed: {
    model() {
      return this.session.model;
    },
    /** What the box shows: the draft, or the message being edited. */
    text: {
      get() {
        return this.editing ? this.editing.text : (this.model.drafts[this.chatId] ?? "");
      },
      set(text) {
        if (this.editing) this.editing.text = text;
        else this.model.drafts[this.chatId] = text;
      },
    },
    online() {
      return this.session.online;
    },
    /** What the box says while it is empty: why sending waits, when it does. */
    placeholder() {
      if (this.online) return "Write a message…";
      return this.session.status.connection.state === "refused" ? "Not connected: sending is paused" : "Reconnecting… sending is paused";
    },
    limit() {
      return limitStatus(this.text, MESSAGE_MAX);
    },
    canSend() {
      return this.online && this.text.trim() !== "" && !this.limit.over;
    },
    /** In a private chat the other person left, writing invites them back: say so before they write. */
    peerLeftNote() {
      const { model } = this;
      if (this.editing || !peerHasLeft(model, this.chatId)) return "";
      const name = nameOf(model, peerOf(this.chatId, model.me.userId), this.chatId);
      return `${name} left this chat. Sending a message invites them back.`;
    },
    describedBy() {
      return ["composerStatus", this.peerLeftNote && "composerNote", this.editing && "editNote", this.replying && "replyNote"]
        .filter(Boolean)
        .join(" ");
    },
    candidates() {
      return mentionCandidates(this.model, this.chatId);
    },
    options() {
      if (!this.mention || this.dismissed === this.mention.start) return [];
      return suggestions(this.candidates, this.mention.query);
    },
    activeOption() {
      return this.options.length ? `mentionOption${Math.min(this.active, this.options.length - 1)}` : null;
    },
  },
  watch: {
    text() {
      this.$nextTick(() => this.fit());
    },
    options() {
      this.active = 0;
    },
  },
  mounted() {
    this.fit();
  },
  beforeUnmount() {
    this.session.stopTyping(this.chatId);
  },
  methods: {
    providerOf(userId) {
      return providerOf(this.model, userId, this.chatId);
    },
    /** The user changed the text: follow the mention being typed, and tell the chat we are typing. */
    onInput() {
      this.followCaret();
      if (!this.editing) this.session.typing(this.chatId, this.text);
    },
    followCaret() {
      const box = this.$refs.input;
      this.mention = box ? mentionQuery(this.text, box.selectionStart) : null;
      if (this.dismissed !== null && this.mention?.start !== this.dismissed) this.dismissed = null;
    },
    onKeydown(event) {
      if (event.isComposing) return;
      if (this.options.length && this.onSuggestionKey(event)) return;
      if (event.key === "Escape" && this.editing) {
        event.preventDefault();
        this.cancelEdit();
      } else if (event.key === "Escape" && this.replying) {
        event.preventDefault();
        this.cancelReply();
      } else if (event.key === "ArrowUp" && !this.text && !this.editing && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey) {
        const latest = this.session.latestOwnMessage(this.chatId);
        if (latest) {
          event.preventDefault();
          this.startEdit(latest);
        }
      } else if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        this.submit();
      }
    },
    /** Arrow keys, Enter, Tab and Escape while suggestions show; true when the key was theirs. */
    onSuggestionKey(event) {
      const count = this.options.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        this.active = (this.active + (event.key === "ArrowDown" ? 1 : -1) + count) % count;
      } else if (event.key === "Enter" || event.key === "Tab") {
        this.pick(this.options[Math.min(this.active, count - 1)]);
      } else if (event.key === "Escape") {
        this.dismissed = this.mention.start;
      } else {
        return false;
      }
      event.preventDefault();
      event.stopPropagation();
      return true;
    },
    pick(person) {
      const done = complete(this.text, this.mention, person);
      this.picked.add(person.userId);
      this.text = done.text;
      this.mention = null;
      this.placeCaret(done.caret);
    },
    /** An emoji from the picker, in place of what is selected in the box (the box keeps its selection while the picker has the focus). */
    insertEmoji(emoji) {
      const box = this.$refs.input;
      const done = insertAt(this.text, box?.selectionStart ?? this.text.length, box?.selectionEnd ?? this.text.length, emoji);
      this.text = done.text;
      if (!this.editing) this.session.typing(this.chatId, this.text);
      this.placeCaret(done.caret);
    },
    placeCaret(caret) {
      this.$nextTick(() => {
        this.$refs.input?.focus({ preventScroll: true });
        this.$refs.input?.setSelectionRange(caret, caret);
      });
    },
    isEditable(entry) {
      return entry.kind === "message" && entry.fromUserId === this.model.me.userId && Boolean(entry.id) && !entry.deleted;
    },
    /** Edit one of our messages in the box; what was typed there waits until the edit is done. */
    startEdit(entry) {
      if (!this.isEditable(entry)) return;
      this.session.stopTyping(this.chatId);
      this.editing = { entry, text: entry.text };
      this.replying = null;
      this.mention = null;
      this.$nextTick(() => {
        const box = this.$refs.input;
        if (!box) return;
        box.focus({ preventScroll: true });
        box.setSelectionRange(box.value.length, box.value.length);
      });
    },
    /** Answer a message: the next one sent quotes it. */
    startReply(entry) {
      const quote = quoteOf(this.model, entry, this.chatId, { replyTo: entry.seq }, undefined);
      if (!quote || quote.state !== "shown") return;
      this.editing = null;
      this.replying = { seq: entry.seq, sender: quote.sender, text: quote.text };
      this.focus();
    },
    cancelReply() {
      this.replying = null;
      this.focus();
    },
    cancelEdit() {
      this.editing = null;
      this.mention = null;
      this.focus();
    },
    /** Clear the box at once, but put the text back (before anything typed since) if it did not get through. */
    async submit() {
      if (!this.canSend) return;
      const chatId = this.chatId;
      const text = this.text.trim();
      const mentions = mentionedIds(text, this.candidates, this.picked);
      this.mention = null;
      this.picked = new Set();
      if (this.editing) {
        await this.saveEdit(chatId, this.editing.entry, text, mentions);
        return;
      }
      this.text = "";
      const replying = this.replying;
      this.replying = null;
      const delivered = await this.session.send(chatId, text, mentions, replying?.seq);
      const drafts = this.model.drafts;
      if (!delivered) drafts[chatId] = drafts[chatId] ? `${text}\n${drafts[chatId]}` : text;
      if (!delivered && chatId === this.chatId && !this.replying) this.replying = replying;
    },
    async saveEdit(chatId, entry, text, mentions) {
      this.editing = null;
      if (text === entry.text) return;
      const delivered = await this.session.edit(chatId, entry, text, mentions);
      if (!delivered && chatId === this.chatId && !this.editing) this.editing = { entry, text };
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
      <div v-if="editing" class="editBar">
        <span class="icon"><i class="fas fa-pen" aria-hidden="true"></i></span>
        <span id="editNote" class="editNote">Editing your message <span class="editHint">· Enter to save, Esc to cancel</span></span>
        <button type="button" class="delete" aria-label="Cancel editing" title="Cancel editing (Esc)" @click="cancelEdit"></button>
      </div>
      <div v-else-if="replying" class="editBar replyBar">
        <span class="icon"><i class="fas fa-reply" aria-hidden="true"></i></span>
        <span id="replyNote" class="editNote replyNote">Replying to <b>{{ replying.sender }}</b>: <span class="replySnippet">{{ replying.text }}</span>
          <span class="editHint">· Esc to cancel</span></span>
        <button type="button" class="delete" aria-label="Cancel reply" title="Cancel reply (Esc)" @click="cancelReply"></button>
      </div>
      <ul v-if="options.length" id="mentionOptions" class="mentionOptions" role="listbox" aria-label="People to mention">
        <li v-for="(person, index) in options" :id="'mentionOption' + index" :key="person.userId" role="option"
          class="mentionOption" :class="{ isActive: activeOption === 'mentionOption' + index }"
          :aria-selected="String(activeOption === 'mentionOption' + index)" @mousedown.prevent="pick(person)">
          <span class="mentionName">{{ person.userName }}</span>
          <provider-icon :provider="providerOf(person.userId)" />
        </li>
      </ul>
      <div class="composerRow">
        <textarea id="composer" ref="input" v-model="text" class="textarea composerInput" rows="1"
          :class="{ 'is-danger': limit.over, isEditing: editing }" :aria-label="'Message to ' + title"
          :aria-describedby="describedBy" aria-autocomplete="list" :aria-controls="options.length ? 'mentionOptions' : null"
          :aria-activedescendant="activeOption"
          :placeholder="placeholder"
          @input="onInput" @click="followCaret" @keyup.left="followCaret" @keyup.right="followCaret" @keydown="onKeydown"></textarea>
        <emoji-picker @pick="insertEmoji" @done="focus" />
        <button class="button is-success sendButton" type="submit" :disabled="!canSend"
          :aria-label="editing ? 'Save edit' : 'Send'" :title="editing ? 'Save edit (Enter)' : 'Send (Enter)'">
          <span class="icon"><i :class="editing ? 'fas fa-check' : 'fas fa-paper-plane'" aria-hidden="true"></i></span>
        </button>
      </div>
      <p id="composerStatus" class="composerStatus" :class="{ isOver: limit.over }" aria-live="polite">
        <template v-if="!online">Sending is paused until the connection is back.</template>
        <template v-else-if="limit.over">{{ limit.problem }} Shorten it to send.</template>
        <template v-else-if="options.length">{{ options.length }} {{ options.length === 1 ? "person" : "people" }} to mention: ↑ ↓ to choose, Enter to pick</template>
        <template v-else-if="limit.showCounter">{{ limit.length }} / {{ limit.max }}</template>
      </p>
    </form>`,
};
