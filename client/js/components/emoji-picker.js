// The emoji button beside the box: it opens a small popover with a filter and a grid of emoji
// (model/emoji.js, nothing fetched). Typing filters by name, Down enters the grid, the arrow keys
// move in it, Enter (or a click) inserts, Escape closes; either way the focus goes back to the box.
// Each emoji is named for screen readers. A click elsewhere or Tab out of it closes it. On a touch
// screen the grid takes the focus first, so the on-screen keyboard does not cover it.
import { COLUMNS, EMOJI_GROUPS, findEmoji, gridMove } from "../model/emoji.js";

export default {
  name: "EmojiPicker",
  emits: ["pick", "done"],
  data() {
    return { open: false, query: "", active: 0 };
  },
  computed: {
    /** The groups on show (or one group of what the filter found), each emoji with its place in the grid. */
    groups() {
      const shown = this.query.trim() ? [{ name: "Found", emoji: findEmoji(this.query) }] : EMOJI_GROUPS;
      let index = 0;
      return shown.map((each) => ({ name: each.name, emoji: each.emoji.map((item) => ({ ...item, index: index++ })) }));
    },
    count() {
      return this.groups.reduce((sum, each) => sum + each.emoji.length, 0);
    },
  },
  watch: {
    query() {
      this.active = 0;
    },
  },
  beforeUnmount() {
    document.removeEventListener("pointerdown", this.outside, true);
  },
  methods: {
    toggle() {
      if (this.open) this.close(true);
      else this.show();
    },
    show() {
      this.open = true;
      this.query = "";
      this.active = 0;
      document.addEventListener("pointerdown", this.outside, true);
      if (matchMedia("(pointer: coarse)").matches) this.focusActive(); // no on-screen keyboard over the grid
      else this.$nextTick(() => this.$refs.filter?.focus({ preventScroll: true }));
    },
    /** Close; `backToBox`: the user is done here (Escape, or the button again), so the box takes the focus. */
    close(backToBox) {
      this.open = false;
      document.removeEventListener("pointerdown", this.outside, true);
      if (backToBox) this.$emit("done");
    },
    outside(event) {
      if (!this.$el.contains(event.target)) this.close(false);
    },
    onFocusOut(event) {
      if (this.open && !this.$el.contains(event.relatedTarget)) this.close(false);
    },
    pick(item) {
      this.close(false);
      this.$emit("pick", item.emoji);
    },
    onFilterKey(event) {
      if (event.key === "ArrowDown" && this.count) {
        event.preventDefault();
        this.focusActive();
      } else if (event.key === "Enter") {
        event.preventDefault();
        if (this.count) this.pick(this.groups[0].emoji[0]);
      }
    },
    onGridKey(event) {
      if (!["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"].includes(event.key)) return;
      event.preventDefault();
      const sizes = this.groups.map((each) => each.emoji.length);
      const next = gridMove(sizes, this.active, event.key, COLUMNS);
      if (event.key === "ArrowUp" && next === this.active) {
        this.$refs.filter?.focus();
        return;
      }
      this.active = next;
      this.focusActive();
    },
    /** Escape anywhere in the popover closes it (and nothing else that listens for Escape). */
    onKeydown(event) {
      if (event.key !== "Escape") return;
      event.preventDefault();
      event.stopPropagation();
      this.close(true);
    },
    focusActive() {
      this.$nextTick(() => this.$refs.grid?.querySelector(`[data-index="${this.active}"]`)?.focus());
    },
  },
  template: `
    <div class="emojiPicker">
      <button ref="button" type="button" class="button emojiButton" aria-label="Emoji" title="Emoji" aria-haspopup="dialog"
        :aria-expanded="String(open)" :aria-controls="open ? 'emojiPopover' : null" @click="toggle">
        <span class="icon"><i class="fa-regular fa-face-smile" aria-hidden="true"></i></span>
      </button>
      <div v-if="open" id="emojiPopover" class="emojiPopover" role="dialog" aria-label="Emoji" @keydown="onKeydown" @focusout="onFocusOut">
        <input ref="filter" v-model="query" class="input is-small emojiFilter" type="search" aria-label="Find an emoji"
          placeholder="Find an emoji" autocomplete="off" aria-describedby="emojiHint" @keydown="onFilterKey">
        <p id="emojiHint" class="is-sr-only">Down arrow to the emoji, arrow keys to move, Enter to insert, Escape to close.</p>
        <div ref="grid" class="emojiGroups" @keydown="onGridKey">
          <div v-for="each in groups" :key="each.name" role="group" :aria-label="each.name">
            <p class="emojiGroupName" aria-hidden="true">{{ each.name }}</p>
            <div class="emojiGrid">
              <button v-for="item in each.emoji" :key="item.emoji" type="button" class="emojiChoice" :data-index="item.index"
                :tabindex="item.index === active ? 0 : -1" :aria-label="item.name" :title="item.name"
                @focus="active = item.index" @click="pick(item)">{{ item.emoji }}</button>
            </div>
          </div>
          <p v-if="!count" class="emojiNone">No emoji named “{{ query.trim() }}”.</p>
        </div>
      </div>
    </div>`,
};
