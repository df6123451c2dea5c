// Frames from a chat's group, all sent by the server: numbered entries named by the sender the server
// stamped, typing, read marks and notices. A frame a browser published (it carries `fromUserId`) is ignored.
import { test } from "node:test";
import assert from "node:assert/strict";

import { createModel, nameOf, peerHasLeft } from "../../../client/js/model/directory.js";
import { applyGroupFrame } from "../../../client/js/model/group-frames.js";
import { createMessageStore } from "../../../client/js/model/message-store.js";
import { MemoryStorage, manualSchedule } from "./fakes.js";

function setUp() {
  const model = createModel();
  model.me = { userId: "me", userName: "Me" };
  const added = [];
  const env = { model, store: { add: (chatId, entry) => added.push([chatId, entry]) }, now: () => 42 };
  return { model, added, env, apply: (frame) => applyGroupFrame(env, frame) };
}

const message = (fromUserId, data, group = "c") => ({ type: "message", from: "group", group, fromUserId, data });
const server = (data, group = "c") => message(undefined, data, group);
const said = (seq, fromUserId, text, more = {}) =>
  server({ entry: { chatId: "c", seq, kind: "message", fromUserId, id: `m${seq}`, text, mentions: [], time: 7, changed: 0, ...more } });
const change = (seq, kind, fromUserId, target, more = {}) => server({ entry: { chatId: "c", seq, kind, fromUserId, target, time: 8, ...more } });

test("a numbered message is stored under the sender the server stamped, named as the server knows them", () => {
  const { model, added, apply } = setUp();
  model.users.bob = { userId: "bob", userName: "Bob" };
  assert.equal(apply(said(1, "bob", "hi", { fromUserName: "Me, honestly" })), "entry");
  assert.deepEqual(added, [
    ["c", { kind: "message", seq: 1, fromUserId: "bob", fromUserName: "Bob", id: "m1", text: "hi", mentions: [], time: 7, changed: 0 }],
  ]);
});

test("a message from a sender the lists do not name is stored unnamed and the server is asked", () => {
  const { model, added, env, apply } = setUp();
  model.chats.c = { id: "c", name: "C", members: {} };
  const asked = [];
  env.lookup = (userId) => asked.push(userId);
  apply(said(1, "mallory", "hi, I am Bob"));
  assert.equal(added[0][1].fromUserName, null);
  assert.deepEqual(asked, ["mallory"]);
  assert.deepEqual(model.chats.c.members.mallory, { userId: "mallory", userName: null });
  assert.equal(nameOf(model, "mallory", "c"), "…");
});

test("a frame a browser published is ignored, whatever it says", () => {
  const { added, apply } = setUp();
  assert.equal(apply(message("mallory", { entry: { seq: 1, kind: "message", fromUserId: "ada", id: "x", text: "forged" } })), null);
  assert.equal(apply(message("mallory", { message: "the old shape" })), null);
  assert.equal(apply(message("mallory", { notice: "joined", userId: "ada", userName: "Ada" })), null);
  assert.deepEqual(added, []);
});

test("a notice is stored and keeps the chat's member list up to date", () => {
  const { model, added, apply } = setUp();
  model.chats.c = { id: "c", name: "C", members: {} };
  apply(server({ notice: "joined", userId: "bob", userName: "Bob" }));
  assert.deepEqual(Object.keys(model.chats.c.members), ["bob"]);
  apply(server({ notice: "left", userId: "bob", userName: "Bob" }));
  assert.deepEqual(model.chats.c.members, {});
  assert.deepEqual(added.map(([, e]) => e.notice), ["joined", "left"]);
});

test("our own join seen from another tab opens the chat here too", () => {
  const { model, apply } = setUp();
  model.chats.c = { id: "c", name: "C", members: {} };
  apply(server({ notice: "joined", userId: "me", userName: "Me" }));
  assert.ok(model.conversations.c);
  assert.equal(model.activeId, null);
});

test("the other person leaving a private chat is noticed", () => {
  const { model, apply } = setUp();
  const id = "private_bob_me";
  model.chats[id] = { id, name: "Chat with Bob", private: true, members: { me: {}, bob: {} } };
  apply(server({ notice: "left", userId: "bob", userName: "Bob" }, id));
  assert.equal(peerHasLeft(model, id), true);
  apply(server({ notice: "wantsToChat", userId: "me", userName: "Me" }, id));
  assert.equal(peerHasLeft(model, id), true);
});

test("malformed frames are ignored and store nothing", () => {
  const { added, apply } = setUp();
  for (const frame of [
    said(1, "bob", 5),
    said(0, "bob", "no number"),
    said(1.5, "bob", "half a number"),
    said(1, "", "no sender"),
    said(1, "bob", "   "),
    said(1, "bob", "x".repeat(2001)),
    said(1, "bob", "bad id", { id: "<b>" }),
    said(1, "bob", "bad mentions", { mentions: "me" }),
    server({ entry: { seq: 1, kind: "hologram", fromUserId: "bob" } }),
    server({ entry: "nope" }),
    server(null),
    server({ notice: "exploded", userId: "x", userName: "X" }),
    server({ notice: "joined", userId: "x", userName: "<b>" }, ""),
    server({ notice: "joined", userName: "no id" }),
    server({ typing: true }),
    null,
  ]) {
    assert.equal(apply(frame), null);
  }
  assert.deepEqual(added, []);
});

