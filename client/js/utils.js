// Small helpers with no state: toasts, safe link splitting, time labels, ids.
import { toast } from "../vendor/bulma-toast.esm.js";

const TOAST_MS = { danger: 4000 };

/** Show a bulma-toast; the text goes in as a text node, so user names can never become HTML. */
export function toastMessage(text, type = "info") {
  const message = document.createElement("span");
  message.setAttribute("role", type === "danger" ? "alert" : "status");
  message.textContent = text;
  toast({
    message,
    type: `is-${type}`,
    duration: TOAST_MS[type] ?? 1500,
    position: "bottom-center",
    closeOnClick: true,
    animate: { in: "fadeIn", out: "fadeOut" },
  });
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}]+$/;

/**
 * Split text into plain parts and http(s) links, so a template can render links as <a> and
 * everything else as text: no HTML is ever parsed from a message.
 */
export function linkify(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const href = match[0].replace(TRAILING_PUNCTUATION, "");
    if (match.index > last) parts.push({ text: text.slice(last, match.index) });
    if (isHttpUrl(href)) parts.push({ text: href, href });
    else parts.push({ text: href });
    last = match.index + href.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/** True only for well-formed http: and https: URLs (never javascript:, data: and the like). */
function isHttpUrl(candidate) {
  try {
    const url = new URL(candidate);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

// Built once: toLocaleTimeString builds a new formatter on every call, and a chat re-renders every
// message's label whenever one arrives.
const CLOCK = new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit" });
const DAY = new Intl.DateTimeFormat([], { day: "numeric", month: "short" });

/** "14:05" for today, "3 Mar 14:05" for older messages: enough to place a message in time. */
export function timeLabel(timestamp) {
  const when = new Date(timestamp);
  const clock = CLOCK.format(when);
  if (when.toDateString() === new Date().toDateString()) return clock;
  return `${DAY.format(when)} ${clock}`;
}

/** A random v4 UUID for a new chat; getRandomValues works outside secure contexts too. */
export function uuidv4() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The id the server gives a private chat: both user ids, lower first (same order as Python's <). */
export function privateChatId(userA, userB) {
  return userA < userB ? `private_${userA}_${userB}` : `private_${userB}_${userA}`;
}
