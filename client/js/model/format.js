// Message formatting: a message's text as a tree of nodes that a component draws as elements and
// text nodes, so nothing anyone types is ever parsed as HTML. Blocks, one per line or run of lines:
// "```" fenced code (closed by a line of "```"; an unclosed fence stays text), "> " quotes (nested
// up to QUOTE_DEPTH_MAX), "- "/"* " and "1. "/"1) " lists, and paragraphs of everything else (line
// breaks and blank lines kept). Inside a line: `code`, *bold* or **bold**, _italic_, links and
// "@Name" mentions (none inside code). A marker counts only at a word's edge ("2*3*4" and
// snake_case_names stay text) and never spans lines. Every step is linear in the text's length:
// no backtracking regex, and each marker is matched or dropped once.
import { textParts } from "./mentions.js";

/** Quotes inside quotes go this deep; a deeper "> " stays text. */
export const QUOTE_DEPTH_MAX = 3;

/** Bold and italic nest this deep; markers deeper in stay text. */
export const NEST_MAX = 4;

const FENCE_OPEN = /^```[^`]*$/;
const FENCE_CLOSE = /^```\s*$/;
const QUOTE = /^>(?: |$)/;
const BULLET = /^[-*] +(?=\S)/;
const NUMBERED = /^(\d{1,9})[.)] +(?=\S)/;
const BLANK = /^\s*$/;
const WORD = /[\p{L}\p{N}]/u;
const SPACE = /\s/u;

/**
 * The blocks of `text`: `[{type: "paragraph", children}, {type: "codeblock", text},
 * {type: "quote", children: blocks}, {type: "list", ordered, start, items: [{type: "item", children}]}]`.
 * Inline children: `{type: "text", text}`, `{type: "bold" | "italic", children}`, `{type: "code", text}`,
 * `{type: "link", text, href}`, `{type: "mention", text, me}`. `people` and `meId` are as for
 * mentions.textParts: who "@Name" may name, and which of them is this user; `work.steps` counts the
 * characters, lines and markers looked at (for the tests: the work is linear in the length).
 */
export function parseMessage(text, people = [], meId = "", work = { steps: 0 }) {
  return blocks(text.split("\n"), 0, { people, meId, work });
}

/** The text as words to read where formatting cannot show (a notification): markers dropped, lines kept. */
export function plainText(text) {
  return parseMessage(text).map(plainBlock).join("\n");
}

function plainBlock(block) {
  if (block.type === "codeblock") return block.text;
  if (block.type === "quote") return block.children.map(plainBlock).join("\n");
  if (block.type === "list") {
    return block.items.map((item, index) => `${block.ordered ? `${block.start + index}.` : "•"} ${plainInline(item.children)}`).join("\n");
  }
  return plainInline(block.children);
}

function plainInline(nodes) {
  return nodes.map((node) => (node.children ? plainInline(node.children) : node.text)).join("");
}

/** One level of blocks: each line is looked at once here (quotes hand their lines one level down). */
function blocks(lines, depth, context) {
  const closers = nextFenceClose(lines);
  const found = [];
  let paragraph = [];
  const endParagraph = () => {
    const first = paragraph.findIndex((line) => !BLANK.test(line));
    if (first >= 0) {
      const last = paragraph.findLastIndex((line) => !BLANK.test(line));
      found.push({ type: "paragraph", children: inlineLines(paragraph.slice(first, last + 1), context) });
    }
    paragraph = [];
  };
  let index = 0;
  while (index < lines.length) {
    context.work.steps += 1;
    const line = lines[index];
    const close = FENCE_OPEN.test(line) ? closers[index + 1] : -1;
    if (close >= 0) {
      endParagraph();
      found.push({ type: "codeblock", text: lines.slice(index + 1, close).join("\n") });
      index = close + 1;
    } else if (depth < QUOTE_DEPTH_MAX && QUOTE.test(line)) {
      endParagraph();
      const quoted = [];
      for (; index < lines.length && QUOTE.test(lines[index]); index += 1) quoted.push(lines[index].slice(2));
      found.push({ type: "quote", children: blocks(quoted, depth + 1, context) });
    } else if (BULLET.test(line) || NUMBERED.test(line)) {
      endParagraph();
      const ordered = !BULLET.test(line);
      const marker = ordered ? NUMBERED : BULLET;
      const items = [];
      for (; index < lines.length && marker.test(lines[index]); index += 1) {
        const item = lines[index].slice(lines[index].match(marker)[0].length);
        items.push({ type: "item", children: inline(item, context) });
      }
      found.push({ type: "list", ordered, start: ordered ? Number(line.match(NUMBERED)[1]) : 1, items });
    } else {
      paragraph.push(line);
      index += 1;
    }
  }
  endParagraph();
  return found;
}

/** For each line index, the index of the first closing fence at or after it (-1: none), in one backward pass. */
function nextFenceClose(lines) {
  const closers = new Array(lines.length + 1).fill(-1);
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    closers[index] = FENCE_CLOSE.test(lines[index]) ? index : closers[index + 1];
  }
  return closers;
}

/** Lines of one paragraph: each formatted on its own, joined by line breaks. */
function inlineLines(lines, context) {
  const nodes = [];
  lines.forEach((line, index) => {
    if (index > 0) addText(nodes, "\n");
    for (const node of inline(line, context)) {
      if (node.type === "text") addText(nodes, node.text);
      else nodes.push(node);
    }
  });
  return nodes;
}

/** One line: code spans first, then links and mentions in what is not code, then bold and italic around them all. */
function inline(line, context) {
  const tokens = [];
  let last = 0;
  for (const { start, end, fence } of codeSpans(line, context.work)) {
    addParts(tokens, line.slice(last, start), context);
    tokens.push({ type: "code", text: line.slice(start + fence, end - fence) });
    last = end;
  }
  addParts(tokens, line.slice(last), context);
  return emphasis(tokens, context.work);
}

/**
 * Code spans in a line: a run of backticks up to the next run of the same length, `{start, end}`
 * around both runs and `fence` their length. Each run's partner is found by one backward pass, so unclosed runs cost nothing extra.
 */
function codeSpans(line, work) {
  const runs = [];
  for (let at = line.indexOf("`"); at >= 0; at = line.indexOf("`", at)) {
    work.steps += 1;
    let end = at;
    while (line[end] === "`") end += 1;
    runs.push({ start: at, length: end - at });
    at = end;
  }
  const partner = new Array(runs.length).fill(-1);
  const seen = new Map(); // run length -> the nearest such run after this one
  for (let index = runs.length - 1; index >= 0; index -= 1) {
    work.steps += 1;
    partner[index] = seen.get(runs[index].length) ?? -1;
    seen.set(runs[index].length, index);
  }
  const spans = [];
  for (let index = 0; index < runs.length; index += 1) {
    work.steps += 1;
    const close = partner[index];
    if (close < 0) continue;
    spans.push({ start: runs[index].start, end: runs[close].start + runs[close].length, fence: runs[index].length });
    index = close;
  }
  return spans;
}

