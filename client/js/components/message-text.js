// A message body, formatted (model/format.js): paragraphs, code blocks, quotes, lists, bold,
// italic and code; http(s):// and www. addresses as links opening in a new tab, and "@Name"
// mentions (named as the server knows the people mentioned) marked, this user's more strongly.
// Everything is drawn as elements and text nodes: nothing is ever parsed as HTML, and bidi
// controls are dropped, so typed text never reorders itself. Links are no Tab stops of their own:
// the message log reaches them with the arrow keys.
import { h } from "../../vendor/vue.esm-browser.js";
import { withoutBidiControls } from "../model/links.js";
import { parseMessage } from "../model/format.js";

const INLINE_TAGS = { bold: "strong", italic: "em" };

/** One node of the tree as a Vue vnode (or a string: a text node). */
function draw(node, index) {
  switch (node.type) {
    case "text":
      return node.text;
    case "link":
      return h("a", { key: index, href: node.href, title: node.href, target: "_blank", rel: "noopener noreferrer", tabindex: "-1" }, node.text);
    case "mention":
      return h("span", { key: index, class: ["mention", { isMe: node.me }] }, node.text);
    case "code":
      return h("code", { key: index, class: "fmtCode" }, node.text);
    case "bold":
    case "italic":
      return h(INLINE_TAGS[node.type], { key: index }, node.children.map(draw));
    case "paragraph":
      return h("span", { key: index, class: "fmtPara" }, node.children.map(draw));
    case "codeblock":
      return h("pre", { key: index, class: "fmtCodeBlock" }, [h("code", node.text)]);
    case "quote":
      return h("blockquote", { key: index, class: "fmtQuote" }, node.children.map(draw));
    case "list":
      return h(
        node.ordered ? "ol" : "ul",
        { key: index, class: "fmtList", start: node.ordered && node.start !== 1 ? node.start : undefined },
        node.items.map((item, at) => h("li", { key: at }, item.children.map(draw))),
      );
    default:
      return null;
  }
}

export default {
  name: "MessageText",
  props: {
    text: { type: String, required: true },
    /** The people the message mentions: [{userId, userName}]. */
    people: { type: Array, default: () => [] },
    meId: { type: String, default: "" },
  },
  computed: {
    blocks() {
      return parseMessage(withoutBidiControls(this.text), this.people, this.meId);
    },
  },
  render() {
    return this.blocks.map(draw);
  },
};
