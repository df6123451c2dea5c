// What each server event does to the model, and what it asks of the app.
import { test } from "node:test";
import assert from "node:assert/strict";

import { createModel } from "../../../client/js/model/directory.js";
import { openConversation } from "../../../client/js/model/conversations.js";
import { applyServerEvent, asServerFrame } from "../../../client/js/model/server-events.js";

function setUp({ quiet = false, created = [] } = {}) {
  const model = createModel();
  model.me = { userId: "me", userName: "Me", userProvider: "guest" };
  const calls = [];
  const pending = new Set(created);
  const ctx = {
    quiet,
    visible: true,
    toast: (text, type) => !quiet && calls.push(["toast", text, type]),
    announce: () => calls.push(["announce"]),
    confirmed: () => calls.push(["confirmed"]),
    createdHere: (id) => pending.delete(id),
    join: (chat) => calls.push(["join", chat.id]),
    closed: (id) => calls.push(["closed", id]),
    privateChatReady: (chat) => calls.push(["privateChatReady", chat.id]),
    serverError: (data) => calls.push(["serverError", data]),
    blocksChanged: (added, removed) => calls.push(["blocksChanged", added, removed]),
  };
  const apply = (chatEvent, data) => applyServerEvent(model, { chatEvent, data }, ctx);
  return { model, calls, apply };
}

test("a user coming online is listed, idle state included, with no toast", () => {
  const { model, calls, apply } = setUp();
  apply("userOnline", JSON.stringify({ userId: "ada", userName: "Ada", userProvider: "github", idle: true }));
  assert.deepEqual(model.users.ada, { userId: "ada", userName: "Ada", userProvider: "github", idle: true });
  assert.deepEqual(calls, []);
});

test("the server announcing us confirms this connection (its groups are restored), except when replayed", () => {
  const live = setUp();
  live.apply("userOnline", JSON.stringify({ userId: "me", userName: "Me", userProvider: "guest", idle: false }));
  assert.deepEqual(live.calls, [["confirmed"]]);
  const replayed = setUp({ quiet: true });
  replayed.apply("userOnline", { userId: "me", userName: "Me" });
  assert.deepEqual(replayed.calls, []);
});

test("a user going offline is removed; the server forgetting us makes us announce ourselves again", () => {
  const { model, calls, apply } = setUp();
  model.users.ada = { userId: "ada" };
  model.users.me = { userId: "me" };
  apply("userOffline", "ada");
  apply("userOffline", "me");
  assert.deepEqual(Object.keys(model.users), ["me"]);
  assert.deepEqual(calls, [["announce"]]);
});

test("idle and back only change the user's state: no toasts to everyone", () => {
  const { model, calls, apply } = setUp();
  model.users.ada = { userId: "ada", idle: false };
  apply("userIsIdle", "ada");
  assert.equal(model.users.ada.idle, true);
  apply("userNotIdle", "ada");
  assert.equal(model.users.ada.idle, false);
  apply("userIsIdle", "nobody");
  assert.deepEqual(calls, []);
});

test("a new chat is listed, and joined when this tab created it", () => {
  const { model, calls, apply } = setUp({ created: ["mine"] });
  apply("chatCreated", JSON.stringify({ id: "other", name: "Theirs", members: {}, owner: "ada" }));
  apply("chatCreated", { id: "mine", name: "Mine", members: {}, owner: "me" });
  assert.deepEqual(Object.keys(model.chats), ["other", "mine"]);
  assert.deepEqual(calls, [["join", "mine"]]);
});

test("a deleted chat disappears, and members who had it open are told which chat it was", () => {
  const { model, calls, apply } = setUp();
  model.chats.c = { id: "c", name: "Doomed", owner: "ada" };
  openConversation(model, model.chats.c, { focus: true });
  apply("chatDeleted", "c");
  assert.equal(model.chats.c, undefined);
  assert.equal(model.activeId, null);
  assert.deepEqual(calls, [["closed", "c"], ["toast", "💥 Chat “Doomed” was deleted by its owner", "danger"]]);
});

test("the owner deleting their own chat gets no toast, and nobody outside the chat does", () => {
  const { model, calls, apply } = setUp();
  model.chats.mine = { id: "mine", name: "Mine", owner: "me" };
  model.chats.theirs = { id: "theirs", name: "Theirs", owner: "ada" };
  openConversation(model, model.chats.mine);
  apply("chatDeleted", "mine");
  apply("chatDeleted", "theirs");
  assert.deepEqual(calls, [["closed", "mine"]]);
});

test("a private chat started by someone else opens in the background with a toast", () => {
  const { model, calls, apply } = setUp();
  model.users.ada = { userId: "ada", userName: "Ada" };
  openConversation(model, { id: "lobby" }, { focus: true });
  apply("joinPrivateChat", JSON.stringify({ id: "private_ada_me", name: "Chat with Ada", grabFocus: false }));
  assert.equal(model.activeId, "lobby");
  assert.ok(model.conversations.private_ada_me);
  assert.deepEqual(Object.keys(model.chats.private_ada_me.members).sort(), ["ada", "me"]);
  assert.deepEqual(calls, [
    ["toast", "💬 Incoming: Chat with Ada", "warning"],
    ["privateChatReady", "private_ada_me"],
  ]);
});

