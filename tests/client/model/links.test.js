// Links in messages: http(s):// and www. addresses become safe links, everything else stays text.
import { test } from "node:test";
import assert from "node:assert/strict";

import { linkify } from "../../../client/js/model/links.js";

const links = (text) => linkify(text).filter((part) => part.href);

test("text without addresses is one plain part", () => {
  assert.deepEqual(linkify("just words"), [{ text: "just words" }]);
});

test("an https address becomes a link and the text around it stays text", () => {
  assert.deepEqual(linkify("see https://example.com/docs?a=1 now"), [
    { text: "see " },
    { text: "https://example.com/docs?a=1", href: "https://example.com/docs?a=1" },
    { text: " now" },
  ]);
});

test("a www. address becomes an https link showing what was typed", () => {
  assert.deepEqual(links("go to www.example.org/page"), [
    { text: "www.example.org/page", href: "https://www.example.org/page" },
  ]);
});

test("punctuation that ends the sentence is not part of the link", () => {
  assert.deepEqual(
    links("read https://example.com/a, then (www.example.org). Done: http://x.io!").map((p) => p.text),
    ["https://example.com/a", "www.example.org", "http://x.io"],
  );
});

test("a bracket the address opened itself stays in the link", () => {
  assert.equal(links("https://en.wikipedia.org/wiki/Foo_(bar)")[0].text, "https://en.wikipedia.org/wiki/Foo_(bar)");
});

test("javascript:, data: and words that merely contain www. never become links", () => {
  assert.deepEqual(links("javascript:alert(1) data:text/html,hi awww.nope xhttp://bad.example"), []);
});

test("markup around an address stays outside the link", () => {
  const parts = linkify('https://example.com/"><img src=x onerror=alert(1)>');
  assert.deepEqual(parts[0], { text: "https://example.com/", href: "https://example.com/" });
  assert.equal(parts.map((p) => p.text).join(""), 'https://example.com/"><img src=x onerror=alert(1)>');
});

test("the parts always add up to the whole message", () => {
  const text = "a https://b.example/c?d=e#f, www.g.example. h http:// i";
  assert.equal(
    linkify(text)
      .map((p) => p.text)
      .join(""),
    text,
  );
});
