// Replies: a message may name the one it answers (`replyTo`, its number in the same chat). The
// quote above the reply shows that message's sender and first line, as text; it is found among
// the messages this browser has, or in what the server sent when asked for it (`fetched`). A
// quoted message deleted since, or no longer kept, is shown as such.
import { senderName } from "./directory.js";
import { withoutBidiControls } from "./links.js";

export const SNIPPET_MAX = 80;

/** The first line of a message, blanks collapsed, cut to `max` characters (code points) with an ellipsis. */
export function snippet(text, max = SNIPPET_MAX) {
  const line = withoutBidiControls(String(text ?? ""))
    .split("\n")
    .map((part) => part.replace(/\s+/gu, " ").trim())
    .find(Boolean) ?? "";
  const chars = [...line];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : line;
}

/**
 * The quote to show above `entry`, or null when it answers nothing: `{seq, state, sender, text}`.
 * `state` is "shown", "deleted", "gone" (the server does not have it) or "loading" (asked for);
 * `fetched` is what the server answered for it: an entry, null (gone), or undefined (not asked).
 */
export function quoteOf(model, message, chatId, entry, fetched) {
  const seq = entry?.replyTo;
  if (!Number.isInteger(seq) || seq < 1 || entry.deleted) return null;
  const quoted = message ?? fetched;
  if (quoted === undefined) return { seq, state: "loading", sender: "", text: "Loading the message this replies to…" };
  if (quoted === null) return { seq, state: "gone", sender: "", text: "The message this replies to is no longer here" };
  const sender = senderName(model, quoted, chatId);
  if (quoted.deleted) return { seq, state: "deleted", sender, text: "Message deleted" };
  return { seq, state: "shown", sender, text: snippet(quoted.text) };
}
