// A button that opens a menu of actions (the menu button pattern): arrow keys move between the
// items, Escape or Tab closes it and the focus returns to the button, a click elsewhere closes it.
// Items with an `emoji` (reactions) sit in a row at the top as checkboxes; the others are a list.
// The menu opens where it fits: below or above the button, to its left or right, inside the list
// that scrolls around it (the messages, the sidebar's lists, or the window).

export default {
  name: "MenuButton",
  props: {
    label: { type: String, required: true },
    /** [{id, label, icon, danger}] and [{id, label, emoji, checked}] */
    items: { type: Array, required: true },
    icon: { type: String, default: "fas fa-ellipsis-vertical" },
    /** Which side of the button the menu lines up with first: "right" (it opens leftwards) or "left". */
    align: { type: String, default: "right" },
    /** For a list with one Tab stop (roving-focus.js): this button's key in it, and whether it holds the stop. */
    roving: { type: [String, Number], default: null },
    tabStop: { type: Boolean, default: true },
    disabled: { type: Boolean, default: false },
  },
  emits: ["select"],
  data() {
    return { open: false, up: false, side: this.align };
  },
  computed: {
    reactions() {
      return this.items.filter((item) => item.emoji);
    },
    actions() {
      return this.items.filter((item) => !item.emoji);
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
      this.up = false;
      this.side = this.align;
      document.addEventListener("pointerdown", this.outside, true);
      this.$nextTick(() => {
        this.fit();
        this.$nextTick(() => this.menuItems()[0]?.focus({ preventScroll: true }));
      });
    },
    /** Open upwards when there is no room below, and towards the side where there is room. */
    fit() {
      const menu = this.$refs.menu?.getBoundingClientRect();
      if (!menu) return;
      const scroller = this.$el.closest(".messageList, .sidebarLists");
      const bounds = scroller ? scroller.getBoundingClientRect() : { top: 0, bottom: innerHeight, left: 0, right: innerWidth };
      const button = this.$refs.button.getBoundingClientRect();
      this.up = menu.bottom > bounds.bottom && button.top - menu.height >= bounds.top;
      if (menu.right > bounds.right) this.side = "right";
      else if (menu.left < bounds.left) this.side = "left";
    },
    close(refocus) {
      this.open = false;
      document.removeEventListener("pointerdown", this.outside, true);
      if (refocus) this.$refs.button.focus({ preventScroll: true });
    },
    outside(event) {
      if (!this.$el.contains(event.target)) this.close(false);
    },
    choose(item) {
      this.close(true);
      this.$emit("select", item.id);
    },
    menuItems() {
      return [...(this.$refs.menu?.querySelectorAll("[role^=menuitem]") ?? [])];
    },
    onKeydown(event) {
      const items = this.menuItems();
      const index = items.indexOf(document.activeElement);
      const moves = { ArrowDown: index + 1, ArrowRight: index + 1, ArrowUp: index - 1, ArrowLeft: index - 1, Home: 0, End: items.length - 1 };
      if (event.key in moves) {
        event.preventDefault();
        event.stopPropagation();
        items[(moves[event.key] + items.length) % items.length]?.focus({ preventScroll: true });
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        this.close(true);
      } else if (event.key === "Tab") {
        this.close(false);
      }
    },
  },
  template: `
    <div class="dropdown menuButton" :class="{ 'is-active': open, 'is-right': side === 'right', 'is-up': up }">
      <div class="dropdown-trigger">
        <button ref="button" type="button" class="button is-ghost iconButton" :aria-label="label" :title="label"
          aria-haspopup="menu" :aria-expanded="String(open)" :data-roving="roving" :tabindex="tabStop ? 0 : -1"
          :disabled="disabled" @click="toggle">
          <span class="icon"><i :class="icon" aria-hidden="true"></i></span>
        </button>
      </div>
      <div v-if="open" class="dropdown-menu">
        <div ref="menu" class="dropdown-content" role="menu" :aria-label="label" @keydown="onKeydown">
          <div v-if="reactions.length" class="reactionPicker" role="group" aria-label="Reactions">
            <button v-for="item in reactions" :key="item.id" type="button" role="menuitemcheckbox" tabindex="-1"
              class="reactionOption" :aria-checked="String(Boolean(item.checked))" :aria-label="item.label" :title="item.label"
              @click="choose(item)">{{ item.emoji }}</button>
          </div>
          <button v-for="item in actions" :key="item.id" type="button" role="menuitem" tabindex="-1"
            class="dropdown-item menuItem" :class="{ isDanger: item.danger }" @click="choose(item)">
            <span class="icon"><i :class="item.icon" aria-hidden="true"></i></span>
            <span>{{ item.label }}</span>
          </button>
        </div>
      </div>
    </div>`,
};
