// The backend's HTTP API: every call carries the guest credential when there is one.
import { guestCredential } from "./identity.js";

/** An /api call that failed; `status` is the HTTP status (0 when the network failed), `detail` the server's reason. */
export class ApiError extends Error {
  constructor(path, status, detail) {
    super(status ? `${path} answered ${status}: ${detail}` : `${path} could not be reached: ${detail}`);
    this.status = status;
    this.detail = detail;
  }
}

/** GET an /api path and return its JSON body, or throw an ApiError with the server's message. */
async function getJson(path, { sendGuest = true } = {}) {
  const headers = { Accept: "application/json" };
  const credential = sendGuest ? guestCredential() : null;
  if (credential) headers["X-Chatr-Guest"] = credential;
  let res;
  try {
    res = await fetch(path, { headers, cache: "no-store" });
  } catch (err) {
    throw new ApiError(path, 0, err?.message ?? String(err));
  }
  const text = await res.text();
  let body;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) throw new ApiError(path, res.status, body?.error ?? (text || res.statusText));
  return body;
}

/** A fresh Web PubSub client URL plus who the server says we are: `{url, user}`. */
export function getToken() {
  return getJson("/api/getToken");
}

/** Register a new guest; the answer's `guest` is the credential to keep. */
export function registerGuest(name) {
  return getJson(`/api/getToken?guestName=${encodeURIComponent(name)}`, { sendGuest: false });
}

/** Users online now, keyed by user id. */
export async function getUsers() {
  return (await getJson("/api/users")).users ?? {};
}

/** Group chats plus our own private chats, keyed by chat id. */
export async function getChats() {
  return (await getJson("/api/chats")).chats ?? {};
}

/** Anyone the server knows, online or not: `{userId, userName, userProvider, online, idle}`, or null for an unknown id. */
export async function getUser(userId) {
  try {
    return (await getJson(`/api/users?id=${encodeURIComponent(userId)}`)).user ?? null;
  } catch (err) {
    if (err.status === 404) return null;
    throw err;
  }
}
