// The server's refusals in words: rate limits say when to try again, caps say what to undo, and a
// connection closed with a reason says whether to reconnect.
import { test } from "node:test";
import assert from "node:assert/strict";

import { LOGGED_OUT, afterClose, refusalText } from "../../../client/js/model/refusals.js";

test("a rate-limited event says when to try again, from retryAfter", () => {
  const text = refusalText({ event: "createChat", message: "You are creating chats too often", code: "rateLimited", retryAfter: 5.2 });
  assert.equal(text, "You are creating chats too often: try again in 6 s");
});

test("a rate-limit message that already says when to try again is not told twice", () => {
  const message = "You are doing that too often (creating or deleting chats): try again in 6 s";
  assert.equal(refusalText({ event: "createChat", message, code: "rateLimited", retryAfter: 6 }), message);
});

test("a reached cap is shown as the server wrote it, and a missing retryAfter adds nothing", () => {
  const message = "You own 20 group chats, the most at once: delete one first";
  assert.equal(refusalText({ event: "createChat", message, code: "limitReached", retryAfter: null }), message);
  assert.equal(refusalText({ event: "joinChat", message: "Slow down", code: "rateLimited", retryAfter: null }), "Slow down");
});

test("an error reply without a message names the event that was refused", () => {
  assert.equal(refusalText({ event: "deleteChat" }), "The server refused deleteChat");
  assert.equal(refusalText({ event: "deleteChat", message: "   " }), "The server refused deleteChat");
});

test("a connection closed because the guest logged out elsewhere is not reconnected", () => {
  assert.deepEqual(afterClose(LOGGED_OUT), { loggedOut: true });
});

test("a connection closed with a wait reconnects after that wait, and any other reason reconnects as usual", () => {
  assert.deepEqual(afterClose("You are doing that too often (opening connections): try again in 9 s"), { waitSeconds: 9 });
  assert.deepEqual(afterClose("You have the most Chatr tabs or windows open at once (at most 10): close one to open another"), {});
  assert.deepEqual(afterClose(""), {});
  assert.deepEqual(afterClose(undefined), {});
});
