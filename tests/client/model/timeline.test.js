// The rows of a chat: day separators, the "new messages" divider, and messages grouped by sender.
import { test } from "node:test";
import assert from "node:assert/strict";

import { GROUP_GAP_MS, timelineRows } from "../../../client/js/model/timeline.js";

const NOW = new Date(2025, 2, 12, 15, 0).getTime();
const MINUTE = 60 * 1000;
let key = 0;
const message = (time, from) => ({ kind: "message", fromUserId: from, text: "t", time, key: ++key });
const notice = (time) => ({ kind: "notice", notice: "joined", userId: "x", userName: "X", time, key: ++key });
const shape = (rows) => rows.map((r) => (r.type === "entry" ? `${r.entry.fromUserId ?? "notice"}${r.grouped ? "+" : ""}` : r.type));

test("consecutive messages from one sender within a few minutes share one name", () => {
  const rows = timelineRows([message(NOW, "ada"), message(NOW + MINUTE, "ada"), message(NOW + 2 * MINUTE, "bob")], { now: NOW });
  assert.deepEqual(shape(rows), ["day", "ada", "ada+", "bob"]);
});

test("a long pause, a notice or another sender starts a new group", () => {
  const rows = timelineRows(
    [message(NOW, "ada"), message(NOW + GROUP_GAP_MS + 1, "ada"), notice(NOW + GROUP_GAP_MS + 2), message(NOW + GROUP_GAP_MS + 3, "ada")],
    { now: NOW },
  );
  assert.deepEqual(shape(rows), ["day", "ada", "ada", "notice", "ada"]);
});

test("each new day gets a separator and starts a new group", () => {
  const yesterday = NOW - 24 * 60 * MINUTE;
  const rows = timelineRows([message(yesterday, "ada"), message(NOW, "ada")], { now: NOW });
  assert.deepEqual(shape(rows), ["day", "ada", "day", "ada"]);
  assert.deepEqual(rows.filter((r) => r.type === "day").map((r) => r.label), ["Yesterday", "Today"]);
});

test("the divider goes before the first message from someone else after the read marker", () => {
  const entries = [message(NOW, "bob"), message(NOW + 1, "me"), notice(NOW + 2), message(NOW + 3, "bob"), message(NOW + 4, "bob")];
  const rows = timelineRows(entries, { dividerAt: NOW, meId: "me", now: NOW });
  assert.deepEqual(shape(rows), ["day", "bob", "me", "notice", "divider", "bob", "bob+"]);
});

test("no divider without a read marker", () => {
  const rows = timelineRows([message(NOW, "bob")], { dividerAt: null, meId: "me", now: NOW });
  assert.equal(rows.some((r) => r.type === "divider"), false);
});

test("every row has a key of its own", () => {
  const rows = timelineRows([message(NOW, "a"), message(NOW + 1, "b")], { dividerAt: 0, meId: "me", now: NOW });
  assert.equal(new Set(rows.map((r) => r.key)).size, rows.length);
});
