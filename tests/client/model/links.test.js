// Links in messages: http(s):// and www. addresses become safe links, everything else stays text.
import { test } from "node:test";
import assert from "node:assert/strict";

import { LINK_MAX, linkify, trimTrailing, withoutBidiControls } from "../../../client/js/model/links.js";

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

test("trimming closing brackets is linear: twice the brackets, at most twice the steps", () => {
  const steps = (closers) => {
    const work = { steps: 0 };
    const url = trimTrailing(`http://a.bc/${")".repeat(closers)}`, work);
    assert.equal(url, "http://a.bc/");
    return work.steps;
  };
  for (const closers of [500, 1000, 1988, 4000]) {
    assert.ok(steps(closers) <= 4 * (closers + 12), `${closers} closers took ${steps(closers)} steps`);
  }
  assert.ok(steps(4000) <= 2 * steps(2000) + 8);
});

test("the 2,000-character message of brackets keeps its link and all its text", () => {
  const text = `http://a.bc/${")".repeat(1988)}`;
  const parts = linkify(text);
  assert.deepEqual(parts[0], { text: "http://a.bc/", href: "http://a.bc/" });
  assert.equal(parts.map((p) => p.text).join(""), text);
});

test("an address longer than LINK_MAX stays text", () => {
  const long = `https://example.com/${"a".repeat(LINK_MAX)}`;
  assert.deepEqual(linkify(`see ${long}`), [{ text: `see ${long}` }]);
  const fits = `https://example.com/${"a".repeat(LINK_MAX - 20)}`;
  assert.equal(links(fits)[0].href, fits);
});

test("a link to a host in another script shows the punycode name it really opens", () => {
  assert.deepEqual(links("log in at https://аррӏе.com/login now"), [
    { text: "https://xn--80ak6aa92e.com/login", href: "https://xn--80ak6aa92e.com/login" },
  ]);
  assert.deepEqual(links("www.münchen.de/?q=ü"), [
    { text: "https://www.xn--mnchen-3ya.de/?q=ü", href: "https://www.xn--mnchen-3ya.de/?q=%C3%BC" },
  ]);
});

test("a link with a user name before the host shows only the host it opens, and carries no credentials", () => {
  assert.deepEqual(links("https://google.com@evil.example/x"), [{ text: "https://evil.example/x", href: "https://evil.example/x" }]);
});

test("an ASCII host with a non-ASCII path shows as typed", () => {
  assert.equal(links("https://de.wikipedia.org/wiki/Köln")[0].text, "https://de.wikipedia.org/wiki/Köln");
});

test("bidi controls are dropped from text, so a link reads in the order it opens", () => {
  const text = "open https://x.example/\u202Egpj.exe?moc.elgoog \u2066isolated\u2069 \u200Fmark\u061C";
  assert.equal(withoutBidiControls(text), "open https://x.example/gpj.exe?moc.elgoog isolated mark");
  assert.equal(withoutBidiControls("שלום Ada"), "שלום Ada");
});

test("a backslash that ends the host shows as the slash it opens as", () => {
  assert.deepEqual(links("https://evil.example\\@google.com"), [
    { text: "https://evil.example/@google.com", href: "https://evil.example/@google.com" },
  ]);
});
