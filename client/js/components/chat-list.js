// A list of chats in the sidebar (the group chats, or the private ones), in a stable order, with
// arrow keys to move between them.
import ChatRow from "./chat-row.js";
import RovingFocus from "./roving-focus.js";

export default {
  name: "ChatList",
  components: { ChatRow },
  mixins: [RovingFocus],
  inject: ["session"],
  props: {
    chats: { type: Array, required: true },
    label: { type: String, required: true },
  },
  emits: ["open", "delete"],
  computed: {
    activeId() {
      return this.session.model.activeId;
    },
    rovingKeys() {
      return this.chats.map((chat) => chat.id);
    },
    /** Tab lands on the open chat when it is in this list, else on the first. */
    fallbackStop() {
      return this.chats.some((chat) => chat.id === this.activeId) ? this.activeId : this.chats[0]?.id;
    },
  },
  template: `
    <ul class="chatMenu" :aria-label="label" @keydown="onListKeydown" @focusin="onListFocus">
      <chat-row v-for="chat in chats" :key="chat.id" :chat="chat" :active="chat.id === activeId"
        :tab-stop="chat.id === tabStop" @open="$emit('open', $event)" @delete="$emit('delete', $event)" />
    </ul>`,
};
