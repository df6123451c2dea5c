// A message body as text, with http(s):// and www. addresses as links opening in a new tab: never parsed as HTML.
import { linkify } from "../model/links.js";

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
