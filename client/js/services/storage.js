// This browser's storage, best effort: a full, disabled or edited storage never breaks the app.
// localStorage is shared by every tab (history, mutes, the notification choice); sessionStorage
// belongs to one tab and survives its reloads (the open chat, unread counts, drafts).

/** Every key the app writes starts with "chatr"; logout removes them all. */
const OURS = /^chatr/;

/** The JSON stored under `key`, or `fallback` when there is none or it does not parse. */
export function readJson(storage, key, fallback) {
  try {
    const text = storage.getItem(key);
    return text === null ? fallback : JSON.parse(text);
  } catch {
    return fallback;
  }
}

/** Store `value` as JSON under `key`; a failure is logged, never thrown. */
export function writeJson(storage, key, value) {
  try {
    storage.setItem(key, JSON.stringify(value));
  } catch (err) {
    console.warn(`Could not keep ${key}: ${err.message}`);
  }
}

/** Forget everything the app kept in this browser (logout). */
export function forgetEverything() {
  for (const storage of [localStorage, sessionStorage]) {
    for (const key of Object.keys(storage)) {
      if (OURS.test(key)) storage.removeItem(key);
    }
  }
}
