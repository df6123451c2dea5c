// Idle (away) detection: no mouse, key, touch or scroll input for a while means away.

const DEFAULT_IDLE_SECONDS = 60;
const ACTIVITY_EVENTS = ["mousemove", "mousedown", "keydown", "touchstart", "wheel", "scroll"];

/** The idle limit in seconds: `localStorage.chatrIdleSeconds` when it is a positive number (tests), else 60. */
export function idleLimitSeconds() {
  const configured = Number(localStorage.getItem("chatrIdleSeconds"));
  return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_IDLE_SECONDS;
}

/**
 * Watch for input and call `onChange(true)` once the limit passes without any, and
 * `onChange(false)` at the first input after that.
 */
export function watchIdle(onChange, limitSeconds = idleLimitSeconds()) {
  let idle = false;
  let lastInput = Date.now();
  const active = () => {
    lastInput = Date.now();
    if (idle) {
      idle = false;
      onChange(false);
    }
  };
  for (const name of ACTIVITY_EVENTS) {
    document.addEventListener(name, active, { capture: true, passive: true });
  }
  setInterval(() => {
    if (!idle && Date.now() - lastInput > limitSeconds * 1000) {
      idle = true;
      onChange(true);
    }
  }, Math.min(1000, limitSeconds * 250));
}
