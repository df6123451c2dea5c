// Toasts, for what needs the user's attention: refusals, errors, a deleted chat, someone asking to
// chat. They show at the bottom, just above the box you write in: clear of the header, the top of
// the chat list and the "New messages" divider (which sits in the upper third of the messages).
import { toast } from "../../vendor/bulma-toast.esm.js";

const DURATION_MS = { danger: 6000, warning: 4000 };
/** Room between a toast and the box below it (px). */
const GAP_PX = 8;

/** How far above the window's bottom toasts start: above the message box when one is on screen. */
function offsetBottom() {
  const composer = [...document.querySelectorAll(".composer")].find((element) => element.getClientRects().length);
  const above = composer ? Math.max(0, window.innerHeight - composer.getBoundingClientRect().top) : 0;
  return `${Math.round(above + GAP_PX)}px`;
}

/** Show a toast; the text goes in as a text node, so user names can never become HTML. */
export function toastMessage(text, type = "info") {
  const message = document.createElement("span");
  message.setAttribute("role", type === "danger" ? "alert" : "status");
  message.textContent = text;
  toast({
    message,
    type: `is-${type}`,
    duration: DURATION_MS[type] ?? 3000,
    position: "bottom-center",
    offsetBottom: offsetBottom(),
    dismissible: true,
    pauseOnHover: true,
    closeOnClick: false,
    extraClasses: "chatrToast",
    animate: { in: "fadeIn", out: "fadeOut" },
  });
  message.parentElement?.querySelector(".delete")?.setAttribute("aria-label", "Dismiss");
}
