// Who is using this browser: a Static Web Apps sign-in, or a guest credential issued by the server.
import { revokeGuest } from "./api.js";

const GUEST_KEY = "chatrGuest";

/** The guest credential the server issued at guest login, or null. */
export function guestCredential() {
  return localStorage.getItem(GUEST_KEY);
}

/** Keep the credential returned by getToken so every later /api call proves the guest identity. */
export function saveGuestCredential(credential) {
  localStorage.setItem(GUEST_KEY, credential);
}

/** Forget the guest credential (guest logout, or a credential the server no longer accepts). */
export function forgetGuestCredential() {
  localStorage.removeItem(GUEST_KEY);
}

/** The Static Web Apps principal from /.auth/me, or null when nobody is signed in. */
export async function signedInPrincipal() {
  const res = await fetch("/.auth/me", { headers: { Accept: "application/json" } });
  if (!res.ok) throw new Error(`Failed to call /.auth/me (HTTP ${res.status})`);
  const body = await res.json();
  return body.clientPrincipal ?? null;
}

/**
 * Log out. A guest's credential (`credential`: read it before forgetting this browser's storage)
 * is revoked on the server, so every copy of it stops working and their other tabs close; when the
 * server cannot be reached, the guest is still logged out here. A signed-in user signs out of
 * Static Web Apps.
 */
export async function logout(user, credential = guestCredential()) {
  if (credential !== null) {
    try {
      await revokeGuest(credential);
    } catch (err) {
      console.warn(`Logged out here only: the server did not revoke the guest credential (${err.message})`);
    }
  }
  forgetGuestCredential();
  const signedIn = user?.userProvider !== "guest";
  location.assign(signedIn ? "/.auth/logout?post_logout_redirect_uri=/login.html" : "/login.html");
}
