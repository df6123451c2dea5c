// The message store: entries join their chat's list once per flush, keep the last N, and survive a reload.
import { test, mock } from "node:test";
import assert from "node:assert/strict";

import { createMessageStore, lastTime } from "../../../client/js/model/message-store.js";
import { MemoryStorage, manualSchedule } from "./fakes.js";

const message = (text, time = 1) => ({ kind: "message", fromUserId: "u", fromUserName: "U", text, time });

function store(options = {}) {
  const schedule = manualSchedule();
  const storage = options.storage ?? new MemoryStorage();
  const flushed = [];
  const made = createMessageStore({ storage, schedule, onFlushed: (id, entries) => flushed.push([id, entries.length]), ...options });
  return { made, schedule, storage, flushed };
}

test("entries join the list at the next flush, all at once, and the flush says what arrived", () => {
  const { made, schedule, flushed } = store();
  made.add("a", message("one"));
  made.add("a", message("two"));
  made.add("b", message("three"));
  assert.equal(made.listOf("a").length, 0);
  schedule.run();
  assert.deepEqual(made.listOf("a").map((e) => e.text), ["one", "two"]);
  assert.deepEqual(flushed, [["a", 2], ["b", 1]]);
});

test("entries get unique keys and cannot be changed in place", () => {
  const { made, schedule } = store();
  made.add("a", message("one"));
  made.add("a", message("two"));
  schedule.run();
  const [first, second] = made.listOf("a");
  assert.notEqual(first.key, second.key);
  assert.equal(Object.isFrozen(first), true);
});

test("a list keeps only the newest entries up to its limit", () => {
  const { made, schedule } = store({ limit: 3 });
  for (let i = 0; i < 5; i++) made.add("a", message(String(i), i));
  schedule.run();
  assert.deepEqual(made.listOf("a").map((e) => e.text), ["2", "3", "4"]);
  assert.equal(lastTime(made.listOf("a")), 4);
});

test("history is written after a delay, once however many entries came, and a new store reads it back", () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    const storage = new MemoryStorage();
    const { made, schedule } = store({ storage, saveDelayMs: 300 });
    made.add("a", message("kept"));
    schedule.run();
    assert.equal(storage.getItem("chatr.history.a"), null);
    mock.timers.tick(300);
    const saved = JSON.parse(storage.getItem("chatr.history.a"));
    assert.deepEqual(saved, [{ kind: "message", fromUserId: "u", fromUserName: "U", text: "kept", time: 1 }]);
    const again = store({ storage }).made;
    assert.deepEqual(again.listOf("a").map((e) => e.text), ["kept"]);
  } finally {
    mock.timers.reset();
  }
});

test("saveNow shows and writes what is waiting at once (the page is being left)", () => {
  const { made, storage } = store();
  made.add("a", message("last words"));
  made.saveNow();
  assert.deepEqual(made.listOf("a").map((e) => e.text), ["last words"]);
  assert.equal(JSON.parse(storage.getItem("chatr.history.a"))[0].text, "last words");
});

test("stored entries that are not well-formed entries are dropped on load", () => {
  const storage = new MemoryStorage({
    "chatr.history.a": JSON.stringify([
      message("good"),
      { kind: "message", text: 5, fromUserId: "u", time: 1 },
      { kind: "script", time: 1 },
      { kind: "notice", notice: "joined", userName: "X", time: 2 },
      null,
    ]),
    "chatr.history.b": "not json",
  });
  const { made } = store({ storage });
  assert.deepEqual(made.listOf("a").map((e) => e.kind), ["message", "notice"]);
  assert.deepEqual(made.listOf("b"), []);
});

test("forgetting a chat drops its entries and its stored history, including what had not been shown yet", () => {
  const { made, schedule, storage } = store();
  made.add("a", message("one"));
  made.saveNow();
  made.add("a", message("two"));
  made.forget("a");
  schedule.run();
  assert.equal(storage.getItem("chatr.history.a"), null);
  assert.deepEqual(made.listOf("a"), []);
});

test("clearing removes every stored history and nothing else", () => {
  const { made, storage } = store({ storage: new MemoryStorage({ chatrGuest: "credential" }) });
  made.add("a", message("one"));
  made.add("b", message("two"));
  made.saveNow();
  made.clear();
  assert.deepEqual([...storage.items.keys()], ["chatrGuest"]);
});

