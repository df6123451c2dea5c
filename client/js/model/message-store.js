// One list of entries per chat (messages and notices), fed whether or not the chat is open, and
// kept in storage so a reload shows each chat's recent history.
//
// A busy chat can get hundreds of messages a second. Entries join the lists once per `schedule`
// tick (an animation frame in the browser), so a chat re-renders at most once a frame however fast
// they come, and each history is written at most every `saveDelayMs`; `saveNow` does both at once
// (the page is being hidden or left). Entries are frozen: a change to one (an edit, a reaction)
// replaces it in its list, which is what re-renders it.

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
  onFlushed = () => {},
  timers = globalThis,
}) {
  const incoming = new Map(); // chatId -> entries waiting for the next flush
  const pendingSaves = new Map(); // chatId -> timer
  let flushScheduled = false;
  let nextKey = 1;

  const withKey = (entry) => Object.freeze({ ...entry, key: nextKey++ });

  function load(chatId) {
    try {
      const saved = JSON.parse(storage.getItem(PREFIX + chatId) ?? "[]");
      return Array.isArray(saved) ? saved.filter(isEntry).slice(-limit).map(withKey) : [];
    } catch {
      return [];
    }
  }

  /** History is best effort: a full or disabled storage must never break chatting. */
  function save(chatId) {
    if (!(chatId in lists)) return;
    try {
      const text = JSON.stringify([...lists[chatId]], (name, value) => (name === "key" ? undefined : value));
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

  function cancel(chatId) {
    incoming.delete(chatId);
    timers.clearTimeout(pendingSaves.get(chatId));
    pendingSaves.delete(chatId);
  }

  const store = {
    /** A chat's entries, oldest first, loading its saved history the first time it is asked for. */
    listOf(chatId) {
      if (!(chatId in lists)) lists[chatId] = newList(load(chatId));
      return lists[chatId];
    },

    /** Queue an entry (`{kind, time, ...}`); it joins its chat's list at the next flush. */
    add(chatId, entry) {
      const waiting = incoming.get(chatId);
      if (waiting) waiting.push(withKey(entry));
      else incoming.set(chatId, [withKey(entry)]);
      if (flushScheduled) return;
      flushScheduled = true;
      schedule(store.flush);
    },

    /** Move what arrived into the lists (keeping the last `limit`), then say what arrived and schedule the saves. */
    flush() {
      if (!flushScheduled) return;
      flushScheduled = false;
      const arrived = [...incoming];
      incoming.clear();
      for (const [chatId, entries] of arrived) {
        const list = store.listOf(chatId);
        list.push(...entries.slice(-limit));
        if (list.length > limit) list.splice(0, list.length - limit);
        scheduleSave(chatId);
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
      delete lists[chatId];
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

function storedKeys(storage) {
  const keys = [];
  for (let i = 0; i < storage.length; i++) keys.push(storage.key(i));
  return keys;
}

/** The time of a list's newest entry, or 0. */
export function lastTime(list) {
  return list.length ? list[list.length - 1].time : 0;
}
