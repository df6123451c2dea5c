// "Trying again in 4 s…", counting down each second to the socket's next try, then "Trying again now…".
export default {
  name: "RetryCountdown",
  props: {
    /** When the next try starts (ms since the epoch); 0 while a try is under way. */
    at: { type: Number, required: true },
  },
  data() {
    return { now: Date.now() };
  },
  computed: {
    seconds() {
      return Math.max(0, Math.ceil((this.at - this.now) / 1000));
    },
  },
  watch: {
    at: { handler: "tick", immediate: true },
  },
  beforeUnmount() {
    clearTimeout(this.timer);
  },
  methods: {
    /** Redraw on each whole second left, and stop at zero (a new `at` starts it again). */
    tick() {
      clearTimeout(this.timer);
      this.now = Date.now();
      const left = this.at - this.now;
      if (left <= 0) return;
      this.timer = setTimeout(() => this.tick(), left % 1000 || 1000);
    },
  },
  template: `<span>{{ seconds ? "Trying again in " + seconds + " s…" : "Trying again now…" }}</span>`,
};
