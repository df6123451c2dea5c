// The backend's HTTP API: every call carries the guest credential when there is one.
import { guestCredential } from "./identity.js";

/**
 * An /api call that failed; `status` is the HTTP status (0 when the network failed), `detail` the server's reason,
 * `retryAfter` the seconds a 429 says to wait (null when it names none).
 */
export class ApiError extends Error {
  constructor(path, status, detail, retryAfter = null) {
    super(status ? `${path} answered ${status}: ${detail}` : `${path} could not be reached: ${detail}`);
    this.status = status;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }
}

/** Call an /api path and return its JSON body (null when it has none), or throw an ApiError with the server's message. */
async function callJson(path, { method = "GET", credential = guestCredential(), json = undefined } = {}) {
  const headers = { Accept: "application/json" };
  if (credential) headers["X-Chatr-Guest"] = credential;
  if (json !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, cache: "no-store", body: json === undefined ? undefined : JSON.stringify(json) });
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
  if (!res.ok) {
    const wait = Number.parseInt(res.headers.get("Retry-After") ?? "", 10);
    throw new ApiError(path, res.status, body?.error ?? (text || res.statusText), Number.isInteger(wait) ? wait : null);
  }
  return body;
}

/** A fresh Web PubSub client URL plus who the server says we are: `{url, user}` (and `guest`, a renewed credential). */
export function getToken() {
  return callJson("/api/getToken");
}

/** Register a new guest; the answer's `guest` is the credential to keep. */
export function registerGuest(name) {
  return callJson(`/api/getToken?guestName=${encodeURIComponent(name)}`, { credential: null });
}

/** End a guest's credential (this one and every copy of it) and close their connections everywhere. */
export function revokeGuest(credential) {
  return callJson("/api/logout", { method: "POST", credential });
}

/** A new recovery code for this guest (the earlier one stops working): `{recoveryCode}`, shown once. */
export function newRecoveryCode() {
  return callJson("/api/recoveryCode", { method: "POST" });
}

/** Come back to a guest account with its recovery code: `{guest, user, recoveryCode}` (the code is replaced). */
export function recoverGuest(code) {
  return callJson("/api/recover", { method: "POST", credential: null, json: { recoveryCode: code } });
}

/** The people this user sees without searching (their contacts and recent visitors who are online), keyed by user id. */
export async function getUsers() {
  return (await callJson("/api/users")).users ?? {};
}

/** Every chat this user is in (group chats with their members, private chats), keyed by chat id. */
export async function getMyChats() {
  return (await callJson("/api/chats?mine=1")).chats ?? {};
}

/** One page of every group chat (Browse): `{chats: {chatId: chat}, next}`; `after` is the previous page's `next`. */
export function browseChats(after = null) {
  return callJson(after === null ? "/api/chats" : `/api/chats?after=${encodeURIComponent(after)}`);
}

/**
 * One page of people (`what` = "users") or group chats ("chats") whose name starts with `prefix`
 * (case and accents ignored): `{users|chats: [...], next}`.
 */
export function search(what, prefix, after = null) {
  const page = after === null ? "" : `&after=${encodeURIComponent(after)}`;
  return callJson(`/api/${what}?search=${encodeURIComponent(prefix)}${page}`);
}

/** One group chat with its members, `{id, name, members, owner, timestamp}`; an ApiError 404 when there is no such chat. */
export async function getChat(chatId) {
  return (await callJson(`/api/chats?id=${encodeURIComponent(chatId)}`)).chat;
}

/** Anyone's public profile `{userId, userName, userProvider, online, idle}`, online or not; an ApiError 404 for an unknown id. */
export async function getUser(userId) {
  return (await callJson(`/api/users?id=${encodeURIComponent(userId)}`)).user;
}

/**
 * A page of a chat's kept history: `{entries, last, more, reads}`. `after`: what came after that
 * number (oldest first); `before`: the page before it; neither: the latest page.
 */
export function getMessages(chatId, { after, before, limit } = {}) {
  const params = new URLSearchParams();
  if (after !== undefined) params.set("after", after);
  else if (before !== undefined) params.set("before", before);
  if (limit !== undefined) params.set("limit", limit);
  const query = params.size ? `?${params}` : "";
  return callJson(`/api/chats/${encodeURIComponent(chatId)}/messages${query}`);
}

/**
 * A page of messages found by words in the chats we are in (`chat`: only that one), newest first:
 * `{hits: [{chatId, chatName, private, seq, fromUserId, time, text}], words, next}`; `before` is the previous page's `next`.
 */
export function searchMessages(q, { chat, before } = {}) {
  const params = new URLSearchParams({ q });
  if (chat) params.set("chat", chat);
  if (before) params.set("before", before);
  return callJson(`/api/search?${params}`);
}
