// What this browser asks the server to say in a chat, and how often: typing, read marks and reactions
// within their budgets, messages with a fresh id, nothing while sending is paused.
import { test } from "node:test";
import assert from "node:assert/strict";

import { ChatSender } from "../../../client/js/services/chat-sender.js";
import { createModel } from "../../../client/js/model/directory.js";
import { createMessageStore } from "../../../client/js/model/message-store.js";
import { MemoryStorage, manualSchedule } from "../model/fakes.js";

/** A clock and timers the test moves by hand. */
function fakeTime() {
  const pending = [];
  const time = {
    now: 0,
    setTimeout: (fn, ms) => {
      const timer = { at: time.now + ms, fn };
      pending.push(timer);
      return timer;
    },
    clearTimeout: (timer) => {
      const index = pending.indexOf(timer);
      if (index >= 0) pending.splice(index, 1);
    },
    advance(ms) {
      time.now += ms;
      for (const timer of pending.filter((t) => t.at <= time.now).sort((a, b) => a.at - b.at)) {
        pending.splice(pending.indexOf(timer), 1);
        timer.fn();
      }
    },
  };
  return time;
}

function setUp({ online = true, ack = { success: true } } = {}) {
  const model = createModel();
  model.me = { userId: "me", userName: "Me" };
  model.users = { me: model.me, ada: { userId: "ada", userName: "Ada" }, bob: { userId: "bob", userName: "Bob" } };
  model.chats.c = { id: "c", name: "C", private: false, members: { me: {}, ada: {}, bob: {} } };
  const schedule = manualSchedule();
  const store = createMessageStore({ storage: new MemoryStorage(), schedule });
  const sent = [];
  const socket = {
    request: (event, data) => {
      sent.push({ event, data });
      return Promise.resolve(ack);
    },
  };
  const time = fakeTime();
  const state = { online };
  const refused = [];
  const sender = new ChatSender({
    socket,
    model,
    store,
    online: () => state.online,
    onRefused: (what) => refused.push(what),
    now: () => time.now,
    timers: time,
  });
  const add = (entry) => {
    store.add("c", entry);
    schedule.run();
    return store.listOf("c").at(-1);
  };
  return { model, store, sent, time, state, sender, refused, add };
}

const kinds = (sent) => sent.map(({ event, data }) => (event === "typing" ? `typing ${data.ttl}` : event));

