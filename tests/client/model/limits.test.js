// A box near its limit shows a counter; over it, it says by how much and keeps the text.
import { test } from "node:test";
import assert from "node:assert/strict";

import { MESSAGE_MAX, lengthOf, limitStatus } from "../../../client/js/model/limits.js";

test("lengths count code points as the server does, so an emoji is one character", () => {
  assert.equal(lengthOf("héllo"), 5);
  assert.equal(lengthOf("👍🏽"), 2);
  assert.equal(lengthOf("a👍"), 2);
});

test("the counter stays hidden well below the limit", () => {
  const status = limitStatus("hello", MESSAGE_MAX);
  assert.equal(status.showCounter, false);
  assert.equal(status.problem, "");
});

test("the counter shows near the limit, before anything is too long", () => {
  const status = limitStatus("x".repeat(1850), MESSAGE_MAX);
  assert.deepEqual([status.showCounter, status.length, status.over, status.problem], [true, 1850, 0, ""]);
});

test("over the limit the status says by how much, naming what is too long", () => {
  assert.equal(limitStatus("x".repeat(2003), MESSAGE_MAX).problem, "The message is 3 characters too long (at most 2000).");
  assert.equal(limitStatus("x".repeat(51), 50, "name").problem, "The name is 1 character too long (at most 50).");
});
