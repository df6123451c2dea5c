// Seen by: who has read up to this user's latest message, and how often a reader may say how far they read.
import { test } from "node:test";
import assert from "node:assert/strict";

import { setBlocked } from "../../../client/js/model/blocks.js";
import { createModel } from "../../../client/js/model/directory.js";
import { othersOnline, readInterval, seenBy, seenLabel } from "../../../client/js/model/receipts.js";

const entry = (key, fromUserId, extra = {}) => ({ kind: "message", key, fromUserId, text: "t", time: key, ...extra });

test("seen by: the readers whose mark reached this user's latest message", () => {
  const entries = [entry(1, "me"), entry(2, "ada"), entry(3, "me"), { kind: "notice", key: 4, notice: "joined", time: 4 }];
  assert.deepEqual(seenBy(entries, { ada: 2, grace: 3, alan: 4, me: 3 }, "me"), { key: 3, readers: ["grace", "alan"] });
  assert.deepEqual(seenBy(entries, {}, "me"), { key: 3, readers: [] });
  assert.equal(seenBy([entry(1, "ada")], { ada: 1 }, "me"), null);
});

test("a deleted message is passed over for the one before it", () => {
  const entries = [entry(1, "me"), entry(2, "me", { deleted: true })];
  assert.deepEqual(seenBy(entries, { ada: 1 }, "me"), { key: 1, readers: ["ada"] });
});

test("the label names readers from the server's lists in a group, and says just Seen in a private chat", () => {
  const model = createModel();
  model.me = { userId: "me", userName: "Me" };
  model.users = { ada: { userId: "ada", userName: "Ada" }, grace: { userId: "grace", userName: "Grace" } };
  model.chats.g = { id: "g", name: "G", private: false, members: { zed: { userId: "zed", userName: "Zed" } } };
  model.chats.p = { id: "p", name: "Chat with Ada", private: true, members: {} };
  assert.equal(seenLabel(model, "g", []), "");
  assert.equal(seenLabel(model, "g", ["grace", "ada"]), "Seen by Ada, Grace");
  model.profiles = { x1: { userName: "Xena", userProvider: "guest" }, x2: null }; // fetched by id: a sender the lists do not name, and an unknown id
  assert.equal(seenLabel(model, "g", ["grace", "ada", "zed", "x1", "x2"]), "Seen by Ada, Grace, Unknown user and 2 others");
  assert.equal(seenLabel(model, "p", ["ada"]), "Seen");
});

test("a blocked reader is not named, and alone is not a Seen", () => {
  const model = createModel();
  model.me = { userId: "me", userName: "Me" };
  model.users = { ada: { userId: "ada", userName: "Ada" }, grace: { userId: "grace", userName: "Grace" } };
  model.chats.g = { id: "g", name: "G", private: false, members: {} };
  model.chats.p = { id: "p", name: "Chat with Ada", private: true, members: {} };
  setBlocked(model, ["ada"]);
  assert.equal(seenLabel(model, "g", ["grace", "ada"]), "Seen by Grace");
  assert.equal(seenLabel(model, "p", ["ada"]), "");
});

test("a reader waits 3 s per person online between read frames (6 s in a private chat)", () => {
  assert.equal(readInterval(1), 6000);
  assert.equal(readInterval(2), 6000);
  assert.equal(readInterval(10), 30000);
});

test("only members who are online, other than this user, are there to tell", () => {
  const model = createModel();
  model.me = { userId: "me", userName: "Me" };
  model.users = { me: model.me, ada: { userId: "ada" }, out: { userId: "out" } };
  model.chats.c = { id: "c", members: { me: {}, ada: {}, gone: {} } };
  assert.equal(othersOnline(model, "c"), 1);
  assert.equal(othersOnline(model, "missing"), 0);
});
