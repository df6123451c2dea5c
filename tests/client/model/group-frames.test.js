// Frames from a chat's group: messages named by the sender the service stamped, and the server's notices.
import { test } from "node:test";
import assert from "node:assert/strict";

import { createModel, nameOf, peerHasLeft } from "../../../client/js/model/directory.js";
import { applyGroupFrame } from "../../../client/js/model/group-frames.js";
import { createMessageStore } from "../../../client/js/model/message-store.js";
import { createRateGate } from "../../../client/js/model/reactions.js";
import { MemoryStorage, manualSchedule } from "./fakes.js";

function setUp() {
  const model = createModel();
  model.me = { userId: "me", userName: "Me" };
  const added = [];
  const env = { model, store: { add: (chatId, entry) => added.push([chatId, entry]) }, now: () => 42 };
  return { model, added, env, apply: (frame) => applyGroupFrame(env, frame) };
}

const message = (fromUserId, data, group = "c") => ({ type: "message", from: "group", group, fromUserId, data });

test("a message is stored with the sender the service stamped, named as the server knows them", () => {
  const { model, added, apply } = setUp();
  model.users.bob = { userId: "bob", userName: "Bob" };
  const kind = apply(message("bob", { message: "hi", fromUserId: "me", fromUserName: "Me, honestly" }));
  assert.equal(kind, "message");
  assert.deepEqual(added, [["c", { kind: "message", fromUserId: "bob", fromUserName: "Bob", text: "hi", time: 42 }]]);
});

test("a message from a sender the lists do not name is stored unnamed and the server is asked, never the frame's name believed", () => {
  const { model, added, env, apply } = setUp();
  model.chats.c = { id: "c", name: "C", members: {} };
  const asked = [];
  env.lookup = (userId) => asked.push(userId);
  apply(message("mallory", { message: "hi, I am Bob", fromUserId: "bob", fromUserName: "Bob" }));
  assert.equal(added[0][1].fromUserName, null);
  assert.deepEqual(asked, ["mallory"]);
  assert.deepEqual(model.chats.c.members.mallory, { userId: "mallory", userName: null }); // a member, not yet named
  assert.equal(nameOf(model, "mallory", "c"), "…");
  model.profiles.mallory = { userName: "Mallory", userProvider: "guest" };
  apply(message("mallory", { message: "again" }));
  assert.deepEqual(asked, ["mallory"]);
  assert.equal(added[1][1].fromUserName, "Mallory");
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
    message("bob", { kind: "hologram", message: "a kind from the future is not a message" }),
    message("bob", { message: "   " }),
    message("bob", { message: "x".repeat(2001) }),
    message("bob", { message: "bad id", id: "<b>" }),
    message("bob", { message: "bad mentions", id: "m1", mentions: "me" }),
    null,
  ]) {
    assert.equal(apply(frame), null);
  }
  assert.deepEqual(added, []);
});

// ---- typing, edits, deletes, reactions, read marks: the trust rule -----------------------------

/** A real message store behind the frames, a clock the test moves, and Ada's message "m1" in chat "c". */
function conversation() {
  const model = createModel();
  model.me = { userId: "me", userName: "Me" };
  model.users = { me: model.me, ada: { userId: "ada", userName: "Ada" }, bob: { userId: "bob", userName: "Bob" } };
  const schedule = manualSchedule();
  const store = createMessageStore({ storage: new MemoryStorage(), schedule });
  const clock = { now: 1000 };
  const wakeUps = [];
  const env = { model, store, now: () => clock.now, reactionGate: createRateGate(), typingUntil: (t) => wakeUps.push(t) };
  const apply = (frame) => {
    const kind = applyGroupFrame(env, frame);
    schedule.run();
    return kind;
  };
  apply(message("ada", { message: "helo", id: "m1", fromUserId: "ada", fromUserName: "Ada" }));
  const ada = () => store.listOf("c")[0];
  return { model, store, clock, wakeUps, apply, ada };
}

test("a message keeps its id and the ids it mentions", () => {
  const { ada, apply, store } = conversation();
  assert.deepEqual([ada().id, ada().mentions], ["m1", []]);
  apply(message("bob", { message: "@Me look", id: "m2", mentions: ["me", "me", "ada"] }));
  assert.deepEqual(store.listOf("c")[1].mentions, ["me", "ada"]);
});

test("a message from an older client (no id) still shows, and cannot be changed", () => {
  const { apply, store } = conversation();
  assert.equal(apply(message("bob", { message: "old shape", fromUserId: "bob", fromUserName: "Bob" })), "message");
  const old = store.listOf("c")[1];
  assert.deepEqual([old.text, old.id, old.mentions], ["old shape", undefined, undefined]);
});