test("a storage that refuses writes never breaks chatting", () => {
  const storage = new MemoryStorage();
  storage.setItem = () => {
    throw new Error("quota exceeded");
  };
  const warn = mock.method(console, "warn", () => {});
  try {
    const { made } = store({ storage });
    made.add("a", message("still shown"));
    made.saveNow();
    assert.deepEqual(made.listOf("a").map((e) => e.text), ["still shown"]);
    assert.equal(warn.mock.callCount(), 1);
  } finally {
    warn.mock.restore();
  }
});

// ---- changes to a message, found by its sender and id ----------------------------------------

const sent = (fromUserId, id, text, extra = {}) => ({ kind: "message", fromUserId, fromUserName: fromUserId, id, text, time: 1, ...extra });

function withMessages(...entries) {
  const made = store();
  for (const entry of entries) made.made.add("c", entry);
  made.schedule.run();
  return made;
}

test("an edit applies to the message its sender sent with that id, keeps its key and marks it edited", () => {
  const { made } = withMessages(sent("ada", "m1", "helo"), sent("bob", "m1", "bob's own"));
  const key = made.find("c", "ada", "m1").key;
  assert.equal(made.edit("c", "ada", "m1", { text: "hello", mentions: ["bob"] }), true);
  const [edited, other] = made.listOf("c");
  assert.deepEqual([edited.text, edited.edited, edited.mentions, edited.key], ["hello", true, ["bob"], key]);
  assert.equal(other.text, "bob's own");
  assert.equal(Object.isFrozen(edited), true);
});

test("an edit filed under someone else, or for an id nobody used, changes nothing", () => {
  const { made } = withMessages(sent("ada", "m1", "mine"));
  assert.equal(made.edit("c", "mallory", "m1", { text: "hijacked" }), false);
  assert.equal(made.edit("c", "ada", "m2", { text: "hijacked" }), false);
  assert.equal(made.edit("other", "ada", "m1", { text: "hijacked" }), false);
  assert.equal(made.listOf("c")[0].text, "mine");
});

test("a message is found before it is shown, so an edit right behind it is not lost", () => {
  const { made, schedule } = store();
  made.add("c", sent("ada", "m1", "typo"));
  assert.equal(made.edit("c", "ada", "m1", { text: "fixed" }), true);
  schedule.run();
  assert.equal(made.listOf("c")[0].text, "fixed");
});

test("a delete empties the message, drops its reactions and mentions, and nothing changes it afterwards", () => {
  const { made } = withMessages(sent("ada", "m1", "oops", { mentions: ["bob"], reactions: { "👍": { bob: "Bob" } } }));
  assert.equal(made.remove("c", "bob", "m1"), false);
  assert.equal(made.remove("c", "ada", "m1"), true);
  const gone = made.listOf("c")[0];
  assert.deepEqual([gone.text, gone.deleted, gone.reactions, gone.mentions], ["", true, undefined, undefined]);
  assert.equal(made.edit("c", "ada", "m1", { text: "back" }), false);
  assert.equal(made.react("c", "ada", "m1", { userId: "bob", userName: "Bob", emojis: ["👍"] }), false);
  assert.equal(made.remove("c", "ada", "m1"), false);
});

test("a reaction frame sets its sender's whole choice on a message; other people's reactions stay", () => {
  const { made } = withMessages(sent("ada", "m1", "cake?"));
  made.react("c", "ada", "m1", { userId: "bob", userName: "Bob", emojis: ["👍", "🎉"] });
  made.react("c", "ada", "m1", { userId: "grace", userName: "Grace", emojis: ["👍"] });
  assert.deepEqual(made.listOf("c")[0].reactions, { "👍": { bob: "Bob", grace: "Grace" }, "🎉": { bob: "Bob" } });
  made.react("c", "ada", "m1", { userId: "bob", userName: "Bob", emojis: [] });
  assert.deepEqual(made.listOf("c")[0].reactions, { "👍": { grace: "Grace" } });
  made.react("c", "ada", "m1", { userId: "grace", userName: "Grace", emojis: [] });
  assert.equal("reactions" in made.listOf("c")[0], false);
});

test("a reaction reaches only the message of the author and id it names", () => {
  const { made } = withMessages(sent("ada", "m1", "one"), sent("bob", "m1", "two"));
  assert.equal(made.react("c", "zed", "m1", { userId: "bob", userName: "Bob", emojis: ["👍"] }), false);
  made.react("c", "bob", "m1", { userId: "ada", userName: "Ada", emojis: ["😂"] });
  assert.deepEqual(made.listOf("c").map((e) => e.reactions), [undefined, { "😂": { ada: "Ada" } }]);
});

