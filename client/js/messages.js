// One message list per chat, fed by the socket listener whether or not the chat's tab is open,
// and mirrored to localStorage so a reload shows each chat's recent messages.
import { reactive } from "../vendor/vue.esm-browser.js";

const HISTORY_LIMIT = 200;
const PREFIX = "chatr.history.";

const lists = reactive({});
let nextKey = 1;

/** The (reactive) messages of a chat, loading its saved history the first time it is asked for. */
export function messagesOf(chatId) {
  if (!(chatId in lists)) lists[chatId] = loadHistory(chatId).map(withKey);
  return lists[chatId];
}

/**
 * Append a message (`{kind: "message", fromUserId, fromUserName, text, time}`) or a notice
 * (`{kind: "notice", notice, userId, userName, time}`), keeping the last HISTORY_LIMIT.
 */
export function addMessage(chatId, entry) {
  const list = messagesOf(chatId);
  list.push(withKey(entry));
  if (list.length > HISTORY_LIMIT) list.splice(0, list.length - HISTORY_LIMIT);
  saveHistory(chatId, list);
}

/** Drop a chat's messages, in memory and saved (we left it, or it was deleted). */
export function forgetChat(chatId) {
  delete lists[chatId];
  localStorage.removeItem(PREFIX + chatId);
}

/** Remove every saved history from this browser (logout). */
export function clearHistory() {
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
  const plain = list.map((entry) => {
    const saved = { ...entry };
    delete saved.key;
    return saved;
  });
  try {
    localStorage.setItem(PREFIX + chatId, JSON.stringify(plain));
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
