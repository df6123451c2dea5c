// Blocks: the list the server keeps, and what of a blocked person this user no longer sees.
import { test } from "node:test";
import assert from "node:assert/strict";

import { blockedIds, hidesEntry, isBlocked, setBlocked, shownEntries, shownReactions } from "../../../client/js/model/blocks.js";
import { createModel, peerHasLeft, privateChatId } from "../../../client/js/model/directory.js";

function setUp() {
  const model = createModel();
  model.me = { userId: "me", userName: "Me", userProvider: "guest" };
  return model;
}
const message = (key, fromUserId, extra = {}) => ({ kind: "message", key, fromUserId, text: "hi", time: key, ...extra });
const notice = (key, userId) => ({ kind: "notice", key, notice: "joined", userId, userName: userId, time: key });

test("the server's list replaces the one before, saying who was added and who removed", () => {
  const model = setUp();
  assert.deepEqual(setBlocked(model, ["ada", "bob"]), { added: ["ada", "bob"], removed: [] });
  assert.deepEqual(setBlocked(model, ["bob", "eve"]), { added: ["eve"], removed: ["ada"] });
  assert.deepEqual(blockedIds(model), ["bob", "eve"]);
  assert.equal(isBlocked(model, "bob"), true);
  assert.equal(isBlocked(model, "ada"), false);
  assert.deepEqual(setBlocked(model, ["bob", "eve"]), { added: [], removed: [] });
});

test("a list that is not a list of ids blocks nobody", () => {
  const model = setUp();
  setBlocked(model, ["ada"]);
  assert.deepEqual(setBlocked(model, "ada"), { added: [], removed: ["ada"] });
  setBlocked(model, [42, "", null, "bob"]);
  assert.deepEqual(blockedIds(model), ["bob"]);
});

test("blocking, and unblocking, leaves the other person out of our private chat, so writing invites them back", () => {
  const model = setUp();
  const chatId = privateChatId("me", "ada");
  const members = () => ({ me: { userId: "me", userName: "Me" }, ada: { userId: "ada", userName: "Ada" } });
  model.chats[chatId] = { id: chatId, name: "Chat with Ada", private: true, members: members() };
  setBlocked(model, ["ada"]);
  assert.equal(peerHasLeft(model, chatId), true);
  model.chats[chatId].members = members(); // a reload lists both again
  setBlocked(model, []);
  assert.equal(peerHasLeft(model, chatId), true);
});

test("a blocked person's messages and the notices about them are hidden; everyone else's stay, in order", () => {
  const model = setUp();
  const entries = [message(1, "ada"), message(2, "bob"), notice(3, "ada"), notice(4, "bob"), message(5, "me")];
  assert.equal(shownEntries(model, entries), entries); // nobody blocked: the very same list
  setBlocked(model, ["ada"]);
  assert.deepEqual(
    shownEntries(model, entries).map((entry) => entry.key),
    [2, 4, 5],
  );
  assert.equal(hidesEntry(model, message(6, "ada")), true);
  assert.equal(hidesEntry(model, notice(7, "bob")), false);
  setBlocked(model, []);
  assert.equal(shownEntries(model, entries).length, 5); // unblocking shows them again
});

test("reactions of a blocked person are left out; an emoji only they chose goes", () => {
  const model = setUp();
  const entry = message(1, "bob", { reactions: { "👍": { ada: "Ada", me: "Me" }, "🎉": { ada: "Ada" } } });
  assert.equal(shownReactions(model, entry), entry);
  setBlocked(model, ["ada"]);
  assert.deepEqual(shownReactions(model, entry).reactions, { "👍": { me: "Me" } });
  assert.deepEqual(entry.reactions["🎉"], { ada: "Ada" }); // the stored entry is untouched
});
