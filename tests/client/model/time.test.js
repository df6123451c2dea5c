// When things happened: a clock on each message, the full date for hover and screen readers, day separators.
import { test } from "node:test";
import assert from "node:assert/strict";

import { clockLabel, dayKey, dayLabel, fullLabel } from "../../../client/js/model/time.js";

const NOW = new Date(2025, 2, 12, 15, 30).getTime(); // Wednesday 12 March 2025, 15:30 local time
const at = (month, day, hour = 12) => new Date(2025, month, day, hour).getTime();

test("today and yesterday are named as such", () => {
  assert.equal(dayLabel(at(2, 12, 0), NOW, "en-GB"), "Today");
  assert.equal(dayLabel(at(2, 11, 23), NOW, "en-GB"), "Yesterday");
});

test("a day within the last week is its weekday, older days their date", () => {
  assert.equal(dayLabel(at(2, 9), NOW, "en-GB"), "Sunday");
  assert.equal(dayLabel(at(1, 20), NOW, "en-GB"), "Thursday 20 February");
});

test("a day in another year shows the year", () => {
  assert.equal(dayLabel(new Date(2024, 11, 31).getTime(), NOW, "en-GB"), "31 December 2024");
});

test("the full label carries the date and the time", () => {
  const label = fullLabel(at(2, 12, 14), "en-GB");
  assert.match(label, /Wednesday/);
  assert.match(label, /12 March 2025/);
  assert.match(label, /14:00/);
  assert.equal(clockLabel(at(2, 12, 14), "en-GB"), "14:00");
});

test("two times share a day key exactly when they fall on the same local day", () => {
  assert.equal(dayKey(at(2, 12, 0)), dayKey(at(2, 12, 23)));
  assert.notEqual(dayKey(at(2, 12, 23)), dayKey(at(2, 13, 0)));
});
