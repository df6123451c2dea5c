// The height the app may use. On phones the on-screen keyboard covers the bottom of the layout
// viewport in some browsers (iOS Safari) rather than shrinking it; following the visual viewport
// keeps the composer above the keyboard. Elsewhere CSS's 100dvh is already right.

/** Keep the CSS variable --app-height at the visible height, as it changes. */
export function followVisualViewport() {
  const view = window.visualViewport;
  if (!view) return;
  const update = () => {
    document.documentElement.style.setProperty("--app-height", `${Math.round(view.height)}px`);
    if (view.offsetTop) window.scrollTo(0, 0);
  };
  view.addEventListener("resize", update);
  view.addEventListener("scroll", update);
  update();
}
