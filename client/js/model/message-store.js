// One list of entries per chat (messages and notices), fed whether or not the chat is open, and
// kept in storage so a reload shows each chat's recent history.
//
// A busy chat can get hundreds of messages a second. Entries join the lists once per `schedule`
// tick (an animation frame in the browser), so a chat re-renders at most once a frame however fast
// they come, and each history is written at most every `saveDelayMs`; `saveNow` does both at once
// (the page is being hidden or left). Entries are frozen: a change to one (an edit, a delete, a
// reaction) replaces it in its list under the same key, which is what re-renders it.
//
// A message is found by its sender (the one the service stamped) and the id its sender gave it, so
// a change to a message can only ever reach a message of the person the change is filed under:
// `edit` and `remove` take the sender of the edit, `react` the author of the message and,
// separately, who reacts. Read marks ("read up to") are kept per chat and reader, live only: they
// are never stored.
import { REACTIONS } from "./reactions.js";
const PREFIX = "chatr.history.";

/** What a stored entry must look like, per kind; anything else in storage is dropped on load. */
export const ENTRY_KINDS = {
  message: (entry) => typeof entry.text === "string" && typeof entry.fromUserId === "string",
  notice: (entry) => typeof entry.notice === "string" && typeof entry.userName === "string",
};

function isEntry(entry) {
  if (!entry || typeof entry !== "object" || typeof entry.time !== "number") return false;
  return Object.hasOwn(ENTRY_KINDS, entry.kind) && ENTRY_KINDS[entry.kind](entry);
}

const isStringList = (value) => Array.isArray(value) && value.every((item) => typeof item === "string");

/** A stored message's optional parts, kept only when well-formed (a hand-edited storage never breaks a row). */
function cleanStored(entry) {
  if (entry.kind !== "message") return entry;
  const clean = { ...entry };
  if (typeof clean.id !== "string") delete clean.id;
  if (!isStringList(clean.mentions)) delete clean.mentions;
  for (const flag of ["edited", "deleted"]) if (clean[flag] !== true) delete clean[flag];
  const reactions = cleanReactions(clean.reactions);
  if (reactions) clean.reactions = reactions;
  else delete clean.reactions;
  return clean;
}

/** `{emoji: {userId: userName}}` with known emoji only, or null when nothing is left. */
function cleanReactions(reactions) {
  if (!reactions || typeof reactions !== "object") return null;
  const clean = {};
  for (const emoji of REACTIONS.map((reaction) => reaction.emoji)) {
    const people = reactions[emoji];
    if (!people || typeof people !== "object") continue;
    const named = Object.entries(people).filter(([, name]) => typeof name === "string");
    if (named.length) clean[emoji] = Object.fromEntries(named);
  }
  return Object.keys(clean).length ? clean : null;
}

/** A copy of `entry` without `names`. */
function omit(entry, ...names) {
  const copy = { ...entry };
  for (const name of names) delete copy[name];
  return copy;
}

/** `reactions` with `userId`'s choice replaced by `emojis` (their whole choice on this message). */
function withChoice(reactions, userId, userName, emojis) {
  const next = {};
  for (const { emoji } of REACTIONS) {
    const people = { ...reactions?.[emoji] };
    delete people[userId];
    if (emojis.includes(emoji)) people[userId] = userName;
    if (Object.keys(people).length) next[emoji] = people;
  }
  return Object.keys(next).length ? next : undefined;
}

/**
 * `storage`: a Web Storage (localStorage); `schedule(flush)`: runs `flush` soon (at most once
 * pending); `newList`/`lists`: how lists are made and kept (the app passes Vue's shallowReactive);
 * `onFlushed(chatId, entries)`: told what joined a list; `timers`: setTimeout/clearTimeout.
 */
