// A message body as text: http(s):// and www. addresses as links opening in a new tab, and "@Name"
// mentions (named as the server knows the people mentioned) marked, this user's more strongly.
// Nothing is ever parsed as HTML, and bidi controls are dropped: typed text never reorders itself.
// Links are no Tab stops of their own: the message log reaches them with the arrow keys.
import { withoutBidiControls } from "../model/links.js";
import { textParts } from "../model/mentions.js";

export default {
  name: "MessageText",
  props: {
    text: { type: String, required: true },
    /** The people the message mentions: [{userId, userName}]. */
    people: { type: Array, default: () => [] },
    meId: { type: String, default: "" },
  },
  computed: {
    parts() {
      return textParts(withoutBidiControls(this.text), this.people, this.meId);
    },
  },
  template: `
    <template v-for="(part, index) in parts" :key="index">
      <a v-if="part.href" :href="part.href" :title="part.href" target="_blank" rel="noopener noreferrer" tabindex="-1">{{ part.text }}</a>
      <span v-else-if="part.mention" class="mention" :class="{ isMe: part.me }">{{ part.text }}</span>
      <template v-else>{{ part.text }}</template>
    </template>`,
};