test("the sender edits and deletes their own message", () => {
  const { ada, apply } = conversation();
  assert.equal(apply(message("ada", { kind: "edit", id: "m1", text: "hello" })), "edit");
  assert.deepEqual([ada().text, ada().edited], ["hello", true]);
  assert.equal(apply(message("ada", { kind: "delete", id: "m1" })), "delete");
  assert.equal(ada().deleted, true);
});

test("an edit or delete of someone else's message changes nothing, whatever the frame says about its sender", () => {
  const { ada, apply } = conversation();
  apply(message("bob", { kind: "edit", id: "m1", text: "hijacked", fromUserId: "ada", author: "ada" }));
  apply(message("bob", { kind: "delete", id: "m1", fromUserId: "ada", author: "ada" }));
  assert.deepEqual([ada().text, ada().edited, ada().deleted], ["helo", undefined, undefined]);
});

test("an edit over the length limit, empty, or badly formed is ignored", () => {
  const { ada, apply } = conversation();
  for (const data of [
    { kind: "edit", id: "m1", text: "x".repeat(2001) },
    { kind: "edit", id: "m1", text: " " },
    { kind: "edit", id: "m1", text: 5 },
    { kind: "edit", id: ["m1"], text: "x" },
    { kind: "edit", id: "m1", text: "x", mentions: [{}] },
  ]) {
    assert.equal(apply(message("ada", data)), null);
  }
  assert.equal(ada().text, "helo");
  assert.equal(apply(message("ada", { kind: "edit", id: "m1", text: "y".repeat(2000) })), "edit");
});

test("a reaction counts for the person who sent the frame, named from the server's list", () => {
  const { ada, apply } = conversation();
  apply(message("bob", { kind: "reaction", author: "ada", id: "m1", emojis: ["👍", "💩"], fromUserId: "me", userName: "Me" }));
  assert.deepEqual(ada().reactions, { "👍": { bob: "Bob" } });
});

test("one reaction frame per message per person per second is acted on", () => {
  const { ada, apply, clock } = conversation();
  apply(message("bob", { kind: "reaction", author: "ada", id: "m1", emojis: ["👍"] }));
  clock.now += 999;
  apply(message("bob", { kind: "reaction", author: "ada", id: "m1", emojis: ["🎉"] }));
  apply(message("me", { kind: "reaction", author: "ada", id: "m1", emojis: ["😮"] }));
  assert.deepEqual(ada().reactions, { "👍": { bob: "Bob" }, "😮": { me: "Me" } });
  clock.now += 1;
  apply(message("bob", { kind: "reaction", author: "ada", id: "m1", emojis: ["🎉"] }));
  assert.deepEqual(ada().reactions, { "😮": { me: "Me" }, "🎉": { bob: "Bob" } });
});

test("a read mark counts for the person who sent it", () => {
  const { ada, apply, store } = conversation();
  apply(message("bob", { kind: "read", author: "ada", id: "m1", fromUserId: "grace" }));
  assert.equal(store.marksOf("c").bob, ada().key);
  assert.equal(store.marksOf("c").grace, undefined);
  assert.equal(apply(message("bob", { kind: "read", author: "<ada>", id: "m1" })), null);
});

test("typing holds for the time its frame says (at most a minute), and a message or ttl 0 ends it", () => {
  const { model, apply, clock, wakeUps } = conversation();
  apply(message("bob", { kind: "typing", ttl: 5000, fromUserId: "ada" }));
  assert.deepEqual(model.typing, { c: { bob: 6000 } });
  assert.deepEqual(wakeUps, [6000]);
  apply(message("bob", { kind: "typing", ttl: 10 ** 9 }));
  assert.equal(model.typing.c.bob, clock.now + 60000);
  apply(message("bob", { message: "done", id: "m9" }));
  assert.deepEqual(model.typing, {});
  apply(message("bob", { kind: "typing", ttl: 5000 }));
  apply(message("bob", { kind: "typing", ttl: 0 }));
  assert.deepEqual(model.typing, {});
  assert.equal(apply(message("me", { kind: "typing", ttl: 5000 })), null); // never about ourselves
  assert.equal(apply(message("bob", { kind: "typing", ttl: "soon" })), null);
});

test("a frame of a kind this browser does not know changes nothing", () => {
  const { ada, apply, model } = conversation();
  assert.equal(apply(message("ada", { kind: "pin", id: "m1", text: "pinned" })), null);
  assert.equal(ada().text, "helo");
  assert.deepEqual(model.typing, {});
});

test("whoever publishes to a chat is a member of it (only members may), named from the server's list", () => {
  const { model, apply } = conversation();
  model.chats.c = { id: "c", name: "C", private: false, members: {} };
  apply(message("bob", { kind: "typing", ttl: 5000 }));
  assert.deepEqual(model.chats.c.members, { bob: { userId: "bob", userName: "Bob" } });
  apply(message("ada", { kind: "nonsense" }));
  assert.equal(model.chats.c.members.ada, undefined);
});
