// What the server says when it refuses something, in the words the user reads: an `error` reply to
// one of our events (with its code and, when waiting helps, `retryAfter`), and the reason a
// connection was closed with ("Logged out", or "…try again in N s").

/** The reason the server closes a guest's connections with when they logged out (in another tab or device). */
export const LOGGED_OUT = "Logged out";

const TRY_AGAIN = /try again in (\d+) s\b/i;

/** Whole seconds to wait: a positive number, rounded up; null for anything else. */
function seconds(value) {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.ceil(value) : null;
}

/**
 * The sentence for an `error` reply: the server's message; for `rateLimited`, with when to try
 * again (from `retryAfter`) unless the message says so already; for `limitReached`, as it is.
 */
export function refusalText({ event, message, code, retryAfter } = {}) {
  const text = typeof message === "string" && message.trim() ? message.trim() : `The server refused ${event ?? "that"}`;
  const wait = code === "rateLimited" ? seconds(retryAfter) : null;
  return wait === null || TRY_AGAIN.test(text) ? text : `${text}: try again in ${wait} s`;
}

/**
 * What to do after the server closed the connection with `reason`: `{loggedOut: true}` (do not
 * reconnect), `{waitSeconds}` (it asked us to wait that long), or `{}` (reconnect as usual).
 */
export function afterClose(reason) {
  if (reason === LOGGED_OUT) return { loggedOut: true };
  const asked = TRY_AGAIN.exec(typeof reason === "string" ? reason : "");
  return asked ? { waitSeconds: Number(asked[1]) } : {};
}
