// The sign-in a user came with (Microsoft, GitHub or guest), as a small icon next to their name, so
// a guest "Ada" is told from a GitHub "Ada". Screen readers hear its name; a pointer shows it as a
// tooltip. A provider the server did not name shows nothing.

const PROVIDERS = {
  aad: { icon: "fab fa-microsoft", label: "Microsoft", title: "Signed in with Microsoft" },
  github: { icon: "fab fa-github-alt", label: "GitHub", title: "Signed in with GitHub" },
  guest: { icon: "fas fa-user", label: "Guest", title: "Guest (no sign-in)" },
};

export default {
  name: "ProviderIcon",
  props: {
    provider: { type: String, default: null },
  },
  computed: {
    known() {
      return Object.hasOwn(PROVIDERS, this.provider ?? "") ? PROVIDERS[this.provider] : null;
    },
  },
  template: `
    <span v-if="known" class="providerIcon" :data-provider="provider" role="img" :aria-label="known.label" :title="known.title">
      <i :class="known.icon" aria-hidden="true"></i>
    </span>`,
};
