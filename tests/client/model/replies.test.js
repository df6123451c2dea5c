// Reply quotes: the quoted message's sender and first line, as text, or why it cannot be shown.
import { test } from "node:test";
import assert from "node:assert/strict";

import { createModel } from "../../../client/js/model/directory.js";
import { quoteOf, snippet } from "../../../client/js/model/replies.js";

const model = () => {
  const m = createModel();
  m.me = { userId: "me", userName: "Me" };
  m.users = { ada: { userId: "ada", userName: "Ada" } };
  return m;
};
const ask = { kind: "message", seq: 1, fromUserId: "ada", text: "Lunch?\nAt noon", time: 1 };
const reply = { kind: "message", seq: 2, fromUserId: "me", text: "Yes", replyTo: 1, time: 2 };

test("a snippet is the first line with blanks collapsed, cut with an ellipsis, without bidi controls", () => {
  assert.equal(snippet("\n  hello   there \nsecond"), "hello there");
  assert.equal(snippet("x".repeat(100), 10), `${"x".repeat(9)}…`);
  assert.equal(snippet("a\u202Eb<b>c</b>"), "ab<b>c</b>");
  assert.equal(snippet("😀".repeat(5), 3), "😀😀…");
});

test("a quote names the sender as the server does and shows the first line as text", () => {
  const quote = quoteOf(model(), ask, "c", reply, undefined);
  assert.deepEqual(quote, { seq: 1, state: "shown", sender: "Ada", text: "Lunch?" });
});

test("a quote of a message not here waits for the server, then shows it or says it is gone", () => {
  assert.equal(quoteOf(model(), null, "c", reply, undefined).state, "loading");
  assert.equal(quoteOf(model(), null, "c", reply, ask).text, "Lunch?");
  const gone = quoteOf(model(), null, "c", reply, null);
  assert.equal(gone.state, "gone");
  assert.match(gone.text, /no longer here/);
});

test("a quote of a deleted message says so; a deleted reply and a message answering nothing have no quote", () => {
  const deleted = quoteOf(model(), { ...ask, text: "", deleted: true }, "c", reply, undefined);
  assert.deepEqual([deleted.state, deleted.sender, deleted.text], ["deleted", "Ada", "Message deleted"]);
  assert.equal(quoteOf(model(), ask, "c", { ...reply, deleted: true }, undefined), null);
  assert.equal(quoteOf(model(), ask, "c", { ...reply, replyTo: undefined }, undefined), null);
  assert.equal(quoteOf(model(), ask, "c", { ...reply, replyTo: "1" }, undefined), null);
});
