// Who is typing, the line that says so, and how often a typist may say it.
import { test } from "node:test";
import assert from "node:assert/strict";

import { setBlocked } from "../../../client/js/model/blocks.js";
import { createModel } from "../../../client/js/model/directory.js";
import { noteTyping, pruneTyping, typingInterval, typingLabel, typingTtl, typists } from "../../../client/js/model/typing.js";

function setUp() {
  const model = createModel();
  model.me = { userId: "me", userName: "Me" };
  for (const [userId, userName] of [["me", "Me"], ["ada", "Ada"], ["grace", "Grace"], ["alan", "Alan"]]) {
    model.users[userId] = { userId, userName };
  }
  return model;
}

test("the line names one or two typists, and says several from three on; never this user", () => {
  const model = setUp();
  assert.equal(typingLabel(model, "c", "me", 0), "");
  noteTyping(model, "c", "me", 5000, 0);
  assert.equal(typingLabel(model, "c", "me", 0), "");
  noteTyping(model, "c", "grace", 5000, 0);
  assert.equal(typingLabel(model, "c", "me", 0), "Grace is typing…");
  noteTyping(model, "c", "ada", 5000, 0);
  assert.equal(typingLabel(model, "c", "me", 0), "Ada and Grace are typing…");
  noteTyping(model, "c", "alan", 5000, 0);
  assert.equal(typingLabel(model, "c", "me", 0), "Several people are typing…");
  assert.equal(typingLabel(model, "other", "me", 0), "");
});

test("a blocked typist is left off the line", () => {
  const model = setUp();
  noteTyping(model, "c", "ada", 5000, 0);
  noteTyping(model, "c", "grace", 5000, 0);
  setBlocked(model, ["ada"]);
  assert.equal(typingLabel(model, "c", "me", 0), "Grace is typing…");
  setBlocked(model, ["ada", "grace"]);
  assert.equal(typingLabel(model, "c", "me", 0), "");
});

test("a typist drops off when their frame runs out; pruning says when to look again", () => {
  const model = setUp();
  noteTyping(model, "c", "ada", 5000, 0);
  noteTyping(model, "d", "grace", 8000, 0);
  assert.equal(pruneTyping(model, 4999), 5000);
  assert.deepEqual(typists(model, "c", "me", 4999), ["ada"]);
  assert.deepEqual(typists(model, "c", "me", 5000), []);
  assert.equal(pruneTyping(model, 5000), 8000);
  assert.deepEqual(model.typing, { d: { grace: 8000 } });
  assert.equal(pruneTyping(model, 8000), null);
  assert.deepEqual(model.typing, {});
});

test("alone a typist refreshes every 3 s and holds 5 s; each other typist stretches both, so a chat shares one budget", () => {
  assert.equal(typingInterval(0), 3000);
  assert.equal(typingTtl(typingInterval(0)), 5000);
  assert.equal(typingInterval(9), 30000);
  // ten people typing: each refreshes every 30 s, so the chat carries 20 frames a minute, as with one typist
  assert.equal((10 * 60000) / typingInterval(9), 60000 / typingInterval(0));
});
