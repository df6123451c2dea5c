// Message formatting: the tree a message's text becomes, and the plain words of it for notifications.
import { test } from "node:test";
import assert from "node:assert/strict";

import { NEST_MAX, parseMessage, plainText, QUOTE_DEPTH_MAX } from "../../../client/js/model/format.js";

const text = (value) => ({ type: "text", text: value });
const bold = (...children) => ({ type: "bold", children });
const italic = (...children) => ({ type: "italic", children });
const code = (value) => ({ type: "code", text: value });
const paragraph = (...children) => ({ type: "paragraph", children });
/** The inline nodes of a one-paragraph message. */
const inline = (value, people, meId) => {
  const blocks = parseMessage(value, people, meId);
  assert.equal(blocks.length, 1);
  assert.equal(blocks[0].type, "paragraph");
  return blocks[0].children;
};

test("plain text is one paragraph of one text node, line breaks and blank lines kept", () => {
  assert.deepEqual(parseMessage("hello\n\nworld\nagain"), [paragraph(text("hello\n\nworld\nagain"))]);
});

test("*bold*, **bold** and _italic_ become nodes around their words", () => {
  assert.deepEqual(inline("a *b* c"), [text("a "), bold(text("b")), text(" c")]);
  assert.deepEqual(inline("**two words**"), [bold(text("two words"))]);
  assert.deepEqual(inline("say _it_, please"), [text("say "), italic(text("it")), text(", please")]);
  assert.deepEqual(inline("(*x*)"), [text("("), bold(text("x")), text(")")]);
});

test("markers nest: bold around italic and italic around bold", () => {
  assert.deepEqual(inline("*very _much_ so*"), [bold(text("very "), italic(text("much")), text(" so"))]);
  assert.deepEqual(inline("_*both*_"), [italic(bold(text("both")))]);
  assert.deepEqual(inline("**a *b* c**"), [bold(text("a "), bold(text("b")), text(" c"))]);
});

test("markers inside words stay text: 2*3*4, snake_case_names, __init__", () => {
  for (const value of ["2*3*4 = 24", "snake_case_names here", "call __init__ now", "a_b *c*d", "x**2**y"]) {
    assert.deepEqual(inline(value), [text(value)], value);
  }
  assert.deepEqual(inline("2*3*4"), [text("2*3*4")]);
  assert.deepEqual(inline("_a_b_"), [italic(text("a_b"))]);
});

test("unclosed, spaced and empty markers stay text", () => {
  for (const value of ["*open", "close*", "_open and *more", "a * b * c", "a * not bold *", "***", "____", "**", "*_*x"]) {
    assert.equal(plainText(value), value, value);
  }
  assert.deepEqual(inline("*open _and_"), [text("*open "), italic(text("and"))]);
});

test("a marker never spans lines", () => {
  assert.deepEqual(parseMessage("*one\ntwo*"), [paragraph(text("*one\ntwo*"))]);
});

test("a closer takes the latest opener of its kind; openers crossed over stay text", () => {
  assert.deepEqual(inline("*a _b* c_"), [bold(text("a _b")), text(" c_")]);
});

test("`code` keeps its markers, links and mentions as text", () => {
  const ada = [{ userId: "ada", userName: "Ada" }];
  assert.deepEqual(inline("run `*x* _y_ @Ada https://a.example` now", ada, "ada"), [
    text("run "),
    code("*x* _y_ @Ada https://a.example"),
    text(" now"),
  ]);
  assert.deepEqual(inline("``a ` b``"), [code("a ` b")]);
  assert.deepEqual(inline("an ` alone"), [text("an ` alone")]);
  assert.deepEqual(inline("*bold `code`*"), [bold(text("bold "), code("code"))]);
});

test("links and mentions work inside bold and italic, and their own _ and * stay theirs", () => {
  const people = [{ userId: "ada", userName: "Ada" }];
  assert.deepEqual(inline("*see https://x.example/a_b_c*", people, "me"), [
    bold(text("see "), { type: "link", text: "https://x.example/a_b_c", href: "https://x.example/a_b_c" }),
  ]);
  assert.deepEqual(inline("_hi @Ada, you_", people, "ada"), [italic(text("hi "), { type: "mention", text: "@Ada", me: true }, text(", you"))]);
  assert.deepEqual(inline("*@Ada*", people, "me"), [bold({ type: "mention", text: "@Ada", me: false })]);
});

test("fenced code blocks keep their lines as they are; an unclosed fence stays text", () => {
  assert.deepEqual(parseMessage("look:\n```js\nconst a = *b*;\n  <b>x</b>\n```\nok"), [
    paragraph(text("look:")),
    { type: "codeblock", text: "const a = *b*;\n  <b>x</b>" },
    paragraph(text("ok")),
  ]);
  assert.deepEqual(parseMessage("```\nnever closed *x*"), [paragraph(text("```\nnever closed "), bold(text("x")))]);
  assert.deepEqual(parseMessage("```one line```"), [paragraph(code("one line"))]);
});