export function createMessageStore({
  storage,
  schedule,
  limit = 200,
  saveDelayMs = 300,
  newList = (entries) => entries,
  lists = {},
  newMarks = (marks) => marks,
  onFlushed = () => {},
  timers = globalThis,
}) {
  const incoming = new Map(); // chatId -> entries waiting for the next flush
  const older = new Map(); // chatId -> how many older entries the user loaded (kept beyond `limit` while open)
  const marks = {}; // chatId -> {readerId: key of the newest entry they have read}
  const pendingSaves = new Map(); // chatId -> timer
  let flushScheduled = false;
  let nextKey = 1;

  const withKey = (entry) => Object.freeze({ ...entry, key: nextKey++ });

  function load(chatId) {
    try {
      const saved = JSON.parse(storage.getItem(PREFIX + chatId) ?? "[]");
      return Array.isArray(saved) ? saved.filter(isEntry).slice(-limit).map(cleanStored).map(withKey) : [];
    } catch {
      return [];
    }
  }

  /** History is best effort: a full or disabled storage must never break chatting. */
  function save(chatId) {
    if (!(chatId in lists)) return;
    try {
      const text = JSON.stringify(lists[chatId].slice(-limit), (name, value) => (name === "key" ? undefined : value));
      storage.setItem(PREFIX + chatId, text);
    } catch (err) {
      console.warn(`Chat history for ${chatId} not saved: ${err.message}`);
    }
  }

  function scheduleSave(chatId) {
    if (pendingSaves.has(chatId)) return;
    pendingSaves.set(
      chatId,
      timers.setTimeout(() => {
        pendingSaves.delete(chatId);
        save(chatId);
      }, saveDelayMs),
    );
  }

  /** Where a message is, waiting or listed: `{entries, index}`, or null. Searched from the newest. */
  function locate(chatId, fromUserId, id) {
    for (const entries of [incoming.get(chatId), store.listOf(chatId)]) {
      if (!entries) continue;
      for (let index = entries.length - 1; index >= 0; index--) {
        const entry = entries[index];
        if (entry.id === id && entry.fromUserId === fromUserId && entry.kind === "message") return { entries, index };
      }
    }
    return null;
  }

  /** Move a reader's mark forward to `key` (never back). */
  function advance(chatId, readerId, key) {
    const chatMarks = store.marksOf(chatId);
    if ((chatMarks[readerId] ?? 0) < key) chatMarks[readerId] = key;
  }

  function cancel(chatId) {
    incoming.delete(chatId);
    timers.clearTimeout(pendingSaves.get(chatId));
    pendingSaves.delete(chatId);
  }

  /** Whoever sent a message has read everything before it: one mark per sender per flush. */
  function markSenders(chatId, entries) {
    const newest = new Map();
    for (const entry of entries) if (entry.kind === "message") newest.set(entry.fromUserId, entry.key);
    for (const [readerId, key] of newest) advance(chatId, readerId, key);
  }

  const store = {
    /** A chat's entries, oldest first, loading its saved history the first time it is asked for. */
    listOf(chatId) {
      if (!(chatId in lists)) lists[chatId] = newList(load(chatId));
      return lists[chatId];
    },

    /**
     * Queue an entry (`{kind, time, ...}`); it joins its chat's list at the next flush. A message
     * whose sender already has one with the same id is not added again (false).
     */
    add(chatId, entry) {
      if (entry.id !== undefined && locate(chatId, entry.fromUserId, entry.id)) return false;
      const waiting = incoming.get(chatId);
      if (waiting) waiting.push(withKey(entry));
      else incoming.set(chatId, [withKey(entry)]);
      if (!flushScheduled) {
        flushScheduled = true;
        schedule(store.flush);
      }
      return true;
    },

    /** The message numbered `seq` by the server (waiting or listed), or null. Searched from the newest. */
    findSeq(chatId, seq) {
      for (const entries of [incoming.get(chatId), store.listOf(chatId)]) {
        const found = entries?.findLast((entry) => entry.seq === seq && entry.kind === "message");
        if (found) return found;
      }
      return null;
    },

    /** The highest number among a chat's messages (0: none numbered): where catching up starts. */
    lastSeq(chatId) {
      let last = 0;
      for (const entries of [store.listOf(chatId), incoming.get(chatId) ?? []]) {
        for (const entry of entries) if (entry.seq > last) last = entry.seq;
      }
      return last;
    },

    /** Put older entries (a page the user scrolled up to, oldest first) before a chat's list; how many were new. */
    prepend(chatId, entries) {
      const list = store.listOf(chatId);
      const fresh = entries.filter((entry) => !(entry.id !== undefined && locate(chatId, entry.fromUserId, entry.id))).map(withKey);
      if (!fresh.length) return 0;
      list.unshift(...fresh);
      older.set(chatId, (older.get(chatId) ?? 0) + fresh.length);
      return fresh.length;
    },

    /** The lowest number among a chat's entries (0: none numbered): where the page before starts. */
    firstSeq(chatId) {
      return store.listOf(chatId).find((entry) => entry.seq)?.seq ?? 0;
    },

    /** The message `fromUserId` sent with `id` (waiting or listed), or null. */
    find(chatId, fromUserId, id) {
      const found = locate(chatId, fromUserId, id);
      return found ? found.entries[found.index] : null;
    },

    /**
     * Replace the message `fromUserId` sent with `id` by `change(entry)` (same key); a change that
     * returns null changes nothing. False when there is no such message or nothing changed.
     */
    update(chatId, fromUserId, id, change) {
      const found = locate(chatId, fromUserId, id);
      if (!found) return false;
      const { entries, index } = found;
      const next = change(entries[index]);
      if (!next) return false;
      entries[index] = Object.freeze({ ...next, key: entries[index].key });
      if (entries === lists[chatId]) scheduleSave(chatId);
      return true;
    },

    /** `fromUserId` edited their message `id`: new text and mentions, marked edited. A deleted message stays deleted. */
    edit(chatId, fromUserId, id, { text, mentions = [] }) {
      return store.update(chatId, fromUserId, id, (entry) =>
        entry.deleted || (entry.text === text && !entry.edited) ? null : { ...entry, text, mentions, edited: true },
      );
    },

    /** `fromUserId` deleted their message `id`: its text, mentions and reactions go, the row says it was deleted. */
    remove(chatId, fromUserId, id) {
      return store.update(chatId, fromUserId, id, (entry) => {
        return entry.deleted ? null : { ...omit(entry, "reactions", "mentions", "edited"), text: "", deleted: true };
      });
    },

    /** `userId` (named as the server knows them) now reacts to `author`'s message `id` with exactly `emojis`. */
    react(chatId, author, id, { userId, userName, emojis }) {
      return store.update(chatId, author, id, (entry) => {
        if (entry.deleted) return null;
        const reactions = withChoice(entry.reactions, userId, userName, emojis);
        return reactions ? { ...entry, reactions } : omit(entry, "reactions");
      });
    },

    /** `readerId` has read `author`'s message `id` and everything before it; false when that message is not here. */
    markRead(chatId, readerId, author, id) {
      const found = store.find(chatId, author, id);
      if (!found) return false;
      advance(chatId, readerId, found.key);
      return true;
    },

    /** Who has read how far in a chat: `{readerId: key}` (a message's own sender has read up to it). */
    marksOf(chatId) {
      if (!(chatId in marks)) marks[chatId] = newMarks({});
      return marks[chatId];
    },

    /** Move what arrived into the lists (keeping the last `limit`), then say what arrived and schedule the saves. */
    flush() {
      if (!flushScheduled) return;
      flushScheduled = false;
      const arrived = [...incoming];
      incoming.clear();
      for (const [chatId, entries] of arrived) {
        const list = store.listOf(chatId);
        for (const entry of entries.slice(-limit)) insertInOrder(list, entry);
        const keep = limit + (older.get(chatId) ?? 0);
        if (list.length > keep) list.splice(0, list.length - keep);
        scheduleSave(chatId);
        markSenders(chatId, entries);
      }
      for (const [chatId, entries] of arrived) onFlushed(chatId, entries);
    },

    /** Show and write everything waiting, now. */
    saveNow() {
      store.flush();
      for (const [chatId, timer] of pendingSaves) {
        timers.clearTimeout(timer);
        save(chatId);
      }
      pendingSaves.clear();
    },

    /** Drop a chat's entries, in memory and stored (we left it, or it was deleted). */
    forget(chatId) {
      cancel(chatId);
      older.delete(chatId);
      delete lists[chatId];
      delete marks[chatId];
      storage.removeItem(PREFIX + chatId);
    },

    /** Remove every stored history (logout). */
    clear() {
      for (const chatId of [...pendingSaves.keys(), ...incoming.keys()]) cancel(chatId);
      for (const key of storedKeys(storage)) {
        if (key.startsWith(PREFIX)) storage.removeItem(key);
      }
    },
  };
  return store;
}

/**
 * Add an entry at the end, or, for a numbered one that arrived after a higher number (two server
 * instances sent them side by side, or a catch-up filled a gap), just after the last lower number.
 */
function insertInOrder(list, entry) {
  let index = list.length;
  if (entry.seq) {
    while (index > 0 && !(list[index - 1].seq < entry.seq) && list[index - 1].seq !== undefined) index--;
  }
  if (index === list.length) list.push(entry);
  else list.splice(index, 0, entry);
}

function storedKeys(storage) {
  const keys = [];
  for (let i = 0; i < storage.length; i++) keys.push(storage.key(i));
  return keys;
}

/** The time of a list's newest entry, or 0. */
export function lastTime(list) {
  return list.length ? list[list.length - 1].time : 0;
}
