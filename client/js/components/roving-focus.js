// Arrow keys in a list: one Tab stop per list (the current item), Up/Down/Home/End move between
// items. A mixin for the sidebar's lists; items are the list's `[data-roving]` buttons, and the
// component says which keys it lists (`rovingKeys`) and which takes the Tab stop by default
// (`fallbackStop`).

export default {
  data() {
    return { focusKey: null };
  },
  computed: {
    /** The item that takes the list's one Tab stop: the last one focused while it is still listed. */
    tabStop() {
      return this.focusKey !== null && this.rovingKeys.includes(this.focusKey) ? this.focusKey : this.fallbackStop;
    },
  },
  methods: {
    /** Up/Down/Home/End from `from` (the focused item, or the item a focused part belongs to). */
    onListKeydown(event, from = event.target) {
      const moves = { ArrowDown: 1, ArrowUp: -1, Home: -Infinity, End: Infinity };
      if (!(event.key in moves) || event.altKey || event.ctrlKey || event.metaKey) return;
      const items = [...this.$el.querySelectorAll("[data-roving]:not(:disabled)")];
      const index = items.indexOf(from.closest("[data-roving]"));
      if (index === -1) return;
      event.preventDefault();
      const step = moves[event.key];
      const next = Number.isFinite(step) ? Math.min(items.length - 1, Math.max(0, index + step)) : step < 0 ? 0 : items.length - 1;
      this.focusKey = items[next].dataset.roving;
      items[next].focus();
    },
    onListFocus(event) {
      const item = event.target.closest("[data-roving]");
      if (item) this.focusKey = item.dataset.roving;
    },
  },
};
