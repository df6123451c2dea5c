// The icon of the sign-in a user came with (Microsoft, GitHub or guest), as in the original.

const PROVIDER_ICONS = { aad: "fab fa-microsoft", github: "fab fa-github-alt", guest: "fas fa-user" };

/** Font Awesome classes for a provider; an unknown one gets the guest's. */
export function providerIcon(provider) {
  return PROVIDER_ICONS[provider] ?? PROVIDER_ICONS.guest;
}
