// Everything this browser says in a chat goes to the server as an event it answers: messages,
// edits, deletes, reactions, typing and read marks. The server checks, numbers and keeps what
// lasts, and sends it to the chat; this browser shows a message when it comes back from there.
// Typing and read marks are throttled as the wire contract says (each is delivered to every
// connection in the chat; see model/typing.js and model/receipts.js).
import { REACTION_SEND_EVERY_MS, choiceOf, toggled } from "../model/reactions.js";
import { othersOnline, readInterval } from "../model/receipts.js";
import { TYPING_EVERY_MS, typingInterval, typingTtl, typists } from "../model/typing.js";
import { uuidv4 } from "./ids.js";

const NOT_CONNECTED = { success: false, error: { message: "not connected" } };

export class ChatSender {
  /**
   * `socket`: the ChatSocket; `model`, `store`: the session's; `online()`: sending works now;
   * `onRefused(what, ack)`: a reaction did not go out (the user is told).
   */
  constructor({ socket, model, store, online, onRefused = () => {}, now = Date.now, timers = globalThis }) {
    Object.assign(this, { socket, model, store, online, onRefused, now, timers });
    this.typingSent = new Map(); // chatId -> {at, until, keyAt, timer}: our last typing frame, our last key
    this.reads = new Map(); // chatId -> {at, key, pending, timer}: our last read frame and the next one
    this.reactions = new Map(); // chatId, author, id -> {at, sent, choice, timer}
  }

  get me() {
    return this.model.me;
  }

  /** Ask the server; resolves with its answer (`success` false, with the error, when it refused or could not be reached). */
  request(event, data) {
    return this.online() ? this.socket.request(event, data) : Promise.resolve(NOT_CONNECTED);
  }

  // ---- messages and changes to them: they come back from the server, numbered, and are shown then --

  /**
   * A new message with a new id; resolves with the server's answer (its number). A resend after a
   * lost answer uses the same id, so the server keeps it once. It ends our typing: receivers stop
   * showing it when the message arrives (the budget still counts from our last typing frame).
   */
  async message(chatId, text, mentions, { id = uuidv4(), replyTo } = {}) {
    this.stopTyping(chatId, { sent: true });
    const data = { chatId, id, text, mentions };
    if (replyTo) data.replyTo = replyTo;
    return this.request("sendMessage", data);
  }

  /** Our latest message in a chat that can still be edited (it came back numbered from the server). */
  latestOwn(chatId) {
    const meId = this.me.userId;
    return this.store.listOf(chatId).findLast((entry) => entry.kind === "message" && entry.fromUserId === meId && entry.seq && !entry.deleted) ?? null;
  }

  edit(chatId, entry, text, mentions) {
    return this.request("editMessage", { chatId, seq: entry.seq, text, mentions });
  }

  remove(chatId, entry) {
    return this.request("deleteMessage", { chatId, seq: entry.seq });
  }

  // ---- reactions: shown here at once, sent as our whole choice at most every 1.25 s per message --

  /** Toggle one of our reactions on a message. */
  react(chatId, entry, emoji) {
    if (!this.online() || !entry.seq || entry.deleted) return;
    const current = this.store.find(chatId, entry.fromUserId, entry.id) ?? entry;
    const choice = toggled(choiceOf(current, this.me.userId), emoji);
    const slotKey = `${chatId}\n${entry.fromUserId}\n${entry.id}`;
    let slot = this.reactions.get(slotKey);
    if (!slot) {
      slot = { at: -Infinity, sent: choiceOf(current, this.me.userId), choice, timer: null };
      this.reactions.set(slotKey, slot);
    }
    slot.choice = choice;
    this.applyReaction(chatId, entry, choice);
    if (slot.timer !== null) return;
    const wait = slot.at + REACTION_SEND_EVERY_MS - this.now();
    if (wait <= 0) this.sendReaction(chatId, entry, slot);
    else slot.timer = this.timers.setTimeout(() => this.sendReaction(chatId, entry, slot), wait);
  }

  async sendReaction(chatId, entry, slot) {
    slot.timer = null;
    slot.at = this.now();
    const choice = slot.choice;
    const ack = await this.request("react", { chatId, seq: entry.seq, emojis: choice });
    if (ack.success) {
      slot.sent = choice;
    } else if (slot.timer === null) {
      this.applyReaction(chatId, entry, slot.sent); // back to what the others have
      slot.choice = slot.sent;
      this.onRefused("Reaction", ack);
    }
  }

