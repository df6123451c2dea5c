// The emoji picker's logic: its data, the filter, the arrow keys in its grid, inserting at the caret.
import { test } from "node:test";
import assert from "node:assert/strict";

import { COLUMNS, EMOJI_GROUPS, findEmoji, gridMove, insertAt } from "../../../client/js/model/emoji.js";
import { REACTIONS } from "../../../client/js/model/reactions.js";

const all = EMOJI_GROUPS.flatMap((group) => group.emoji);

test("a curated set: each emoji once, each with a name, in a handful of named groups", () => {
  assert.ok(all.length >= 100 && all.length <= 220, `${all.length} emoji`);
  assert.equal(new Set(all.map((each) => each.emoji)).size, all.length);
  assert.equal(new Set(all.map((each) => each.name)).size, all.length);
  for (const each of all) assert.match(each.name, /^[\w' -]+$/u, each.emoji);
  assert.ok(EMOJI_GROUPS.every((group) => group.name && group.emoji.length));
});

test("every reaction is in the picker too", () => {
  for (const { emoji } of REACTIONS) assert.ok(all.some((each) => each.emoji === emoji), emoji);
});

test("the filter finds names by the start of their words, every word typed, in the groups' order", () => {
  assert.deepEqual(
    findEmoji("hea")
      .map((each) => each.emoji)
      .slice(0, 4),
    ["🥰", "😍", "🤯", "❤️"],
  );
  assert.deepEqual(
    findEmoji("  Thumbs   UP ").map((each) => each.emoji),
    ["👍"],
  );
  assert.ok(findEmoji("eyes").length > 1);
  assert.deepEqual(findEmoji("zzzz-nothing"), []);
  assert.equal(findEmoji("").length, all.length);
});

test("Left and Right walk the whole list and stop at its ends; Home and End jump", () => {
  const sizes = [10, 3];
  assert.equal(gridMove(sizes, 0, "ArrowLeft"), 0);
  assert.equal(gridMove(sizes, 9, "ArrowRight"), 10);
  assert.equal(gridMove(sizes, 12, "ArrowRight"), 12);
  assert.equal(gridMove(sizes, 5, "Home"), 0);
  assert.equal(gridMove(sizes, 5, "End"), 12);
});

test("Up and Down keep the column across rows and groups, or take the last one a short row has", () => {
  const sizes = [10, 3, 8]; // rows: [0-7], [8-9], [10-12], [13-20]
  assert.equal(COLUMNS, 8);
  assert.equal(gridMove(sizes, 1, "ArrowDown"), 9);
  assert.equal(gridMove(sizes, 5, "ArrowDown"), 9);
  assert.equal(gridMove(sizes, 9, "ArrowDown"), 11);
  assert.equal(gridMove(sizes, 12, "ArrowDown"), 15);
  assert.equal(gridMove(sizes, 15, "ArrowUp"), 12);
  assert.equal(gridMove(sizes, 8, "ArrowUp"), 0);
  assert.equal(gridMove(sizes, 3, "ArrowUp"), 3);
  assert.equal(gridMove(sizes, 20, "ArrowDown"), 20);
  assert.equal(gridMove([], 0, "ArrowDown"), 0);
});

test("an emoji goes in place of the selection, and the caret after it", () => {
  assert.deepEqual(insertAt("hi there", 2, 2, "👋"), { text: "hi👋 there", caret: 4 });
  assert.deepEqual(insertAt("hi there", 3, 8, "🎉"), { text: "hi 🎉", caret: 5 });
  assert.deepEqual(insertAt("", 0, 0, "❤️"), { text: "❤️", caret: 2 });
});
