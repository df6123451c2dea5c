// A message body as text, with http(s) links made clickable: never parsed as HTML.
import { linkify } from "../utils.js";

export default {
  name: "MessageText",
  props: { text: { type: String, required: true } },
  computed: {
    parts() {
      return linkify(this.text);
    },
  },
  template: `
    <template v-for="(part, index) in parts" :key="index">
      <a v-if="part.href" :href="part.href" target="_blank" rel="noopener noreferrer">{{ part.text }}</a>
      <template v-else>{{ part.text }}</template>
    </template>`,
};
