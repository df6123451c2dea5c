// A modal dialog on the native <dialog>: the page behind is inert, Tab and Shift+Tab stay inside,
// Escape closes it wherever the focus is, and the focus goes back where it was when it closes.

const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), textarea:not([disabled]), select:not([disabled]), [tabindex]:not([tabindex='-1'])";

export default {
  name: "ModalDialog",
  props: {
    /** id of the element that names the dialog (its title). */
    labelledby: { type: String, required: true },
  },
  emits: ["close"],
  mounted() {
    this.returnTo = document.activeElement;
    this.$refs.dialog.showModal();
    const first = this.$refs.dialog.querySelector("[autofocus]") ?? this.focusables()[0];
    first?.focus();
  },
  beforeUnmount() {
    if (this.$refs.dialog.open) this.$refs.dialog.close();
    if (this.returnTo?.isConnected) this.returnTo.focus({ preventScroll: true });
  },
  methods: {
    focusables() {
      return [...this.$refs.dialog.querySelectorAll(FOCUSABLE)].filter((el) => el.offsetParent !== null);
    },
    /** Keep Tab inside: past the last control it comes back to the first, and the other way round. */
    trapTab(event) {
      const items = this.focusables();
      if (!items.length) return;
      const first = items[0];
      const last = items[items.length - 1];
      const inside = this.$refs.dialog.contains(document.activeElement);
      if (event.shiftKey && (document.activeElement === first || !inside)) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (document.activeElement === last || !inside)) {
        event.preventDefault();
        first.focus();
      }
    },
    /** A click on the backdrop (outside the dialog's box) closes it. */
    backdropClick(event) {
      if (event.target === this.$refs.dialog) this.$emit("close");
    },
  },
  template: `
    <dialog ref="dialog" class="chatrDialog" :aria-labelledby="labelledby" @keydown.tab="trapTab"
      @cancel.prevent="$emit('close')" @close="$emit('close')" @click="backdropClick">
      <slot></slot>
    </dialog>`,
};
