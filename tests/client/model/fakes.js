// Stand-ins for the browser around the DOM-free model: Web Storage, and a flush the test runs by hand.

/** An in-memory Web Storage (getItem, setItem, removeItem, key, length). */
export class MemoryStorage {
  constructor(items = {}) {
    this.items = new Map(Object.entries(items));
  }
  get length() {
    return this.items.size;
  }
  key(index) {
    return [...this.items.keys()][index] ?? null;
  }
  getItem(key) {
    return this.items.has(key) ? this.items.get(key) : null;
  }
  setItem(key, value) {
    this.items.set(key, String(value));
  }
  removeItem(key) {
    this.items.delete(key);
  }
}

/** A scheduler that holds the flush until the test calls `run()`, like an animation frame that has not come yet. */
export function manualSchedule() {
  const pending = [];
  const schedule = (fn) => pending.push(fn);
  schedule.run = () => pending.splice(0).forEach((fn) => fn());
  return schedule;
}
