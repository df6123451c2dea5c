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
