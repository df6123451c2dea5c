// Search messages: words typed here (Enter searches) find messages in the chats we are in, newest
// first, 20 at a time (More results for the next). Each hit names its chat, sender and time, with
// the words found marked; the text is shown as text, never as HTML. The hits are one Tab stop:
// Up and Down move between them (Down from the box goes to the first), Enter opens the chat at
// that message. Searching too often is refused by the server, and the dialog says for how long.
import ModalDialog from "./modal-dialog.js";
import RovingFocus from "./roving-focus.js";
import { knownName, nameOf, titleOf } from "../model/directory.js";
import { highlightParts } from "../model/message-search.js";
import { fullLabel } from "../model/time.js";

export default {
  name: "MessageSearchDialog",
  components: { ModalDialog },
  mixins: [RovingFocus],
  inject: ["session"],
  emits: ["close", "pick"],
  data() {
    return { query: "", searched: "", hits: [], words: [], next: null, loading: false, error: "" };
  },
  computed: {
    model() {
      return this.session.model;
    },
    shown() {
      return this.hits.map((hit) => ({
        ...hit,
        chat: this.model.chats[hit.chatId] ? titleOf(this.model, this.model.chats[hit.chatId]) : hit.chatName,
        sender: nameOf(this.model, hit.fromUserId, hit.chatId),
        when: fullLabel(hit.time),
        parts: highlightParts(hit.text, this.words),
      }));
    },
    rovingKeys() {
      return this.hits.map((hit) => hit.key);
    },
    fallbackStop() {
      return this.rovingKeys[0] ?? null;
    },
    summary() {
      if (this.loading) return "Searching…";
      if (this.error || !this.searched) return "";
      const count = this.hits.length;
      if (!count) return `No messages found for “${this.searched}”.`;
      return `${count}${this.next ? "+" : ""} ${count === 1 ? "message" : "messages"} found for “${this.searched}”.`;
    },
  },
  methods: {
    async search(more = false) {
      const query = more ? this.searched : this.query.trim();
      if (!query || this.loading) return;
      this.loading = true;
      this.error = "";
      try {
        const page = await this.session.searchMessages(query, more ? this.next : null);
        const hits = (Array.isArray(page?.hits) ? page.hits : []).map((hit) => ({ ...hit, key: `${hit.chatId}:${hit.seq}` }));
        this.hits = more ? [...this.hits, ...hits] : hits;
        this.words = Array.isArray(page?.words) ? page.words : [];
        this.next = typeof page?.next === "string" && page.next ? page.next : null;
        this.searched = query;
        for (const hit of hits) if (knownName(this.model, hit.fromUserId, hit.chatId) === null) this.session.lookupUser(hit.fromUserId);
      } catch (err) {
        this.error = err.status === 429 ? `Searching too often. ${err.detail}` : `Could not search: ${err.detail ?? err.message}`;
      } finally {
        this.loading = false;
      }
    },
    /** Down from the box goes to the first hit. */
    toHits(event) {
      const first = this.$refs.hits?.querySelector(".searchHit[tabindex='0']");
      if (!first) return;
      event.preventDefault();
      first.focus();
    },
  },
  template: `
    <modal-dialog labelledby="messageSearchTitle" @close="$emit('close')">
      <div class="modal-card messageSearchCard">
        <header class="modal-card-head">
          <h2 id="messageSearchTitle" class="modal-card-title">Search messages</h2>
          <button type="button" class="delete" aria-label="Close" @click="$emit('close')"></button>
        </header>
        <section class="modal-card-body">
          <form class="messageSearchForm" role="search" @submit.prevent="search()">
            <div class="control">
              <input v-model="query" class="input" type="search" maxlength="200" autofocus aria-label="Words to search for in your chats"
                placeholder="Words in your chats" aria-describedby="messageSearchStatus" @keydown.down="toHits" />
            </div>
            <button type="submit" class="button is-success" :disabled="!query.trim()">Search</button>
          </form>
          <p id="messageSearchStatus" class="searchStatus" role="status">{{ summary }}</p>
          <p v-if="error" class="notification is-warning is-light searchError" role="alert">{{ error }}</p>
          <ul v-if="shown.length" ref="hits" class="searchHits" aria-label="Messages found" @keydown="onListKeydown" @focusin="onListFocus">
            <li v-for="hit in shown" :key="hit.key">
              <button type="button" class="searchHit" :data-roving="hit.key" :tabindex="hit.key === tabStop ? 0 : -1" @click="$emit('pick', hit)">
                <span class="hitMeta">{{ hit.chat }} · {{ hit.sender }} · {{ hit.when }}</span>
                <span class="hitText"><template v-for="(part, index) in hit.parts" :key="index"><mark v-if="part.hit">{{ part.text }}</mark><template v-else>{{ part.text }}</template></template></span>
              </button>
            </li>
          </ul>
          <button v-if="next" type="button" class="button is-small is-ghost mt-2" :disabled="loading" @click="search(true)">More results</button>
        </section>
      </div>
    </modal-dialog>`,
};