test("a message gets a new id each time, unless it is sent again with the id it had", () => {
  const { sender, sent } = setUp();
  sender.message("c", "hi", ["ada"]);
  sender.message("c", "hi again", []);
  sender.message("c", "hi again", [], { id: "same-as-before" });
  const [first, second, third] = sent.map((s) => s.data);
  assert.deepEqual(sent.map((s) => s.event), ["sendMessage", "sendMessage", "sendMessage"]);
  assert.deepEqual(Object.keys(first).sort(), ["chatId", "id", "mentions", "text"]);
  assert.match(first.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(first.id, second.id);
  assert.deepEqual([first.chatId, first.text, first.mentions, third.id], ["c", "hi", ["ada"], "same-as-before"]);
});

test("typing: the first key says so at once, then nothing more for 3 s", () => {
  const { sender, sent, time } = setUp();
  sender.typing("c", "h");
  time.advance(1000);
  sender.typing("c", "he");
  assert.deepEqual(kinds(sent), ["typing 5000"]);
  assert.equal(sent[0].data.chatId, "c");
});

test("typing: keys during the wait are announced when it ends, unless the typist stopped by then", () => {
  const { sender, sent, time } = setUp();
  sender.typing("c", "h");
  time.advance(2000);
  sender.typing("c", "he");
  time.advance(1000);
  assert.deepEqual(kinds(sent), ["typing 5000", "typing 5000"]);
  time.advance(1000);
  sender.typing("c", "hel"); // at 4 s: waits for 6 s, but no key comes after it
  time.advance(2000);
  time.advance(1000);
  assert.deepEqual(kinds(sent), ["typing 5000", "typing 5000", "typing 5000"]); // the key at 4 s was still fresh at 6 s
  time.advance(10000);
  assert.equal(sent.length, 3);
});

test("typing: each other person typing stretches the wait and the hold, so the chat shares one budget", () => {
  const { sender, sent, time, model } = setUp();
  model.typing.c = { ada: 60000, bob: 60000 };
  sender.typing("c", "h");
  time.advance(8000);
  sender.typing("c", "he");
  time.advance(500);
  assert.deepEqual(kinds(sent), ["typing 11000"]);
  time.advance(500);
  assert.deepEqual(kinds(sent), ["typing 11000", "typing 11000"]);
});

test("typing: clearing the box says we stopped; sending a message ends it without a word", () => {
  const { sender, sent, time } = setUp();
  sender.typing("c", "h");
  sender.typing("c", "");
  assert.deepEqual(kinds(sent), ["typing 5000", "typing 0"]);
  sender.typing("c", "");
  time.advance(3000);
  sender.typing("c", "again");
  sender.message("c", "again", []);
  sender.stopTyping("c");
  assert.deepEqual(kinds(sent), ["typing 5000", "typing 0", "typing 5000", "sendMessage"]);
});

test("read: the first mark goes at once, later ones at most every 3 s per person online, the newest", () => {
  const { sender, sent, time, add } = setUp();
  const one = add({ kind: "message", seq: 1, fromUserId: "ada", fromUserName: "Ada", id: "m1", text: "1", time: 1 });
  const two = add({ kind: "message", seq: 2, fromUserId: "bob", fromUserName: "Bob", id: "m2", text: "2", time: 2 });
  const three = add({ kind: "message", seq: 3, fromUserId: "ada", fromUserName: "Ada", id: "m3", text: "3", time: 3 });
  sender.read("c", one);
  sender.read("c", two);
  sender.read("c", three);
  sender.read("c", two);
  assert.deepEqual(sent, [{ event: "markRead", data: { chatId: "c", seq: 1 } }]);
  time.advance(8999); // three people online: 9 s
  assert.equal(sent.length, 1);
  time.advance(1);
  assert.deepEqual(sent[1], { event: "markRead", data: { chatId: "c", seq: 3 } });
});

test("read: our own message says it already, and a message without a number cannot be named", () => {
  const { sender, sent, add } = setUp();
  const theirs = add({ kind: "message", seq: 1, fromUserId: "ada", fromUserName: "Ada", id: "m1", text: "1", time: 1 });
  const mine = add({ kind: "message", seq: 2, fromUserId: "me", fromUserName: "Me", id: "m2", text: "2", time: 2 });
  const old = add({ kind: "message", fromUserId: "ada", fromUserName: "Ada", id: "m0", text: "kept before history", time: 3 });
  sender.read("c", mine);
  sender.read("c", theirs);
  sender.read("c", old);
  assert.deepEqual(sent, []);
});

test("reactions show here at once, and quick changes go as one frame with the final choice", () => {
  const { sender, sent, time, add, store } = setUp();
  const entry = add({ kind: "message", seq: 1, fromUserId: "ada", fromUserName: "Ada", id: "m1", text: "1", time: 1 });
  sender.react("c", entry, "👍");
  sender.react("c", entry, "🎉");
  sender.react("c", entry, "👍");
  assert.deepEqual(store.find("c", "ada", "m1").reactions, { "🎉": { me: "Me" } });
  assert.deepEqual(sent.map((s) => s.data.emojis), [["👍"]]);
  time.advance(1250);
  assert.deepEqual(sent.map((s) => s.data.emojis), [["👍"], ["🎉"]]);
  assert.deepEqual(sent[1], { event: "react", data: { chatId: "c", seq: 1, emojis: ["🎉"] } });
});

test("a reaction the server refuses is taken back, and the user is told", async () => {
  const { sender, add, store, refused } = setUp({ ack: { success: false, error: { message: "no" } } });
  const entry = add({ kind: "message", seq: 1, fromUserId: "ada", fromUserName: "Ada", id: "m1", text: "1", time: 1 });
  sender.react("c", entry, "👍");
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(store.find("c", "ada", "m1").reactions, undefined);
  assert.deepEqual(refused, ["Reaction"]);
});

test("while sending is paused nothing goes, and a message answers that it was not sent", async () => {
  const { sender, sent, add } = setUp({ online: false });
  const entry = add({ kind: "message", seq: 1, fromUserId: "ada", fromUserName: "Ada", id: "m1", text: "1", time: 1 });
  sender.typing("c", "x");
  sender.read("c", entry);
  sender.react("c", entry, "👍");
  const ack = await sender.message("c", "hello", []);
  assert.equal(ack.success, false);
  assert.deepEqual(sent, []);
});

test("our latest message can be edited once it came back numbered from the server", () => {
  const { sender, add, store } = setUp();
  add({ kind: "message", seq: 1, fromUserId: "me", fromUserName: "Me", id: "old", text: "older", time: 1 });
  add({ kind: "message", seq: 2, fromUserId: "me", fromUserName: "Me", id: "new", text: "newer", time: 2 });
  assert.equal(sender.latestOwn("c").id, "new");
  store.remove("c", "me", "new");
  assert.equal(sender.latestOwn("c").id, "old");
});

test("an edit and a delete name the message by its number", () => {
  const { sender, sent, add } = setUp();
  const mine = add({ kind: "message", seq: 7, fromUserId: "me", fromUserName: "Me", id: "m7", text: "helo", time: 1 });
  sender.edit("c", mine, "hello", ["ada"]);
  sender.remove("c", mine);
  assert.deepEqual(sent, [
    { event: "editMessage", data: { chatId: "c", seq: 7, text: "hello", mentions: ["ada"] } },
    { event: "deleteMessage", data: { chatId: "c", seq: 7 } },
  ]);
});