test("a private chat we started opens in front, without a toast", () => {
  const { model, calls, apply } = setUp();
  apply("joinPrivateChat", { id: "private_ada_me", name: "Chat with Ada", grabFocus: true });
  assert.equal(model.activeId, "private_ada_me");
  assert.deepEqual(calls, [["privateChatReady", "private_ada_me"]]);
});

test("replayed on top of a fresh snapshot, events change the model but never toast or move focus", () => {
  const { model, calls, apply } = setUp({ quiet: true });
  openConversation(model, { id: "lobby" }, { focus: true });
  apply("joinPrivateChat", { id: "private_ada_me", name: "Chat with Ada", grabFocus: true });
  apply("error", { event: "joinChat", message: "no" });
  assert.equal(model.activeId, "lobby");
  assert.deepEqual(calls, [["privateChatReady", "private_ada_me"]]);
});

test("a refusal from the server is handed to the app to undo what it did", () => {
  const { calls, apply } = setUp();
  apply("error", { event: "joinChat", message: "That chat does not exist", chatId: "c" });
  assert.deepEqual(calls, [["serverError", { event: "joinChat", message: "That chat does not exist", chatId: "c" }]]);
});

test("the block list replaces the one before, and the app hears who was blocked and unblocked", () => {
  const { model, calls, apply } = setUp();
  apply("blockList", { blocked: ["ada", "bob"] });
  apply("blockList", { blocked: ["bob"] });
  apply("blockList", { blocked: ["bob"] });
  assert.deepEqual(model.blocked, { bob: true });
  assert.deepEqual(calls, [
    ["blocksChanged", ["ada", "bob"], []],
    ["blocksChanged", [], ["ada"]],
  ]);
});

test("a replayed block list changes the model without a word; a malformed one changes nothing", () => {
  const { model, calls, apply } = setUp({ quiet: true });
  apply("blockList", JSON.stringify({ blocked: ["ada"] }));
  apply("blockList", { blocked: "ada" });
  apply("blockList", null);
  assert.deepEqual(model.blocked, { ada: true });
  assert.deepEqual(calls, []);
});

test("unknown events and malformed payloads change nothing", () => {
  const { model, calls, apply } = setUp();
  assert.equal(apply("somethingNew", {}), false);
  assert.equal(apply("constructor", {}), false);
  apply("userOnline", { userName: "no id" });
  apply("chatCreated", { id: "x" });
  assert.deepEqual([model.users, model.chats, calls], [{}, {}, []]);
  assert.throws(() => apply("userOnline", "{not json"), SyntaxError);
});

test("contacts gained who are online join the people list, contacts lost leave it (never this user)", () => {
  const { model, calls, apply } = setUp();
  model.users.me = { userId: "me" };
  model.users.alan = { userId: "alan" };
  apply("contacts", {
    added: {
      ada: { userId: "ada", userName: "<b>Ada</b>", userProvider: "github", idle: true, online: true },
      bob: { userId: "bob", userName: "Bob", userProvider: "guest", idle: false, online: false },
      eve: { userId: "mallory", userName: "Eve", online: true },
    },
    removed: [],
  });
  assert.deepEqual(model.users.ada, { userId: "ada", userName: "<b>Ada</b>", userProvider: "github", idle: true });
  assert.deepEqual(Object.keys(model.users).sort(), ["ada", "alan", "me"]);
  apply("contacts", { added: {}, removed: ["alan", "me"] });
  assert.deepEqual(Object.keys(model.users).sort(), ["ada", "me"]);
  apply("contacts", { added: "nonsense", removed: "nonsense" });
  assert.deepEqual(calls, []);
});

test("a group message with no sender carrying a chatEvent is the server's; a member's frame or a notice is not", () => {
  const presence = { type: "message", from: "group", group: "chatr.watch.ada", fromUserId: null, dataType: "json", data: { chatEvent: "userIsIdle", data: "ada" } };
  assert.deepEqual(asServerFrame(presence), { type: "message", from: "server", dataType: "json", data: presence.data });
  const forged = { ...presence, group: "room", fromUserId: "mallory" };
  assert.equal(asServerFrame(forged), forged);
  const notice = { type: "message", from: "group", group: "room", fromUserId: null, data: { notice: "joined", userId: "ada" } };
  assert.equal(asServerFrame(notice), notice);
  assert.equal(asServerFrame(null), null);
});

test("the server's numbered entries, typing and read marks to a chat's group stay group frames", () => {
  const frames = [
    { entry: { chatId: "room", seq: 1, kind: "message", fromUserId: "ada", text: "hi" } },
    { typing: { chatId: "room", userId: "ada", ttl: 5 } },
    { read: { chatId: "room", userId: "ada", seq: 1 } },
  ].map((data) => ({ type: "message", from: "group", group: "room", fromUserId: null, dataType: "json", data }));
  for (const frame of frames) assert.equal(asServerFrame(frame), frame);
});

test("a chat this user joined in another tab becomes known here; one known already is kept as it is", () => {
  const { model, calls, apply } = setUp();
  apply("chatJoined", JSON.stringify({ id: "c1", name: "<b>Room</b>", members: {}, owner: "ada" }));
  assert.deepEqual(model.chats.c1, { id: "c1", name: "<b>Room</b>", owner: "ada", private: false, members: {} });
  model.chats.c1.members = { me: { userId: "me" } };
  apply("chatJoined", { id: "c1", name: "Renamed", owner: "ada" });
  assert.equal(model.chats.c1.name, "<b>Room</b>");
  assert.deepEqual(calls, []);
});
