// Labels for when things happened: a clock time on each message, the full date and time on hover
// and for screen readers, and "Today" / "Yesterday" / a date on the separators between days.
// Formatters are built once per locale: building one per call was the client's hottest path.

const DAY_MS = 24 * 60 * 60 * 1000;
const cache = new Map();

function formatters(locale) {
  let made = cache.get(locale ?? "");
  if (!made) {
    made = {
      clock: new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" }),
      full: new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short" }),
      weekday: new Intl.DateTimeFormat(locale, { weekday: "long" }),
      date: new Intl.DateTimeFormat(locale, { weekday: "long", day: "numeric", month: "long" }),
      dateWithYear: new Intl.DateTimeFormat(locale, { day: "numeric", month: "long", year: "numeric" }),
    };
    cache.set(locale ?? "", made);
  }
  return made;
}

/** "14:05": the time of day, shown on every message. */
export function clockLabel(time, locale) {
  return formatters(locale).clock.format(time);
}

/** "Monday, 3 March 2025 at 14:05": for the tooltip and for screen readers. */
export function fullLabel(time, locale) {
  return formatters(locale).full.format(time);
}

/** The local calendar day of a timestamp, as a key two timestamps share when they fall on the same day. */
export function dayKey(time) {
  const day = new Date(time);
  return `${day.getFullYear()}-${day.getMonth() + 1}-${day.getDate()}`;
}

/** Midnight (local time) at the start of the day `time` falls on. */
function startOfDay(time) {
  const day = new Date(time);
  day.setHours(0, 0, 0, 0);
  return day.getTime();
}

/** "Today", "Yesterday", a weekday within the last week, else the date (with the year when it is not this one). */
export function dayLabel(time, now = Date.now(), locale = undefined) {
  const days = Math.round((startOfDay(now) - startOfDay(time)) / DAY_MS);
  const made = formatters(locale);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  if (days > 1 && days < 7) return made.weekday.format(time);
  if (new Date(time).getFullYear() === new Date(now).getFullYear()) return made.date.format(time);
  return made.dateWithYear.format(time);
}
