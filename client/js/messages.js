// One message list per chat, fed by the socket listener whether or not the chat's tab is open,
// and mirrored to localStorage so a reload shows each chat's recent messages.
//
// A busy chat can get hundreds of messages a second. They are added to the (reactive) lists once
// per animation frame, so a chat re-renders at most once a frame however fast they come, and each
// history is written at most every SAVE_DELAY_MS; both happen at once when the page is hidden or
// left (a reload), so nothing shown is lost.
import { reactive, toRaw } from "../vendor/vue.esm-browser.js";

const HISTORY_LIMIT = 200;
const PREFIX = "chatr.history.";
const SAVE_DELAY_MS = 300;
const FLUSH_FALLBACK_MS = 100; // hidden pages get no animation frames

const lists = reactive({});
const incoming = new Map(); // chatId -> entries waiting for the next frame
const pendingSaves = new Map(); // chatId -> timer
let flushScheduled = false;
let nextKey = 1;

addEventListener("pagehide", saveNow);
document.addEventListener("visibilitychange", () => document.visibilityState === "hidden" && saveNow());

/** The (reactive) messages of a chat, loading its saved history the first time it is asked for. */
export function messagesOf(chatId) {
  if (!(chatId in lists)) lists[chatId] = loadHistory(chatId).map(withKey);
  return lists[chatId];
}

/**
 * Append a message (`{kind: "message", fromUserId, fromUserName, text, time}`) or a notice
 * (`{kind: "notice", notice, userId, userName, time}`), keeping the last HISTORY_LIMIT. It shows
 * from the next animation frame on.
 */
export function addMessage(chatId, entry) {
  const waiting = incoming.get(chatId);
  if (waiting) waiting.push(withKey(entry));
  else incoming.set(chatId, [withKey(entry)]);
  if (flushScheduled) return;
  flushScheduled = true;
  requestAnimationFrame(flushIncoming);
  setTimeout(flushIncoming, FLUSH_FALLBACK_MS);
}

/** Move what arrived since the last frame into the lists, and schedule their histories' saves. */
function flushIncoming() {
  if (!flushScheduled) return;
  flushScheduled = false;
  for (const [chatId, entries] of incoming) {
    const list = messagesOf(chatId);
    list.push(...entries.slice(-HISTORY_LIMIT));
    if (list.length > HISTORY_LIMIT) list.splice(0, list.length - HISTORY_LIMIT);
    if (!pendingSaves.has(chatId)) {
      pendingSaves.set(
        chatId,
        setTimeout(() => {
          pendingSaves.delete(chatId);
          if (chatId in lists) saveHistory(chatId, lists[chatId]);
        }, SAVE_DELAY_MS),
      );
    }
  }
  incoming.clear();
}

/** Show and write everything that is waiting, now. */
function saveNow() {
  flushIncoming();
  for (const [chatId, timer] of pendingSaves) {
    clearTimeout(timer);
    if (chatId in lists) saveHistory(chatId, lists[chatId]);
  }
  pendingSaves.clear();
}

function cancelSave(chatId) {
  incoming.delete(chatId);
  clearTimeout(pendingSaves.get(chatId));
  pendingSaves.delete(chatId);
}

/** Drop a chat's messages, in memory and saved (we left it, or it was deleted). */
export function forgetChat(chatId) {
  cancelSave(chatId);
  delete lists[chatId];
  localStorage.removeItem(PREFIX + chatId);
}

/** Remove every saved history from this browser (logout). */
export function clearHistory() {
  for (const chatId of [...pendingSaves.keys(), ...incoming.keys()]) cancelSave(chatId);
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith(PREFIX)) localStorage.removeItem(key);
  }
}

function withKey(entry) {
  return { ...entry, key: nextKey++ };
}

function loadHistory(chatId) {
  try {
    const saved = JSON.parse(localStorage.getItem(PREFIX + chatId) ?? "[]");
    return Array.isArray(saved) ? saved.filter(isEntry).slice(-HISTORY_LIMIT) : [];
  } catch {
    return [];
  }
}

/** History is best effort: a full or disabled storage must never break chatting. */
function saveHistory(chatId, list) {
  try {
    // the plain array (no reactive proxies to go through), without the render keys
    const text = JSON.stringify(toRaw(list), (name, value) => (name === "key" ? undefined : value));
    localStorage.setItem(PREFIX + chatId, text);
  } catch (err) {
    console.warn(`Chat history for ${chatId} not saved: ${err.message}`);
  }
}

/** Saved entries are re-checked on load, since anything in localStorage may have been edited. */
function isEntry(entry) {
  if (!entry || typeof entry !== "object" || typeof entry.time !== "number") return false;
  if (entry.kind === "message") return typeof entry.text === "string" && typeof entry.fromUserId === "string";
  return entry.kind === "notice" && typeof entry.userName === "string";
}
