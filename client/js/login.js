// The login page: Guest (a name; the server issues the credential), or sign-in through Static Web Apps.
import { registerGuest } from "./services/api.js";
import { guestCredential, saveGuestCredential, signedInPrincipal } from "./services/identity.js";
import { USER_NAME_MAX, limitStatus } from "./model/limits.js";

const dialog = document.getElementById("guestDialog");
const form = document.getElementById("guestForm");
const nameInput = document.getElementById("guestName");
const loginButton = document.getElementById("guestLogin");
const errorText = document.getElementById("guestError");

/** Someone already logged in (a guest credential or an SWA sign-in) goes straight to the app. */
async function skipWhenLoggedIn() {
  try {
    if (guestCredential() !== null || (await signedInPrincipal()) !== null) location.replace("/index.html");
  } catch (err) {
    console.warn(`Could not check the sign-in: ${err.message}`);
  }
}

document.getElementById("guestButton").addEventListener("click", () => {
  errorText.textContent = "";
  dialog.showModal();
  nameInput.focus();
});

document.getElementById("guestCancel").addEventListener("click", () => dialog.close());

/** A name over the limit is never cut: the dialog says so and keeps it until it is shortened. */
function checkName() {
  const name = nameInput.value.trim();
  const limit = limitStatus(name, USER_NAME_MAX, "name");
  loginButton.disabled = name === "" || limit.over > 0;
  errorText.textContent = limit.problem;
  nameInput.classList.toggle("is-danger", limit.over > 0);
  return name !== "" && !limit.over;
}

nameInput.addEventListener("input", checkName);

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!checkName()) return;
  const name = nameInput.value.trim();
  loginButton.disabled = true;
  loginButton.classList.add("is-loading");
  try {
    const answer = await registerGuest(name);
    saveGuestCredential(answer.guest);
    location.assign("/index.html");
  } catch (err) {
    errorText.textContent = `Could not log in: ${err.detail ?? err.message}`;
    loginButton.disabled = false;
  } finally {
    loginButton.classList.remove("is-loading");
  }
});

skipWhenLoggedIn();