// ---- changes, typing, read marks -------------------------------------------------------------

/** A real message store behind the frames, a clock the test moves, and Ada's message 1 in chat "c". */
function conversation() {
  const model = createModel();
  model.me = { userId: "me", userName: "Me" };
  model.users = { me: model.me, ada: { userId: "ada", userName: "Ada" }, bob: { userId: "bob", userName: "Bob" } };
  const schedule = manualSchedule();
  const store = createMessageStore({ storage: new MemoryStorage(), schedule });
  const clock = { now: 1000 };
  const wakeUps = [];
  const numbers = [];
  const env = { model, store, now: () => clock.now, typingUntil: (t) => wakeUps.push(t), numbered: (chatId, seq) => numbers.push(seq) };
  const apply = (frame) => {
    const kind = applyGroupFrame(env, frame);
    schedule.run();
    return kind;
  };
  apply(said(1, "ada", "helo"));
  const ada = () => store.listOf("c")[0];
  return { model, store, clock, wakeUps, numbers, apply, ada };
}

test("the same message twice (a resend, or live and caught up) shows once", () => {
  const { apply, store, numbers } = conversation();
  apply(said(1, "ada", "helo"));
  assert.equal(store.listOf("c").length, 1);
  assert.deepEqual(numbers, [1, 1]);
});

test("messages that arrive out of order are listed in number order", () => {
  const { apply, store } = conversation();
  apply(said(3, "bob", "three"));
  apply(said(2, "ada", "two"));
  assert.deepEqual(store.listOf("c").map((e) => e.seq), [1, 2, 3]);
});

test("an edit and a delete change the message they name; an older change than the message shows is ignored", () => {
  const { ada, apply } = conversation();
  apply(change(2, "edit", "ada", 1, { text: "hello", mentions: ["me"] }));
  assert.deepEqual([ada().text, ada().edited, ada().mentions, ada().changed], ["hello", true, ["me"], 2]);
  apply(change(3, "delete", "ada", 1));
  apply(change(2, "edit", "ada", 1, { text: "hello", mentions: [] }));
  assert.deepEqual([ada().text, ada().deleted, ada().edited], ["", true, undefined]);
});

test("a change filed under someone other than the message's sender changes nothing", () => {
  const { ada, apply } = conversation();
  apply(change(2, "edit", "bob", 1, { text: "forged", mentions: [] }));
  apply(change(3, "delete", "bob", 1));
  assert.deepEqual([ada().text, ada().deleted], ["helo", undefined]);
});

test("a reaction counts for the person the server says sent it, named from the server's list", () => {
  const { ada, apply } = conversation();
  apply(change(2, "reaction", "bob", 1, { emojis: ["👍", "💩"] }));
  assert.deepEqual(ada().reactions, { "👍": { bob: "Bob" } });
});

test("a message kept with reactions shows them, named from the server's list", () => {
  const { store, apply } = conversation();
  apply(said(2, "bob", "party", { reactions: { "🎉": ["ada", "<script>"], "💩": ["ada"] } }));
  assert.deepEqual(store.findSeq("c", 2).reactions, { "🎉": { ada: "Ada" } });
});

test("a read mark moves the reader's mark to the newest message at or before its number", () => {
  const { store, apply } = conversation();
  apply(said(2, "bob", "two"));
  assert.equal(apply(server({ read: { chatId: "c", userId: "me", seq: 1 } })), "read");
  const first = store.listOf("c")[0];
  assert.equal(store.marksOf("c").me, first.key);
});

test("typing holds for the time the server says (at most a minute), and a message or ttl 0 ends it", () => {
  const { model, apply, clock, wakeUps } = conversation();
  apply(server({ typing: { chatId: "c", userId: "bob", ttl: 5000 } }));
  assert.deepEqual(model.typing, { c: { bob: 6000 } });
  assert.deepEqual(wakeUps, [6000]);
  apply(server({ typing: { chatId: "c", userId: "bob", ttl: 10 ** 9 } }));
  assert.equal(model.typing.c.bob, clock.now + 60000);
  apply(said(2, "bob", "done"));
  assert.deepEqual(model.typing, {});
  apply(server({ typing: { chatId: "c", userId: "bob", ttl: 5000 } }));
  apply(server({ typing: { chatId: "c", userId: "bob", ttl: 0 } }));
  assert.deepEqual(model.typing, {});
  assert.equal(apply(server({ typing: { chatId: "c", userId: "me", ttl: 5000 } })), null); // never about ourselves
  assert.equal(apply(server({ typing: { chatId: "c", userId: "bob", ttl: "soon" } })), null);
});

test("whoever said something in a chat is a member of it, named from the server's list", () => {
  const { model, apply } = conversation();
  model.chats.c = { id: "c", name: "C", private: false, members: {} };
  apply(said(2, "bob", "hi"));
  assert.deepEqual(model.chats.c.members, { bob: { userId: "bob", userName: "Bob" } });
});
