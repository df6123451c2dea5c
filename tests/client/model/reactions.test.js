// Reactions: the chips under a message, a person's choice and its toggle, and the receiver's rate limit.
import { test } from "node:test";
import assert from "node:assert/strict";

import { choiceOf, createRateGate, knownEmojis, namesList, reactionChips, toggled } from "../../../client/js/model/reactions.js";

const entry = { reactions: { "🎉": { ada: "Ada" }, "👍": { me: "Me", ada: "Ada" } } };

test("chips come in the set's order, with counts, whether this user is among them, and names", () => {
  const chips = reactionChips(entry, "me", (userId, stored) => (userId === "ada" ? "Ada L." : stored));
  assert.deepEqual(chips, [
    { emoji: "👍", name: "thumbs up", count: 2, mine: true, people: ["Ada L.", "Me"] },
    { emoji: "🎉", name: "party", count: 1, mine: false, people: ["Ada L."] },
  ]);
  assert.deepEqual(reactionChips({}, "me", () => ""), []);
});

test("a person's choice, toggled one emoji at a time", () => {
  assert.deepEqual(choiceOf(entry, "ada"), ["👍", "🎉"]);
  assert.deepEqual(toggled(["👍"], "🎉"), ["👍", "🎉"]);
  assert.deepEqual(toggled(["👍", "🎉"], "👍"), ["🎉"]);
});

test("only the known emoji of a frame count; anything but a list of strings is no choice at all", () => {
  assert.deepEqual(knownEmojis(["🎉", "💩", "👍", "👍"]), ["👍", "🎉"]);
  assert.deepEqual(knownEmojis([]), []);
  assert.equal(knownEmojis("👍"), null);
  assert.equal(knownEmojis([1]), null);
});

test("the gate lets one action per key through each second", () => {
  const gate = createRateGate(1000);
  assert.equal(gate.allow("a", 0), true);
  assert.equal(gate.allow("a", 999), false);
  assert.equal(gate.allow("b", 999), true);
  assert.equal(gate.allow("a", 1000), true);
});

test("names read as a sentence", () => {
  assert.equal(namesList(["Ada"]), "Ada");
  assert.equal(namesList(["Ada", "Grace"]), "Ada and Grace");
  assert.equal(namesList(["Ada", "Grace", "Alan"]), "Ada, Grace and Alan");
});
