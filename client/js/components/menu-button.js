// A button that opens a menu of actions (the menu button pattern): arrow keys move between the
// items, Escape or Tab closes it and the focus returns to the button, a click elsewhere closes it.

export default {
  name: "MenuButton",
  props: {
    label: { type: String, required: true },
    /** [{id, label, icon, danger}] */
    items: { type: Array, required: true },
  },
  emits: ["select"],
  data() {
    return { open: false };
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
      document.addEventListener("pointerdown", this.outside, true);
      this.$nextTick(() => this.menuItems()[0]?.focus());
    },
    close(refocus) {
      this.open = false;
      document.removeEventListener("pointerdown", this.outside, true);
      if (refocus) this.$refs.button.focus();
    },
    outside(event) {
      if (!this.$el.contains(event.target)) this.close(false);
    },
    choose(item) {
      this.close(true);
      this.$emit("select", item.id);
    },
    menuItems() {
      return [...(this.$refs.menu?.querySelectorAll("[role=menuitem]") ?? [])];
    },
    onKeydown(event) {
      const items = this.menuItems();
      const index = items.indexOf(document.activeElement);
      const moves = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: items.length - 1 };
      if (event.key in moves) {
        event.preventDefault();
        items[(moves[event.key] + items.length) % items.length]?.focus();
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
    <div class="dropdown is-right" :class="{ 'is-active': open }">
      <div class="dropdown-trigger">
        <button ref="button" type="button" class="button is-ghost iconButton" :aria-label="label" :title="label"
          aria-haspopup="menu" :aria-expanded="String(open)" @click="toggle">
          <span class="icon"><i class="fas fa-ellipsis-vertical" aria-hidden="true"></i></span>
        </button>
      </div>
      <div v-if="open" class="dropdown-menu">
        <div ref="menu" class="dropdown-content" role="menu" :aria-label="label" @keydown="onKeydown">
          <button v-for="item in items" :key="item.id" type="button" role="menuitem" tabindex="-1"
            class="dropdown-item menuItem" :class="{ isDanger: item.danger }" @click="choose(item)">
            <span class="icon"><i :class="item.icon" aria-hidden="true"></i></span>
            <span>{{ item.label }}</span>
          </button>
        </div>
      </div>
    </div>`,
};
