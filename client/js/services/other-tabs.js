// The user's other tabs in this browser. The server stops sending a chat's frames to every one of a
// user's connections when they leave it, so no tab hears about a leave from the server: the tab
// that left tells the others itself.

const CHANNEL = "chatr";

/** Tell this browser's other tabs something (`{type, ...}`); `onMessage` hears what they tell this one. */
export function otherTabs(onMessage) {
  if (typeof BroadcastChannel === "undefined") return { tell() {} };
  const channel = new BroadcastChannel(CHANNEL);
  channel.addEventListener("message", (event) => {
    if (event.data && typeof event.data === "object") onMessage(event.data);
  });
  return { tell: (message) => channel.postMessage(message) };
}
