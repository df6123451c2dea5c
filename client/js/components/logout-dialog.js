// A guest's Logout asks first: their account lives in this browser's credential, so logging in
// again by name makes a new person. It offers the way back, a recovery code shown once (copyable),
// to type on the login page here or on another device (api/recovery.py).
import ModalDialog from "./modal-dialog.js";
import { newRecoveryCode } from "../services/api.js";
import { copyText } from "../services/clipboard.js";

export default {
  name: "LogoutDialog",
  components: { ModalDialog },
  inject: ["session"],
  emits: ["close"],
  data() {
    return { code: "", asking: false, problem: "", copied: null };
  },
  methods: {
    async getCode() {
      this.asking = true;
      this.problem = "";
      try {
        this.code = (await newRecoveryCode()).recoveryCode;
        this.$nextTick(() => this.$refs.copy?.focus());
      } catch (err) {
        this.problem = `Could not get a recovery code: ${err.detail ?? err.message}`;
      } finally {
        this.asking = false;
      }
    },
    async copy() {
      this.copied = await copyText(this.code, this.$refs.code);
    },
    logout() {
      this.session.logout();
    },
  },
  template: `
    <modal-dialog labelledby="logoutTitle" @close="$emit('close')">
      <div class="modal-card logoutDialog">
        <header class="modal-card-head">
          <h2 id="logoutTitle" class="modal-card-title">Log out?</h2>
        </header>
        <section class="modal-card-body">
          <p>You're a guest: your account is kept by this browser. Logging in again with your name makes a
            new guest, without your chats and their history.</p>
          <p class="mt-3">To come back to this account later, here or on another device, get a recovery code and
            keep it somewhere safe. Then choose <strong>I have a recovery code</strong> on the login page.</p>
          <div v-if="code" class="field mt-4">
            <label class="label" for="recoveryCodeShown">Your recovery code (shown only now, it works once)</label>
            <div class="control">
              <textarea id="recoveryCodeShown" ref="code" class="textarea recoveryCode" rows="2" readonly :value="code"
                spellcheck="false" @focus="$event.target.select()"></textarea>
            </div>
            <button ref="copy" class="button mt-2" type="button" @click="copy">
              <span class="icon"><i class="fas fa-copy" aria-hidden="true"></i></span>
              <span>{{ copied ? "Copied" : "Copy" }}</span>
            </button>
            <p class="help" role="status">{{ copied === false ? "Select the code and copy it yourself." : copied ? "Copied to the clipboard." : "" }}</p>
          </div>
          <p v-if="problem" class="help is-danger" role="alert">{{ problem }}</p>
        </section>
        <footer class="modal-card-foot buttons">
          <button v-if="!code" class="button is-primary" type="button" autofocus :class="{ 'is-loading': asking }"
            :disabled="asking" @click="getCode">Get a recovery code</button>
          <button class="button is-danger" type="button" @click="logout">Log out</button>
          <button class="button" type="button" @click="$emit('close')">Cancel</button>
        </footer>
      </div>
    </modal-dialog>`,
};