test("a sender's second message with an id they already used is not added", () => {
  const { made, schedule } = store();
  assert.equal(made.add("c", sent("ada", "m1", "first")), true);
  assert.equal(made.add("c", sent("ada", "m1", "replayed")), false);
  assert.equal(made.add("c", sent("bob", "m1", "another sender may use it")), true);
  schedule.run();
  assert.deepEqual(made.listOf("c").map((e) => e.text), ["first", "another sender may use it"]);
});

test("a read mark moves its reader forward to the message it names, never back", () => {
  const { made } = withMessages(sent("ada", "m1", "one"), sent("ada", "m2", "two"));
  const [one, two] = made.listOf("c");
  assert.equal(made.markRead("c", "bob", "ada", "m2"), true);
  assert.equal(made.marksOf("c").bob, two.key);
  made.markRead("c", "bob", "ada", "m1");
  assert.equal(made.marksOf("c").bob, two.key);
  assert.equal(made.markRead("c", "bob", "ada", "unknown"), false);
  assert.equal(made.markRead("c", "bob", "mallory", "m2"), false);
  assert.ok(one.key < two.key);
});

test("whoever sends a message has read up to it", () => {
  const { made } = withMessages(sent("ada", "m1", "one"), sent("bob", "m2", "reply"));
  const [, reply] = made.listOf("c");
  assert.deepEqual({ ...made.marksOf("c") }, { ada: made.listOf("c")[0].key, bob: reply.key });
});

test("edits, deletes and reactions are written to storage, and read marks are not", () => {
  const { made, storage } = withMessages(sent("ada", "m1", "one"), sent("ada", "m2", "two"));
  made.edit("c", "ada", "m1", { text: "uno" });
  made.remove("c", "ada", "m2");
  made.react("c", "ada", "m1", { userId: "bob", userName: "Bob", emojis: ["❤️"] });
  made.markRead("c", "bob", "ada", "m1");
  made.saveNow();
  const again = store({ storage }).made;
  const [one, two] = again.listOf("c");
  assert.deepEqual([one.text, one.edited, one.reactions], ["uno", true, { "❤️": { bob: "Bob" } }]);
  assert.deepEqual([two.text, two.deleted], ["", true]);
  assert.deepEqual({ ...again.marksOf("c") }, {});
});

test("malformed parts of a stored message are dropped, the message kept", () => {
  const storage = new MemoryStorage({
    "chatr.history.c": JSON.stringify([
      sent("ada", 5, "kept", { mentions: "bob", edited: "yes", reactions: { "👍": { bob: 1, grace: "Grace" }, "💩": { bob: "Bob" } } }),
    ]),
  });
  const [entry] = store({ storage }).made.listOf("c");
  assert.deepEqual([entry.text, entry.id, entry.mentions, entry.edited], ["kept", undefined, undefined, undefined]);
  assert.deepEqual(entry.reactions, { "👍": { grace: "Grace" } });
});

test("forgetting a chat forgets its read marks", () => {
  const { made } = withMessages(sent("ada", "m1", "one"));
  made.forget("c");
  assert.deepEqual({ ...made.marksOf("c") }, {});
});

const numbered = (seq, text = `m${seq}`) => ({ kind: "message", seq, fromUserId: "u", fromUserName: "U", id: `id${seq}`, text, time: seq });

test("numbered messages are listed in number order, whatever order they arrive in", () => {
  const { made, schedule } = store();
  for (const seq of [1, 4, 2]) made.add("a", numbered(seq));
  schedule.run();
  made.add("a", numbered(3));
  schedule.run();
  assert.deepEqual(made.listOf("a").map((e) => e.seq), [1, 2, 3, 4]);
  assert.deepEqual([made.firstSeq("a"), made.lastSeq("a"), made.findSeq("a", 3).text], [1, 4, "m3"]);
});

test("older pages go before the list, are kept past the limit while open, and only the newest are saved", () => {
  const { made, schedule, storage } = store({ limit: 2 });
  made.add("a", numbered(3));
  made.add("a", numbered(4));
  schedule.run();
  assert.equal(made.prepend("a", [numbered(1), numbered(2), numbered(3)]), 2);
  made.add("a", numbered(5));
  made.saveNow();
  assert.deepEqual(made.listOf("a").map((e) => e.seq), [2, 3, 4, 5]); // the limit plus the two loaded
  assert.deepEqual(JSON.parse(storage.getItem("chatr.history.a")).map((e) => e.seq), [4, 5]);
});
