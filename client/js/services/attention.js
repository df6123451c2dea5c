// Getting the user's attention while the page is hidden: the unread count in the title, and, once
// the user has turned them on with the bell (which asks the browser's permission), notifications
// that name the sender and the chat and open the chat when clicked. The choice is remembered.
import { reactive } from "../../vendor/vue.esm-browser.js";
import { plainText } from "../model/format.js";
import { NOTICES } from "../model/group-frames.js";

const CHOICE_KEY = "chatrNotifications";
const BODY_MAX = 120;

/**
 * `state.bell`: "unsupported" (no Notification API), "blocked" (the browser says no), "on" or "off".
 * `openChat(chatId)` runs when a notification is clicked.
 */
export function createAttention({ openChat }) {
  const state = reactive({ bell: initialBell() });

  function initialBell() {
    if (typeof Notification === "undefined") return "unsupported";
    if (Notification.permission === "denied") return "blocked";
    return Notification.permission === "granted" && localStorage.getItem(CHOICE_KEY) === "on" ? "on" : "off";
  }

  /** The bell: turn notifications on (asking the browser first, from this click) or off. */
  async function toggleBell() {
    if (state.bell === "unsupported") return;
    if (state.bell === "on") {
      state.bell = "off";
    } else {
      const permission = Notification.permission === "default" ? await Notification.requestPermission() : Notification.permission;
      state.bell = permission === "granted" ? "on" : permission === "denied" ? "blocked" : "off";
    }
    try {
      localStorage.setItem(CHOICE_KEY, state.bell === "on" ? "on" : "off");
    } catch {
      // the choice just is not remembered
    }
  }

  /**
   * Entries that deserve attention arrived in a chat while the page is hidden (or one mentions the
   * user, who is not looking at that chat): notify about the newest. `sender`: who it is from, as
   * the server names them.
   */
  function notify({ chatId, chatTitle, isPrivate, entry, sender, mention = false }) {
    if (state.bell !== "on") return;
    const title = `${sender}${mention ? " mentioned you" : ""}${isPrivate ? "" : ` in ${chatTitle}`}`;
    const body = entry.kind === "message" ? firstLine(plainText(entry.text)) : `${sender} ${NOTICES[entry.notice]?.text ?? ""}`;
    try {
      const note = new Notification(title, { body, tag: chatId, icon: "/img/logo.svg" });
      note.addEventListener("click", () => {
        window.focus();
        openChat(chatId);
        note.close();
      });
    } catch (err) {
      console.warn(`Notification not shown: ${err.message}`);
    }
  }

  return { state, toggleBell, notify };
}

/** The first line of what a message says (formatting markers dropped), short enough for a notification. */
function firstLine(text) {
  const line = text.trim().split("\n", 1)[0];
  return line.length > BODY_MAX ? `${line.slice(0, BODY_MAX - 1)}…` : line;
}

/** "(3) Chatr" while 3 entries are unread, else "Chatr". */
export function pageTitle(count) {
  return count ? `(${count}) Chatr` : "Chatr";
}
