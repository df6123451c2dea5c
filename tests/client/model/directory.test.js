// The sidebar's lists: a stable chat order, duplicate names found, private chats named for the other person.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  addMember,
  chatNamed,
  createModel,
  groupChats,
  knownName,
  matches,
  mergedMembers,
  nameOf,
  peerHasLeft,
  peerOf,
  privateChatId,
  senderName,
  providerOf,
  sortedUsers,
  titleOf,
} from "../../../client/js/model/directory.js";

function model() {
  const m = createModel();
  m.me = { userId: "me", userName: "Me", userProvider: "guest" };
  return m;
}

test("group chats sort by name whatever order they arrived in, with the id breaking ties", () => {
  const m = model();
  m.chats = {
    c: { id: "c", name: "beta" },
    a: { id: "a", name: "Alpha 10" },
    b: { id: "b", name: "Alpha 9" },
    d: { id: "d", name: "beta" },
    p: { id: "private_me_x", name: "Chat with X", private: true },
  };
  assert.deepEqual(
    groupChats(m).map((c) => c.id),
    ["b", "a", "c", "d"],
  );
});

test("a chat just announced (no server timestamp yet) sorts where it will be after a reload", () => {
  const m = model();
  m.chats = { old: { id: "old", name: "Zebra", timestamp: "2025-01-01T00:00:00Z" }, fresh: { id: "fresh", name: "Aardvark" } };
  const before = groupChats(m).map((c) => c.id);
  m.chats.fresh.timestamp = "2025-06-01T00:00:00Z";
  assert.deepEqual(groupChats(m).map((c) => c.id), before);
  assert.deepEqual(before, ["fresh", "old"]);
});

test("a chat with the same name is found whatever the case and spacing", () => {
  const m = model();
  m.chats = { a: { id: "a", name: "Lobby" }, p: { id: "private_me_x", name: "lobby", private: true } };
  assert.equal(chatNamed(m, "  LOBBY ")?.id, "a");
  assert.equal(chatNamed(m, "Lobby 2"), null);
  assert.equal(chatNamed(m, "   "), null);
});

test("the user themself comes first, then everyone by name", () => {
  const m = model();
  m.users = {
    z: { userId: "z", userName: "Zed" },
    me: { userId: "me", userName: "Me" },
    a: { userId: "a", userName: "amy" },
  };
  assert.deepEqual(sortedUsers(m).map((u) => u.userId), ["me", "a", "z"]);
});

test("a private chat's id names both users, lower id first, and gives back the other one", () => {
  assert.equal(privateChatId("bob", "ada"), "private_ada_bob");
  assert.equal(peerOf("private_ada_bob", "bob"), "ada");
  assert.equal(peerOf("private_ada_bob", "eve"), null);
  assert.equal(peerOf("lobby", "ada"), null);
});

test("a private chat is titled with the other person's name, from the server", () => {
  const m = model();
  const chat = { id: "private_me_x", name: "Chat with Xavier", private: true, members: {} };
  m.chats[chat.id] = chat;
  assert.equal(titleOf(m, chat), "Xavier");
  m.users.x = { userId: "x", userName: "Xavier Renamed" };
  assert.equal(titleOf(m, chat), "Xavier Renamed");
  assert.equal(titleOf(m, { id: "g", name: "Group" }), "Group");
});

test("a sender's name comes from the server's lists, never from the message", () => {
  const m = model();
  m.users.a = { userId: "a", userName: "Ada" };
  m.chats.c = { id: "c", name: "C", members: { b: { userId: "b", userName: "Bob" } } };
  assert.equal(nameOf(m, "a", "c"), "Ada");
  assert.equal(nameOf(m, "b", "c"), "Bob");
  assert.equal(nameOf(m, "unknown", "c"), "…"); // until the server answers who they are
});

test("a sender the lists do not name is named from their profile, or as unknown when the server knows no such id", () => {
  const m = model();
  m.profiles = { x: { userName: "Xena", userProvider: "github" }, gone: null };
  assert.equal(knownName(m, "x"), "Xena");
  assert.equal(nameOf(m, "x"), "Xena");
  assert.equal(knownName(m, "gone"), null);
  assert.equal(nameOf(m, "gone"), "Unknown user");
  assert.equal(providerOf(m, "x"), "github");
  assert.equal(knownName(m, "never-asked"), null);
});

test("a message is named by the server's name for its sender now, else the one kept with it, never a placeholder over a kept name", () => {
  const m = model();
  const entry = { kind: "message", fromUserId: "a", fromUserName: "Ada (kept)", text: "hi" };
  assert.equal(senderName(m, entry, "c"), "Ada (kept)");
  m.users.a = { userId: "a", userName: "Ada" };
  assert.equal(senderName(m, entry, "c"), "Ada");
  assert.equal(senderName(m, { ...entry, fromUserId: "b", fromUserName: null }, "c"), "…");
});

test("members fetched while people joined and left here keep those changes, and take the server's word on everyone else", () => {
  const before = { me: { userId: "me" }, ada: { userId: "ada" }, bob: { userId: "bob" } };
  const now = { me: { userId: "me" }, bob: { userId: "bob" }, cy: { userId: "cy", userName: "Cy" } }; // ada left, cy joined meanwhile
  const fetched = { me: { userId: "me" }, ada: { userId: "ada" }, dee: { userId: "dee", userName: "Dee" } }; // bob had left before
  assert.deepEqual(Object.keys(mergedMembers(before, now, fetched)).sort(), ["cy", "dee", "me"]);
  assert.equal(mergedMembers(before, now, fetched).dee.userName, "Dee");
});

test("a user's sign-in provider comes from the server's lists, and is unknown when they do not say", () => {
  const m = model();
  m.users.a = { userId: "a", userName: "Ada", userProvider: "github" };
  m.chats.c = { id: "c", name: "C", members: { b: { userId: "b", userName: "Bob", userProvider: "aad" }, g: { userId: "g", userName: "Gus" } } };
  assert.equal(providerOf(m, "a", "c"), "github");
  assert.equal(providerOf(m, "b", "c"), "aad");
  assert.equal(providerOf(m, "g", "c"), null);
  assert.equal(providerOf(m, "unknown", "c"), null);
  addMember(m, "c", "b", "Bob"); // a notice names them again: what the lists said stays
  assert.equal(providerOf(m, "b", "c"), "aad");
});

test("the other person has left a private chat when the server no longer lists them", () => {
  const m = model();
  m.chats.private_me_x = { id: "private_me_x", private: true, members: { me: {}, x: {} } };
  assert.equal(peerHasLeft(m, "private_me_x"), false);
  delete m.chats.private_me_x.members.x;
  assert.equal(peerHasLeft(m, "private_me_x"), true);
});

test("a filter matches part of a name, ignoring case; an empty filter matches everything", () => {
  assert.equal(matches("Analytical Engine", "ENGINE"), true);
  assert.equal(matches("Analytical Engine", "compiler"), false);
  assert.equal(matches("anything", "  "), true);
});
