// Marking the words a message search found, folded as the server folds them.
import { test } from "node:test";
import assert from "node:assert/strict";

import { fold, highlightParts } from "../../../client/js/model/message-search.js";

test("words fold as the server folds them: no accents, lower case, the first 32 characters", () => {
  assert.equal(fold("CAFÉ"), "cafe");
  assert.equal(fold("Ⅻ"), "xii");
  assert.equal(fold("a".repeat(40)), "a".repeat(32));
});

test("every searched word is marked whatever its case and accents, and the last one also as a prefix", () => {
  assert.deepEqual(highlightParts("Le CAFÉ est fermé, cafés", ["cafe", "ferm"]), [
    { text: "Le ", hit: false },
    { text: "CAFÉ", hit: true },
    { text: " est ", hit: false },
    { text: "fermé", hit: true },
    { text: ", cafés", hit: false },
  ]);
});

test("markup in a hit stays text, and a text with no hit is one part", () => {
  assert.deepEqual(highlightParts("<b>bold</b>", ["bold"]), [
    { text: "<b>", hit: false },
    { text: "bold", hit: true },
    { text: "</b>", hit: false },
  ]);
  assert.deepEqual(highlightParts("nothing", ["else"]), [{ text: "nothing", hit: false }]);
  assert.deepEqual(highlightParts("", ["x"]), [{ text: "", hit: false }]);
});
