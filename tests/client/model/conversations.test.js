// Unread counts, the title count, the "new messages" divider and muting, as one browser tab sees them.
import { test } from "node:test";
import assert from "node:assert/strict";

import { setBlocked } from "../../../client/js/model/blocks.js";
import { createModel } from "../../../client/js/model/directory.js";
import {
  activate,
  closeConversation,
  countArrivals,
  openConversation,
  pageShown,
  restoreView,
  setMuted,
  titleCount,
  viewState,
} from "../../../client/js/model/conversations.js";

function model() {
  const m = createModel();
  m.me = { userId: "me", userName: "Me" };
  return m;
}
const message = (time, from = "bob") => ({ kind: "message", fromUserId: from, text: "hi", time });
const notice = (time, kind) => ({ kind: "notice", notice: kind, userId: "bob", userName: "Bob", time });

test("messages to a chat that is not open count as unread and alert", () => {
  const m = model();
  openConversation(m, { id: "a" }, { focus: true });
  openConversation(m, { id: "b" });
  const alerting = countArrivals(m, "b", [message(1), message(2)], { visible: true });
  assert.equal(alerting.length, 2);
  assert.equal(m.conversations.b.unread, 2);
  assert.equal(titleCount(m), 2);
});

test("messages to the open chat on a visible page are read at once", () => {
  const m = model();
  openConversation(m, { id: "a" }, { focus: true });
  assert.deepEqual(countArrivals(m, "a", [message(5)], { visible: true }), []);
  assert.equal(m.conversations.a.unread, 0);
  assert.equal(m.conversations.a.readAt, 5);
});

test("while the page is hidden, the open chat counts too, and coming back shows a divider where reading stopped", () => {
  const m = model();
  openConversation(m, { id: "a" }, { focus: true });
  countArrivals(m, "a", [message(1)], { visible: true });
  countArrivals(m, "a", [message(2), message(3)], { visible: false });
  assert.equal(titleCount(m), 2);
  pageShown(m);
  assert.equal(m.conversations.a.unread, 0);
  assert.equal(m.conversations.a.dividerAt, 1);
  assert.equal(titleCount(m), 0);
});

test("only others' messages count: our own, joins, leaves and an invitation to chat never do (issue 22, bug 4)", () => {
  const m = model();
  openConversation(m, { id: "a" });
  const entries = [message(1, "me"), notice(2, "joined"), notice(3, "left"), notice(4, "wantsToChat"), message(5)];
  const alerting = countArrivals(m, "a", entries, { visible: true });
  assert.deepEqual(alerting.map((e) => e.time), [5]);
  assert.equal(m.conversations.a.unread, 1);
});

test("what a blocked person says never counts or alerts, a mention included", () => {
  const m = model();
  openConversation(m, { id: "a" });
  setBlocked(m, ["bob"]);
  const mention = { ...message(2), mentions: ["me"] };
  const alerting = countArrivals(m, "a", [message(1), mention, message(4, "eve")], { visible: true });
  assert.deepEqual(alerting.map((e) => e.time), [4]);
  assert.equal(m.conversations.a.unread, 1);
  assert.equal(m.conversations.a.mentions, 0);
});

test("opening a chat with unread messages places the divider after what was read, and reads them", () => {
  const m = model();
  openConversation(m, { id: "a" }, { focus: true });
  openConversation(m, { id: "b" });
  countArrivals(m, "b", [message(1)], { visible: true });
  activate(m, "b");
  countArrivals(m, "b", [message(2)], { visible: true });
  activate(m, "a");
  countArrivals(m, "b", [message(3), message(4)], { visible: true });
  activate(m, "b");
  assert.equal(m.conversations.b.dividerAt, 2);
  assert.equal(m.conversations.b.unread, 0);
  activate(m, "a");
  assert.equal(m.conversations.b.dividerAt, null);
});

test("opening a chat with nothing unread shows no divider", () => {
  const m = model();
  openConversation(m, { id: "a" });
  activate(m, "a");
  assert.equal(m.conversations.a.dividerAt, null);
});

test("a muted chat keeps its count but leaves the title alone", () => {
  const m = model();
  openConversation(m, { id: "a" });
  openConversation(m, { id: "b" });
  countArrivals(m, "a", [message(1)], { visible: false });
  countArrivals(m, "b", [message(1), message(2)], { visible: false });
  setMuted(m, "b", true);
  assert.equal(m.conversations.b.unread, 2);
  assert.equal(titleCount(m), 1);
});

test("unread messages that mention this user are counted apart, and in a muted chat they still count in the title", () => {
  const m = model();
  openConversation(m, { id: "a" }, { focus: true });
  openConversation(m, { id: "b" });
  setMuted(m, "b", true);
  const alerting = countArrivals(m, "b", [message(1), { ...message(2), mentions: ["me"] }], { visible: true });
  assert.equal(alerting.length, 2);
  assert.deepEqual([m.conversations.b.unread, m.conversations.b.mentions], [2, 1]);
  assert.equal(titleCount(m), 1);
  countArrivals(m, "a", [{ ...message(3), mentions: ["me"] }], { visible: true }); // read at once
  assert.equal(m.conversations.a.mentions, 0);
  activate(m, "b");
  assert.deepEqual([m.conversations.b.unread, m.conversations.b.mentions, titleCount(m)], [0, 0, 0]);
});

test("closing the open chat leaves none open", () => {
  const m = model();
  openConversation(m, { id: "a" }, { focus: true });
  assert.equal(closeConversation(m, "a"), true);
  assert.equal(m.activeId, null);
  assert.equal(closeConversation(m, "a"), false);
});

test("the open chat and the unread counts survive a reload through the saved view", () => {
  const m = model();
  openConversation(m, { id: "a" }, { focus: true });
  openConversation(m, { id: "b" });
  countArrivals(m, "b", [message(7), { ...message(8), mentions: ["me"] }], { visible: true });
  const saved = JSON.parse(JSON.stringify(viewState(m)));

  const reloaded = model();
  const b = openConversation(reloaded, { id: "b" });
  restoreView(b, saved);
  assert.equal(saved.activeId, "a");
  assert.deepEqual([b.unread, b.mentions, b.readAt], [2, 1, 0]);
  restoreView(b, { chats: { b: { unread: "lots", mentions: -1, readAt: null } } });
  assert.deepEqual([b.unread, b.mentions, b.readAt], [2, 1, 0]);
});
