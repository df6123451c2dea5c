// The limits the server enforces on what people type, counted the way it counts them (code points),
// and what a box near its limit tells the user. Nothing typed is ever cut: over the limit, the box
// says so and keeps the text until the user shortens it.

export const MESSAGE_MAX = 2000;
export const CHAT_NAME_MAX = 100;
export const USER_NAME_MAX = 50;

/** The share of a limit from which the counter shows. */
const COUNTER_FROM = 0.9;

/** Length in code points, as Python's len() counts it on the server (an emoji is one, not two). */
export function lengthOf(text) {
  return [...text].length;
}

/**
 * Where `text` stands against `max`: its length, how far over it is, whether the counter should
 * show (near or over the limit) and a sentence for the user when it is too long.
 */
export function limitStatus(text, max, what = "message") {
  const length = lengthOf(text);
  const over = Math.max(0, length - max);
  return {
    length,
    max,
    over,
    showCounter: length >= Math.floor(max * COUNTER_FROM),
    problem: over ? `The ${what} is ${over} ${over === 1 ? "character" : "characters"} too long (at most ${max}).` : "",
  };
}