  applyReaction(chatId, entry, emojis) {
    const { userId, userName } = this.me;
    this.store.react(chatId, entry.fromUserId, entry.id, { userId, userName, emojis });
  }

  // ---- typing: at most one frame per 3 s (per 3k s while k others type), holding a little longer --

  /** The box for `chatId` now holds `text` (typed by the user): say we are typing, or that we stopped. */
  typing(chatId, text) {
    if (!text.trim()) {
      this.stopTyping(chatId);
      return;
    }
    if (!this.online()) return;
    let state = this.typingSent.get(chatId);
    if (!state) {
      state = { at: -Infinity, until: 0, keyAt: 0, timer: null };
      this.typingSent.set(chatId, state);
    }
    state.keyAt = this.now();
    this.announceTyping(chatId, state);
  }

  /** Send a typing frame now if the budget allows, else once it does (if we are still typing by then). */
  announceTyping(chatId, state) {
    const now = this.now();
    const interval = typingInterval(typists(this.model, chatId, this.me.userId, now).length);
    const wait = state.at + interval - now;
    if (wait > 0) {
      state.timer ??= this.timers.setTimeout(() => {
        state.timer = null;
        if (this.now() - state.keyAt < TYPING_EVERY_MS && this.online()) this.announceTyping(chatId, state);
      }, wait);
      return;
    }
    const ttl = typingTtl(interval);
    Object.assign(state, { at: now, until: now + ttl });
    this.quietly("typing", { chatId, ttl });
  }

  /** We stopped typing (sent, cleared the box, left the chat or the page): nothing more goes, and a stop if others still see us typing. */
  stopTyping(chatId, { sent = false } = {}) {
    const state = this.typingSent.get(chatId);
    if (!state) return;
    this.timers.clearTimeout(state.timer);
    state.timer = null;
    state.keyAt = -Infinity;
    const showing = state.until > this.now();
    state.until = 0;
    if (showing && !sent) this.quietly("typing", { chatId, ttl: 0 });
  }

  stopAllTyping() {
    for (const chatId of this.typingSent.keys()) this.stopTyping(chatId);
  }

  // ---- read marks: at once after a quiet spell, then at most every 3 s per person online ---------

  /** `entry` (a message) is on screen in the open chat: tell the chat we have read up to it, in good time. */
  read(chatId, entry) {
    if (entry?.kind !== "message" || !entry.seq) return;
    let state = this.reads.get(chatId);
    if (!state) {
      state = { at: -Infinity, key: 0, pending: null, timer: null };
      this.reads.set(chatId, state);
    }
    if (entry.key <= state.key || entry.key <= (state.pending?.key ?? 0)) return;
    if (entry.fromUserId === this.me.userId) {
      state.key = entry.key; // our own message already says we have read up to it
      return;
    }
    state.pending = entry;
    if (state.timer !== null) return;
    const wait = state.at + readInterval(othersOnline(this.model, chatId) + 1) - this.now();
    if (wait <= 0) this.sendRead(chatId, state);
    else state.timer = this.timers.setTimeout(() => this.sendRead(chatId, state), wait);
  }

  sendRead(chatId, state) {
    state.timer = null;
    const entry = state.pending;
    state.pending = null;
    if (!entry || entry.key <= state.key || !this.online()) return;
    state.key = entry.key;
    state.at = this.now();
    this.quietly("markRead", { chatId, seq: entry.seq });
  }

  /** A chat we no longer follow: drop what was waiting to go to it. */
  forget(chatId) {
    this.timers.clearTimeout(this.reads.get(chatId)?.timer);
    this.timers.clearTimeout(this.typingSent.get(chatId)?.timer);
    this.reads.delete(chatId);
    this.typingSent.delete(chatId);
  }

  /** A request whose refusal only matters to the log (typing, read marks). */
  async quietly(event, data) {
    const ack = await this.request(event, data);
    if (!ack.success) console.info(`${event} for ${data.chatId} not sent: ${ack.error?.message ?? "refused"}`);
  }
}
