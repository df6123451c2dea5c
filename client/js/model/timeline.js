// A chat's entries as the rows the message list shows: a separator at each new day, the "new
// messages" divider before the first entry that arrived after the user last read the chat, and
// consecutive messages from one sender within GROUP_GAP_MS grouped under one name.
import { dayKey, dayLabel } from "./time.js";
import { alerts } from "./conversations.js";

export const GROUP_GAP_MS = 5 * 60 * 1000;

/**
 * Rows: `{type: "day", key, label}`, `{type: "divider", key}` and `{type: "entry", key, entry, grouped}`
 * (`grouped`: same sender as the message just above, so the name is not repeated). The divider goes
 * before the first entry after `dividerAt` that counts as unread for `meId`.
 */
export function timelineRows(entries, { dividerAt = null, meId = null, now = Date.now(), locale } = {}) {
  const rows = [];
  let day = null;
  let previous = null;
  let dividerPlaced = dividerAt === null;
  for (const entry of entries) {
    const key = dayKey(entry.time);
    let grouped = true;
    if (key !== day) {
      day = key;
      rows.push({ type: "day", key: `day-${key}`, label: dayLabel(entry.time, now, locale) });
      grouped = false;
    }
    if (!dividerPlaced && entry.time > dividerAt && alerts(entry, meId)) {
      dividerPlaced = true;
      rows.push({ type: "divider", key: "divider" });
      grouped = false;
    }
    grouped = grouped && sameGroup(previous, entry);
    rows.push({ type: "entry", key: entry.key, entry, grouped });
    previous = entry;
  }
  return rows;
}

function sameGroup(previous, entry) {
  return (
    previous?.kind === "message" &&
    entry.kind === "message" &&
    previous.fromUserId === entry.fromUserId &&
    entry.time - previous.time <= GROUP_GAP_MS
  );
}
