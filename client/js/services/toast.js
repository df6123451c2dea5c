// Toasts, for what needs the user's attention: refusals, errors, a deleted chat, someone asking to
// chat. They show at the top of the screen, below the header, so they never cover the composer.
import { toast } from "../../vendor/bulma-toast.esm.js";

const DURATION_MS = { danger: 6000, warning: 4000 };

/** Show a toast; the text goes in as a text node, so user names can never become HTML. */
export function toastMessage(text, type = "info") {
  const message = document.createElement("span");
  message.setAttribute("role", type === "danger" ? "alert" : "status");
  message.textContent = text;
  toast({
    message,
    type: `is-${type}`,
    duration: DURATION_MS[type] ?? 3000,
    position: "top-center",
    offsetTop: "3.5rem",
    dismissible: true,
    pauseOnHover: true,
    closeOnClick: false,
    extraClasses: "chatrToast",
    animate: { in: "fadeIn", out: "fadeOut" },
  });
  message.parentElement?.querySelector(".delete")?.setAttribute("aria-label", "Dismiss");
}
