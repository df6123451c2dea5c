// Asks before something that cannot be undone (deleting a chat); Escape or Cancel says no.
import ModalDialog from "./modal-dialog.js";

export default {
  name: "ConfirmDialog",
  components: { ModalDialog },
  props: {
    title: { type: String, required: true },
    message: { type: String, required: true },
    confirmLabel: { type: String, required: true },
  },
  emits: ["confirm", "close"],
  template: `
    <modal-dialog labelledby="confirmTitle" @close="$emit('close')">
      <div class="modal-card">
        <header class="modal-card-head">
          <h2 id="confirmTitle" class="modal-card-title">{{ title }}</h2>
        </header>
        <section class="modal-card-body"><p>{{ message }}</p></section>
        <footer class="modal-card-foot buttons">
          <button class="button is-danger" type="button" @click="$emit('confirm')">{{ confirmLabel }}</button>
          <button class="button" type="button" autofocus @click="$emit('close')">Cancel</button>
        </footer>
      </div>
    </modal-dialog>`,
};