test("> quotes hold blocks of their own, nested only so deep", () => {
  assert.deepEqual(parseMessage("> said *this*\n> and that\nreply"), [
    { type: "quote", children: [paragraph(text("said "), bold(text("this")), text("\nand that"))] },
    paragraph(text("reply")),
  ]);
  const deep = parseMessage("> > > > > x");
  let depth = 0;
  for (let node = deep[0]; node.type === "quote"; node = node.children[0]) depth += 1;
  assert.equal(depth, QUOTE_DEPTH_MAX);
  assert.deepEqual(parseMessage(">not a quote"), [paragraph(text(">not a quote"))]);
});

test("- and 1. lines make lists, one per run of lines of a kind", () => {
  assert.deepEqual(parseMessage("todo:\n- milk\n* *eggs*\n3. three\n4) four\nend"), [
    paragraph(text("todo:")),
    {
      type: "list",
      ordered: false,
      start: 1,
      items: [
        { type: "item", children: [text("milk")] },
        { type: "item", children: [bold(text("eggs"))] },
      ],
    },
    {
      type: "list",
      ordered: true,
      start: 3,
      items: [
        { type: "item", children: [text("three")] },
        { type: "item", children: [text("four")] },
      ],
    },
    paragraph(text("end")),
  ]);
  assert.deepEqual(parseMessage("-not a list\n- \n1.5 km"), [paragraph(text("-not a list\n- \n1.5 km"))]);
});

test("blank lines around blocks are dropped, those inside a paragraph kept", () => {
  assert.deepEqual(parseMessage("a\n\n\n- b\n\nc\n\nd"), [
    paragraph(text("a")),
    { type: "list", ordered: false, start: 1, items: [{ type: "item", children: [text("b")] }] },
    paragraph(text("c\n\nd")),
  ]);
});

test("HTML-looking text is text, every character of it", () => {
  const hostile = '<img src=x onerror=alert(1)> <script>alert("*x*")</script> &amp; <b>_hi_</b>';
  const nodes = inline(hostile);
  const flat = (list) => list.map((node) => (node.children ? flat(node.children) : node.text)).join("");
  assert.ok(nodes.every((node) => ["text", "bold", "italic"].includes(node.type)));
  assert.equal(flat(nodes), hostile.replace("*x*", "x").replace("_hi_", "hi"));
});

test("plainText: the words without markers, lines and list numbers kept", () => {
  assert.equal(plainText("*Hi* _there_, see `x`"), "Hi there, see x");
  assert.equal(plainText("> quoted\n- one\n- two\n2. next\n```\ncode *x*\n```"), "quoted\n• one\n• two\n2. next\ncode *x*");
});

test("parsing is linear: twice the hostile markers, at most about twice the steps", () => {
  const hostile = [
    (n) => "*_".repeat(n / 2),
    (n) => "*a ".repeat(n / 3),
    (n) => "_a ".repeat(n / 6) + "a* ".repeat(n / 6),
    (n) => "`".repeat(n),
    (n) => Array.from({ length: Math.sqrt(n) }, (_, k) => "`".repeat(k + 1) + "x").join(" "),
    (n) => "```js\n".repeat(n / 6),
    (n) => "> ".repeat(n / 2),
    (n) => "- a\n1. b\n".repeat(n / 10),
    (n) => "a".repeat(n) + "*",
    (n) => " ".repeat(n) + "x",
  ];
  const steps = (text) => {
    const work = { steps: 0 };
    parseMessage(text, [], "", work);
    return work.steps;
  };
  for (const make of hostile) {
    const small = make(60_000);
    const large = make(120_000);
    assert.ok(steps(small) <= 4 * small.length + 16, `${small.slice(0, 12)}… took ${steps(small)} steps`);
    assert.ok(steps(large) <= 2.2 * steps(small) + 16, `${large.slice(0, 12)}… grew from ${steps(small)} to ${steps(large)}`);
  }
});

test("bold and italic nest only so deep; deeper markers stay text", () => {
  const depthOf = (nodes) => Math.max(0, ...nodes.map((node) => (node.children ? 1 + depthOf(node.children) : 0)));
  const deep = "*a _b ".repeat(25) + "x" + " b_ a*".repeat(25);
  assert.equal(depthOf(inline(deep)), NEST_MAX);
  assert.equal(plainText(deep), "a b ".repeat(2) + "*a _b ".repeat(23) + "x" + " b_ a*".repeat(23) + " b a".repeat(2));
});