/** Plain text as tokens: links and mentions become nodes of their own, the rest text. */
function addParts(tokens, text, { people, meId }) {
  if (!text) return;
  for (const part of textParts(text, people, meId)) {
    if (part.href) tokens.push({ type: "link", text: part.text, href: part.href });
    else if (part.mention) tokens.push({ type: "mention", text: part.text, me: part.me });
    else tokens.push({ type: "text", text: part.text });
  }
}

/**
 * Bold and italic over a line's tokens. A run of "*", "**" or "_" in text may open when what
 * follows is no space and what precedes is no letter or digit, and may close the other way round.
 * A closer takes the latest opener of its kind; openers between them stay text. Openers are kept
 * per kind, so finding one is constant time and each is dropped at most once.
 */
function emphasis(tokens, work) {
  const items = [];
  tokens.forEach((token, index) => {
    if (token.type !== "text") {
      items.push(token);
      return;
    }
    const before = edgeChar(tokens[index - 1], -1);
    const after = edgeChar(tokens[index + 1], 0);
    const { text } = token;
    let plainFrom = 0;
    for (let at = 0; at < text.length; ) {
      work.steps += 1;
      const char = text[at];
      if (char !== "*" && char !== "_") {
        at += 1;
        continue;
      }
      let end = at;
      while (text[end] === char) end += 1;
      const marker = text.slice(at, end);
      if (marker === "*" || marker === "**" || marker === "_") {
        const previous = at > 0 ? text[at - 1] : before;
        const next = end < text.length ? text[end] : after;
        if (plainFrom < at) items.push({ type: "text", text: text.slice(plainFrom, at) });
        items.push({ marker, canOpen: !SPACE.test(next) && !WORD.test(previous), canClose: !SPACE.test(previous) && !WORD.test(next) });
        plainFrom = end;
      }
      at = end;
    }
    if (plainFrom < text.length) items.push({ type: "text", text: text.slice(plainFrom) });
  });
  const open = []; // indexes of the openers still waiting, oldest first
  const openOfKind = { "*": [], "**": [], _: [] };
  items.forEach((item, index) => {
    if (!item.marker) return;
    const kind = openOfKind[item.marker];
    if (item.canClose && kind.length) {
      const opener = kind.at(-1);
      for (let top = open.pop(); ; top = open.pop()) {
        work.steps += 1;
        openOfKind[items[top].marker].pop();
        if (top === opener) break;
      }
      items[opener].closedBy = index;
      item.closes = true;
    } else if (item.canOpen) {
      open.push(index);
      kind.push(index);
    }
  });
  return nest(items, work);
}

/** The character next to a text token: the line's edge counts as a space, a link, mention or code as punctuation. */
function edgeChar(token, at) {
  if (!token) return " ";
  return token.type === "text" ? token.text.at(at) : ".";
}

/** Matched markers become bold and italic nodes around what lies between them (at most NEST_MAX deep); the others are text again. */
function nest(items, work) {
  const root = [];
  const levels = [root];
  const flat = []; // for each matched opener too deep to nest: its closer's index
  for (const [index, item] of items.entries()) {
    work.steps += 1;
    const children = levels.at(-1);
    if (item.closedBy !== undefined && levels.length <= NEST_MAX) {
      const node = { type: item.marker === "_" ? "italic" : "bold", children: [] };
      children.push(node);
      levels.push(node.children);
    } else if (item.closedBy !== undefined) {
      flat.push(item.closedBy);
      addText(children, item.marker);
    } else if (item.closes && flat.at(-1) === index) {
      flat.pop();
      addText(children, item.marker);
    } else if (item.closes) {
      levels.pop();
    } else if (item.marker) {
      addText(children, item.marker);
    } else if (item.type === "text") {
      addText(children, item.text);
    } else {
      children.push(item);
    }
  }
  return root;
}

/** Text at the end of `nodes`, joined to text already there. */
function addText(nodes, text) {
  const last = nodes.at(-1);
  if (last?.type === "text") last.text += text;
  else nodes.push({ type: "text", text });
}
