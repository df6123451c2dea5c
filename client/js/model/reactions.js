// Reactions: a small fixed set of emoji anyone in a chat can put on a message, each toggled on or
// off. A reaction frame carries its sender's whole choice on one message (idempotent, so frames can
// be merged), and a receiver acts on at most one such frame per message per second per person.

export const REACTIONS = [
  { emoji: "👍", name: "thumbs up" },
  { emoji: "❤️", name: "heart" },
  { emoji: "😂", name: "laughing" },
  { emoji: "😮", name: "surprised" },
  { emoji: "😢", name: "sad" },
  { emoji: "🎉", name: "party" },
];

/** At most one reaction frame per message per person is acted on in this many ms. */
export const REACTION_EVERY_MS = 1000;

/** The sender waits a little longer between frames, so a frame that travels faster than the one before it still counts. */
export const REACTION_SEND_EVERY_MS = 1250;

const KNOWN = new Set(REACTIONS.map((reaction) => reaction.emoji));

/** The known emoji in `emojis` (in the set's order, once each), or null when it is not a list of strings. */
export function knownEmojis(emojis) {
  if (!Array.isArray(emojis) || !emojis.every((emoji) => typeof emoji === "string")) return null;
  return REACTIONS.map((reaction) => reaction.emoji).filter((emoji) => emojis.includes(emoji) && KNOWN.has(emoji));
}

/** The emoji `userId` has put on a message. */
export function choiceOf(entry, userId) {
  return REACTIONS.map((reaction) => reaction.emoji).filter((emoji) => entry.reactions?.[emoji]?.[userId] !== undefined);
}

/** `choice` with `emoji` switched on or off. */
export function toggled(choice, emoji) {
  return choice.includes(emoji) ? choice.filter((chosen) => chosen !== emoji) : [...choice, emoji];
}

/** "Ada", "Ada and Grace", "Ada, Grace and Alan". */
export function namesList(names) {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/**
 * The chips under a message: `[{emoji, name, count, mine, people}]` in the set's order, for the
 * emoji someone chose; `people` are names in alphabetical order, `nameOf(userId, storedName)`
 * says what to call each.
 */
export function reactionChips(entry, meId, nameOf) {
  const chips = [];
  for (const { emoji, name } of REACTIONS) {
    const who = entry.reactions?.[emoji];
    if (!who) continue;
    const ids = Object.keys(who);
    if (!ids.length) continue;
    const people = ids.map((id) => nameOf(id, who[id])).sort((x, y) => x.localeCompare(y));
    chips.push({ emoji, name, count: ids.length, mine: meId in who, people });
  }
  return chips;
}

/**
 * Lets through one action per key per `everyMs` (the receiver's reaction limit). Old keys are
 * dropped as it goes, so it never grows beyond what one interval holds.
 */
export function createRateGate(everyMs = REACTION_EVERY_MS) {
  const last = new Map();
  return {
    allow(key, now) {
      const previous = last.get(key);
      if (previous !== undefined && now - previous < everyMs) return false;
      if (last.size > 1000) {
        for (const [old, at] of last) if (now - at >= everyMs) last.delete(old);
      }
      last.set(key, now);
      return true;
    },
  };
}
