// The one WebSocket to Web PubSub: connects, reconnects with backoff, and hands every frame to one listener.
import { afterClose } from "../model/refusals.js";
import { asServerFrame } from "../model/server-events.js";

const SUBPROTOCOL = "json.webpubsub.azure.v1";
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30000;
const STABLE_AFTER_MS = 5000;
/** A refused connection (the user has the most connections open) is tried again this rarely, or when the user asks. */
const REFUSED_RETRY_MS = 60000;
/** An answer to a request that has not come by then is not coming (the user is told and may try again). */
const REQUEST_TIMEOUT_MS = 15000;
/** The biggest frame Chatr's server sends is a message of 2,000 characters with its fields; anything far bigger is dropped unread. */
const MAX_FRAME_CHARS = 64 * 1024;

/**
 * Owns the connection so nothing else adds socket listeners. `connectUrl` is awaited before every
 * attempt (tokens expire, so each reconnect gets a fresh one; returning null gives up quietly; an
 * error with status 429 means the server refuses another connection now, which is retried only
 * rarely, or at once with `retryNow`), `onOpen` runs after each successful (re)connect, `onFrame`
 * gets every parsed server frame but acks and answers to `request`, `onLoggedOut` runs when the server closed the connection
 * because the user logged out (it is not reconnected), and `onStatus` gets
 * `{state, attempt, retryAt, reason}` on every change (`retryAt`: when the next try starts, in ms
 * since the epoch, 0 while none is waiting); `state` is "connecting", "open", "reconnecting" or "refused".
 */
export class ChatSocket {
  constructor({ connectUrl, onOpen, onFrame, onStatus, onLoggedOut }) {
    Object.assign(this, { connectUrl, onOpen, onFrame, onStatus, onLoggedOut });
    this.ws = null;
    this.attempt = 0;
    this.stopped = false;
    this.retryTimer = null;
    this.nextAckId = 1;
    this.pendingAcks = new Map(); // request id -> resolve(answer)
    this.requestOfAck = new Map(); // ackId -> the request it belongs to
    window.addEventListener("online", () => this.retryNow());
  }

  /** True when frames can be sent right now. */
  get isOpen() {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Connect for the first time. */
  start() {
    this.connect();
  }

  /** Close for good (logout): no reconnect afterwards. */
  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.ws?.close(1000, "logout");
  }

  /** Send a custom event to the backend; strings go as text, anything else as JSON. */
  sendEvent(event, data) {
    const dataType = typeof data === "string" ? "text" : "json";
    return this.send({ type: "event", event, dataType, data });
  }

  /**
   * Send an event that the backend answers: resolves with `{success: true, result}` once the
   * server's `reply` with this request's id arrives, or `{success: false, error}` with its `error`
   * (`message`, `code`, `retryAfter`), or when the socket closes or the answer takes too long.
   */
  request(event, data) {
    const ackId = this.nextAckId++;
    const requestId = `r${ackId}`;
    const answered = new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(requestId, { success: false, error: { message: "no answer from the server" } }), REQUEST_TIMEOUT_MS);
      this.pendingAcks.set(requestId, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
    // with an ackId the service tells us when the backend could not take the event, and keeps the connection
    this.requestOfAck.set(ackId, requestId);
    if (!this.send({ type: "event", event, dataType: "json", data: { ...data, requestId }, ackId })) {
      this.settle(requestId, { success: false, error: { message: "not connected" } });
    }
    return answered;
  }

  /** The service's ack of a request: a failure means the backend never took it (nothing was done); success waits for the answer. */
  acked({ ackId, success }) {
    const requestId = this.requestOfAck.get(ackId);
    this.requestOfAck.delete(ackId);
    if (requestId !== undefined && success === false) {
      this.settle(requestId, { success: false, error: { message: "Chatr's server could not take it just now" } });
    }
  }

  /** A server answer to one of our requests (taken here, not passed on), or false. */
  answer(frame) {
    const chatEvent = frame.type === "message" && frame.from === "server" ? frame.data?.chatEvent : null;
    const requestId = frame.data?.data?.requestId;
    if ((chatEvent !== "reply" && chatEvent !== "error") || !this.pendingAcks.has(requestId)) return false;
    const body = frame.data.data;
    this.settle(requestId, chatEvent === "reply" ? { success: true, result: body.result ?? {} } : { success: false, error: body });
    return true;
  }

  /** Retry at once instead of waiting for the backoff (the browser came back online, or the user asked). */
  retryNow() {
    if (this.stopped || this.ws || this.retryTimer === null) return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  send(frame) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  report(state, extra = {}) {
    this.onStatus({ state, attempt: this.attempt, retryAt: 0, reason: "", ...extra });
  }

  async connect() {
    this.retryTimer = null;
    this.report(this.attempt === 0 ? "connecting" : "reconnecting");
    let url;
    try {
      url = await this.connectUrl();
    } catch (err) {
      this.scheduleRetry(err.detail ?? err.message, { refused: err.status === 429 });
      return;
    }
    if (url === null || this.stopped) return;
    const ws = new WebSocket(url, SUBPROTOCOL);
    let openedAt = 0;
    let reason = "";
    ws.addEventListener("open", () => {
      openedAt = Date.now();
      this.report("open");
      this.onOpen();
    });
    ws.addEventListener("message", (event) => {
      if (typeof event.data !== "string" || event.data.length > MAX_FRAME_CHARS) return; // nothing Chatr sends is that big
      const frame = parseFrame(event.data);
      if (!frame || this.answer(frame)) return;
      if (frame.type === "ack") {
        this.acked(frame);
        return;
      }
      if (frame.type === "system" && frame.event === "disconnected") reason = frame.message ?? "";
      this.onFrame(frame);
    });
    ws.addEventListener("close", (event) => {
      this.ws = null;
      this.requestOfAck.clear();
      for (const requestId of [...this.pendingAcks.keys()]) {
        this.settle(requestId, { success: false, error: { message: "connection lost" } });
      }
      if (this.stopped) return;
      if (openedAt && Date.now() - openedAt > STABLE_AFTER_MS) this.attempt = 0;
      const next = afterClose(reason);
      if (next.loggedOut) {
        this.stop();
        this.onLoggedOut();
        return;
      }
      this.scheduleRetry(reason || `connection closed (code ${event.code})`, next);
    });
    this.ws = ws;
  }

  /**
   * Try again after the backoff; after at least `waitSeconds` when the server asked for a wait;
   * only every REFUSED_RETRY_MS when it `refused` another connection (the user may retry sooner).
   */
  scheduleRetry(reason, { refused = false, waitSeconds = 0 } = {}) {
    if (this.stopped) return;
    const backoff = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.attempt);
    const floor = refused ? REFUSED_RETRY_MS : waitSeconds * 1000;
    const delay = Math.max(backoff * (0.8 + Math.random() * 0.4), floor && floor + Math.random() * FIRST_RETRY_MS);
    this.attempt += 1;
    this.report(refused ? "refused" : "reconnecting", { retryAt: Date.now() + delay, reason });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  settle(requestId, answer) {
    const resolve = this.pendingAcks.get(requestId);
    this.pendingAcks.delete(requestId);
    resolve?.(answer);
  }
}

/** Parse a text frame; anything that is not a JSON object is ignored rather than trusted. */
function parseFrame(text) {
  try {
    const frame = JSON.parse(text);
    return frame && typeof frame === "object" ? asServerFrame(frame) : null;
  } catch {
    return null;
  }
}
