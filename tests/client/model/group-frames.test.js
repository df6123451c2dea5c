// Frames from a chat's group: messages named by the sender the service stamped, and the server's notices.
import { test } from "node:test";
import assert from "node:assert/strict";

import { createModel, peerHasLeft } from "../../../client/js/model/directory.js";
import { applyGroupFrame } from "../../../client/js/model/group-frames.js";

function setUp() {
  const model = createModel();
  model.me = { userId: "me", userName: "Me" };
  const added = [];
  const env = { model, store: { add: (chatId, entry) => added.push([chatId, entry]) }, now: () => 42 };
  return { model, added, apply: (frame) => applyGroupFrame(env, frame) };
}

const message = (fromUserId, data, group = "c") => ({ type: "message", from: "group", group, fromUserId, data });

test("a message is stored with the sender the service stamped, named as the server knows them", () => {
  const { model, added, apply } = setUp();
  model.users.bob = { userId: "bob", userName: "Bob" };
  const kind = apply(message("bob", { message: "hi", fromUserId: "me", fromUserName: "Me, honestly" }));
  assert.equal(kind, "message");
  assert.deepEqual(added, [["c", { kind: "message", fromUserId: "bob", fromUserName: "Bob", text: "hi", time: 42 }]]);
});

test("a notice is stored and keeps the chat's member list up to date", () => {
  const { model, added, apply } = setUp();
  model.chats.c = { id: "c", name: "C", members: {} };
  apply(message(null, { notice: "joined", userId: "bob", userName: "Bob" }));
  assert.deepEqual(Object.keys(model.chats.c.members), ["bob"]);
  apply(message(null, { notice: "left", userId: "bob", userName: "Bob" }));
  assert.deepEqual(model.chats.c.members, {});
  assert.deepEqual(added.map(([, e]) => e.notice), ["joined", "left"]);
});

test("our own join seen from another tab opens the chat here too", () => {
  const { model, apply } = setUp();
  model.chats.c = { id: "c", name: "C", members: {} };
  apply(message(null, { notice: "joined", userId: "me", userName: "Me" }));
  assert.ok(model.conversations.c);
  assert.equal(model.activeId, null);
});

test("the other person leaving a private chat is noticed", () => {
  const { model, apply } = setUp();
  const id = "private_bob_me";
  model.chats[id] = { id, name: "Chat with Bob", private: true, members: { me: {}, bob: {} } };
  apply(message(null, { notice: "left", userId: "bob", userName: "Bob" }, id));
  assert.equal(peerHasLeft(model, id), true);
  apply(message(null, { notice: "wantsToChat", userId: "me", userName: "Me" }, id));
  assert.equal(peerHasLeft(model, id), true);
});

test("malformed frames are ignored and store nothing", () => {
  const { added, apply } = setUp();
  for (const frame of [
    message("bob", { message: 5 }),
    message("bob", null),
    message("", { message: "no sender" }),
    message(null, { notice: "exploded", userId: "x", userName: "X" }),
    message(null, { notice: "joined", userId: "x", userName: "<b>" }, ""),
    message(null, { notice: "joined", userName: "no id" }),
    message("bob", { typing: true }),
    null,
  ]) {
    assert.equal(apply(frame), null);
  }
  assert.deepEqual(added, []);
});
