// One entry of a chat: a notice, or a message with its sender (shown once per group, always there
// for screen readers), each name with the sign-in its person came with; its time (the full date and
// time on hover and for screen readers), whether it was edited or deleted, its reactions, and a
// menu to react, reply (and, on our own, to edit or delete). A reply shows the message it answers
// above its text (model/replies.js); clicking that quote goes to it.
// A message that mentions this user is highlighted. Rows only re-render when their own entry
// changes, which keeps a busy chat cheap.
import MenuButton from "./menu-button.js";
import MessageText from "./message-text.js";
import ProviderIcon from "./provider-icon.js";
import { shownReactions } from "../model/blocks.js";
import { NAME_PENDING, knownName, providerOf, senderName } from "../model/directory.js";
import { NOTICES } from "../model/group-frames.js";
import { mentionedPeople, mentionsMe } from "../model/mentions.js";
import { REACTIONS, choiceOf, namesList, reactionChips } from "../model/reactions.js";
import { quoteOf } from "../model/replies.js";
import { clockLabel, fullLabel } from "../model/time.js";

export default {
  name: "MessageRow",
  components: { MenuButton, MessageText, ProviderIcon },
  inject: ["session"],
  props: {
    entry: { type: Object, required: true },
    chatId: { type: String, required: true },
    /** Same sender as the message above: the name is not repeated on screen. */
    grouped: { type: Boolean, default: false },
    mine: { type: Boolean, default: false },
    /** This row's menu button holds the message list's one Tab stop. */
    tabStop: { type: Boolean, default: false },
    /** Just jumped to (a quote clicked, a search hit): highlighted for a moment. */
    flash: { type: Boolean, default: false },
  },
  emits: ["edit", "delete", "reply"],
  computed: {
    model() {
      return this.session.model;
    },
    meId() {
      return this.model.me.userId;
    },
    /** Who sent it, as the server names them (never the name inside the message). */
    sender() {
      return this.entry.kind === "message" ? senderName(this.model, this.entry, this.chatId) : "";
    },
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
    mentioned() {
      return mentionsMe(this.entry, this.model.me);
    },
    people() {
      return this.entry.kind === "message" ? mentionedPeople(this.model, this.entry, this.chatId) : [];
    },
    /** The sign-in of whoever the entry is about: a message's sender, or the person a notice names. */
    provider() {
      return providerOf(this.model, this.entry.kind === "notice" ? this.entry.userId : this.entry.fromUserId, this.chatId);
    },
    /** A message can be acted on when it has an id (older clients' have none) and is still there. */
    actionable() {
      return this.entry.kind === "message" && Boolean(this.entry.id) && !this.entry.deleted;
    },
    chips() {
      // names as the server knows them now; the name kept with the reaction for someone it no longer lists
      const named = (userId, stored) => knownName(this.model, userId, this.chatId) ?? stored;
      return reactionChips(shownReactions(this.model, this.entry), this.meId, named).map((chip) => ({
        ...chip,
        names: namesList(chip.people),
        label: `${chip.emoji} ${chip.name}: ${chip.count} (${namesList(chip.people)})`,
      }));
    },
    /** The message this one answers, as its quote shows it (null: it answers none). */
    quote() {
      if (this.entry.kind !== "message" || this.entry.replyTo === undefined) return null;
      const { message, fetched } = this.session.quoted(this.chatId, this.entry.replyTo);
      return quoteOf(this.model, message, this.chatId, this.entry, fetched);
    },
    menuLabel() {
      return `Actions for the message from ${this.sender} at ${this.clock}`;
    },
    menu() {
      if (!this.actionable) return [];
      const chosen = choiceOf(this.entry, this.meId);
      const items = REACTIONS.map(({ emoji, name }) => ({
        id: `react:${emoji}`,
        emoji,
        label: `React with ${name}`,
        checked: chosen.includes(emoji),
      }));
      items.push({ id: "reply", label: "Reply", icon: "fas fa-reply" });
      if (this.mine) {
        items.push({ id: "edit", label: "Edit message", icon: "fas fa-pen" });
        items.push({ id: "delete", label: "Delete message", icon: "fas fa-trash-can", danger: true });
      }
      return items;
    },
  },
  /** A message kept from before a reload, by someone the lists do not name: ask the server who they are. */
  created() {
    if (this.sender === NAME_PENDING) this.session.lookupUser(this.entry.fromUserId);
    if (this.quote?.state === "loading") this.session.askQuote(this.chatId, this.quote.seq);
  },
  methods: {
    onMenu(action) {
      if (action.startsWith("react:")) this.react(action.slice("react:".length));
      else this.$emit(action, this.entry);
    },
    react(emoji) {
      this.session.react(this.chatId, this.entry, emoji);
    },
  },
  template: `
    <p v-if="entry.kind === 'notice'" class="chatNotice">
      <span aria-hidden="true">{{ notice.emoji }}</span> <b>{{ entry.userName }}</b><provider-icon class="ml-1" :provider="provider" /> {{ notice.text }}
      <time class="msgTime" :datetime="iso" :title="full"><span aria-hidden="true">{{ clock }}</span><span class="is-sr-only">{{ full }}</span></time>
    </p>
    <div v-else class="msgRow" :class="{ chatRight: mine, isGrouped: grouped, isFlash: flash }" :data-entry-key="entry.key"
      :data-message-id="entry.id" :data-seq="entry.seq">
      <article class="msgCard" :class="{ msgMine: mine, isMention: mentioned, isDeleted: entry.deleted }">
        <header class="msgTitle" :class="{ 'is-sr-only': grouped }">
          <span class="msgSender"><b class="msgFrom">{{ sender }}</b><provider-icon class="ml-1" :provider="provider" /></span>
          <span v-if="mentioned" class="is-sr-only">(mentions you)</span>
          <time v-if="!grouped" class="msgTime" :datetime="iso" :title="full"><span aria-hidden="true">{{ clock }}</span><span class="is-sr-only">{{ full }}</span></time>
        </header>
        <button v-if="quote" type="button" class="msgQuote" :class="'is-' + quote.state" tabindex="-1"
          :disabled="quote.state === 'gone'" @click="session.jumpTo(chatId, quote.seq)">
          <span class="is-sr-only">In reply to </span><span v-if="quote.sender" class="quoteSender">{{ quote.sender }}</span> <span class="quoteText">{{ quote.text }}</span>
        </button>
        <div class="msgBody">
          <p v-if="entry.deleted" class="msgText msgDeleted"><i class="fas fa-ban" aria-hidden="true"></i> Message deleted</p>
          <div v-else class="msgText"><message-text :text="entry.text" :people="people" :me-id="meId" /></div>
          <span v-if="entry.edited" class="msgEdited">(edited)</span>
          <time v-if="grouped" class="msgTime msgTimeSide" :datetime="iso" :title="full"><span aria-hidden="true">{{ clock }}</span><span class="is-sr-only">{{ full }}</span></time>
        </div>
        <div v-if="chips.length" class="reactions">
          <button v-for="chip in chips" :key="chip.emoji" type="button" class="reactionChip" :class="{ isMine: chip.mine }" tabindex="-1"
            :aria-pressed="String(chip.mine)" :aria-label="chip.label" :title="chip.names" :disabled="!session.online"
            @click="react(chip.emoji)"><span aria-hidden="true">{{ chip.emoji }}</span> <span class="reactionCount" aria-hidden="true">{{ chip.count }}</span></button>
        </div>
      </article>
      <menu-button v-if="actionable" class="msgActions" :label="menuLabel" :items="menu" icon="fas fa-ellipsis"
        :align="mine ? 'right' : 'left'" :roving="entry.key" :tab-stop="tabStop" @select="onMenu" />
    </div>`,
};
