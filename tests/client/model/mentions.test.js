// @mentions: completing a name, finding "@Name" in a message, and telling whether it is about this user.
import { test } from "node:test";
import assert from "node:assert/strict";

import { setBlocked } from "../../../client/js/model/blocks.js";
import { createModel } from "../../../client/js/model/directory.js";
import {
  complete,
  findMentions,
  mentionCandidates,
  mentionedIds,
  mentionQuery,
  mentionsMe,
  suggestions,
  textParts,
} from "../../../client/js/model/mentions.js";

const ada = { userId: "ada", userName: "Ada" };
const lovelace = { userId: "al", userName: "Ada Lovelace" };
const grace = { userId: "grace", userName: "Grace Hopper" };

test("candidates: the chat's members first, then everyone else online, each once, never this user", () => {
  const model = createModel();
  model.me = { userId: "me", userName: "Me" };
  model.users = { me: model.me, grace: { ...grace }, zoe: { userId: "zoe", userName: "Zoe" }, al: { ...lovelace } };
  model.chats.c = { id: "c", members: { me: {}, zoe: { userId: "zoe", userName: "Zoe" }, ada: { userId: "ada", userName: "Ada" } } };
  assert.deepEqual(
    mentionCandidates(model, "c").map((p) => p.userName),
    ["Ada", "Zoe", "Ada Lovelace", "Grace Hopper"],
  );
});

test("someone this user blocks is never offered, as a member or online", () => {
  const model = createModel();
  model.me = { userId: "me", userName: "Me" };
  model.users = { me: model.me, grace: { ...grace }, zoe: { userId: "zoe", userName: "Zoe" } };
  model.chats.c = { id: "c", members: { me: {}, zoe: { userId: "zoe", userName: "Zoe" }, ada: { ...ada } } };
  setBlocked(model, ["zoe", "grace"]);
  assert.deepEqual(mentionCandidates(model, "c").map((p) => p.userName), ["Ada"]);
});

test("the mention being typed runs from an @ to the caret, spaces allowed, not inside a word or across lines", () => {
  assert.deepEqual(mentionQuery("hi @Ad", 6), { start: 3, query: "Ad" });
  assert.deepEqual(mentionQuery("@", 1), { start: 0, query: "" });
  assert.deepEqual(mentionQuery("(@Ada Lo", 8), { start: 1, query: "Ada Lo" });
  assert.equal(mentionQuery("mail ada@example.org", 20), null);
  assert.equal(mentionQuery("@Ada\nx", 6), null);
  assert.equal(mentionQuery("@ x", 3), null);
  assert.equal(mentionQuery("no at", 5), null);
  assert.equal(mentionQuery(`@${"a".repeat(51)}`, 52), null);
});

test("suggestions match the start of a name or of any word of it, ignoring case", () => {
  const people = [ada, lovelace, grace];
  assert.deepEqual(suggestions(people, "ada").map((p) => p.userId), ["ada", "al"]);
  assert.deepEqual(suggestions(people, "hop").map((p) => p.userId), ["grace"]);
  assert.deepEqual(suggestions(people, "ada l").map((p) => p.userId), ["al"]);
  assert.deepEqual(suggestions(people, "").length, 3);
  assert.deepEqual(suggestions(people, "x"), []);
});

test("completing replaces what was typed after the @ with the name and a space", () => {
  const typed = mentionQuery("hi @gra, ok", 7);
  assert.deepEqual(complete("hi @gra, ok", typed, grace), { text: "hi @Grace Hopper , ok", caret: 17 });
});

test("each @ takes the longest name that ends a word there, whatever the case", () => {
  const text = "@ada lovelace and @Ada, not @Adam or me@Ada";
  assert.deepEqual(findMentions(text, [ada, lovelace]), [
    { start: 0, end: 13, userIds: ["al"] },
    { start: 18, end: 22, userIds: ["ada"] },
  ]);
});

test("a message mentions everyone named; among people who share a name, the one picked", () => {
  const sam1 = { userId: "s1", userName: "Sam" };
  const sam2 = { userId: "s2", userName: "Sam" };
  assert.deepEqual(mentionedIds("@Sam and @Grace Hopper", [sam1, sam2, grace]), ["s1", "s2", "grace"]);
  assert.deepEqual(mentionedIds("@Sam", [sam1, sam2], new Set(["s2"])), ["s2"]);
  assert.deepEqual(mentionedIds("no one", [sam1]), []);
});

test("a message mentions me by id; one from an older client (no ids) by @ and my name", () => {
  const me = { userId: "me", userName: "Ada" };
  const message = (text, extra) => ({ kind: "message", text, ...extra });
  assert.equal(mentionsMe(message("hey", { mentions: ["me"] }), me), true);
  assert.equal(mentionsMe(message("@Ada", { mentions: [] }), me), false);
  assert.equal(mentionsMe(message("hi @ada!"), me), true);
  assert.equal(mentionsMe(message("hi Ada"), me), false);
  assert.equal(mentionsMe(message("", { mentions: ["me"], deleted: true }), me), false);
  assert.equal(mentionsMe({ kind: "notice", notice: "joined" }, me), false);
});

test("text parts: mentions (this user's marked) and links, everything else as plain text", () => {
  const parts = textParts("@Ada see www.x.org @Grace Hopper <b>", [ada, grace], "grace");
  assert.deepEqual(parts, [
    { text: "@Ada", mention: true, me: false },
    { text: " see " },
    { text: "www.x.org", href: "https://www.x.org/" },
    { text: " " },
    { text: "@Grace Hopper", mention: true, me: true },
    { text: " <b>" },
  ]);
});
