// Paged lists: every page is fetched, following `next` until it is null, and merged into one.
import { test } from "node:test";
import assert from "node:assert/strict";

import { allPages } from "../../../client/js/services/api.js";

/** Pages as the server answers them, keyed by the `after` that asks for each (null: the first). */
function server(pages) {
  const asked = [];
  const fetchPage = async (after) => {
    asked.push(after);
    return pages[after ?? ""];
  };
  return { asked, fetchPage };
}

test("pages are followed through next until it is null, and merged", async () => {
  const { asked, fetchPage } = server({
    "": { chats: { a: { id: "a" }, b: { id: "b" } }, next: "b" },
    b: { chats: { c: { id: "c" } }, next: "c" },
    c: { chats: { d: { id: "d" } }, next: null },
  });
  const chats = await allPages(fetchPage, "chats");
  assert.deepEqual(Object.keys(chats).sort(), ["a", "b", "c", "d"]);
  assert.deepEqual(asked, [null, "b", "c"]);
});

test("a chat the first page repeats from a later page is listed once", async () => {
  const { fetchPage } = server({
    "": { chats: { a: { id: "a" }, mine: { id: "mine", members: { me: {} } } }, next: "a" },
    a: { chats: { mine: { id: "mine", members: { me: {}, ada: {} } } }, next: null },
  });
  const chats = await allPages(fetchPage, "chats");
  assert.deepEqual(Object.keys(chats).sort(), ["a", "mine"]);
  assert.deepEqual(Object.keys(chats.mine.members), ["me", "ada"]);
});

test("a server that does not page (no next) gives its one page", async () => {
  const { asked, fetchPage } = server({ "": { users: { u: { userId: "u" } } } });
  assert.deepEqual(await allPages(fetchPage, "users"), { u: { userId: "u" } });
  assert.deepEqual(asked, [null]);
});

test("pages that loop back to a cursor already followed fail instead of asking forever", async () => {
  const { fetchPage } = server({ "": { users: {}, next: "x" }, x: { users: {}, next: "x" } });
  await assert.rejects(allPages(fetchPage, "users"), /loop/);
});
