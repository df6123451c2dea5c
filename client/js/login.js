// The login page: Guest (a name; the server issues the credential), a guest's recovery code (the way
// back to their account after a logout), or sign-in through Static Web Apps.
import { recoverGuest, registerGuest } from "./services/api.js";
import { copyText } from "./services/clipboard.js";
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

const recoverDialog = document.getElementById("recoverDialog");
const recoverForm = document.getElementById("recoverForm");
const codeInput = document.getElementById("recoverCode");
const recoverButton = document.getElementById("recoverLogin");
const recoverError = document.getElementById("recoverError");
const newCode = document.getElementById("recoverNewCode");
/** The longest wait (seconds) the page sits out by itself before trying a code again: a logout's margin. */
const LONGEST_AUTOMATIC_WAIT = 120;
let retryTimer = null;

document.getElementById("recoverButton").addEventListener("click", () => {
  recoverError.textContent = "";
  recoverDialog.showModal();
  codeInput.focus();
});

document.getElementById("recoverCancel").addEventListener("click", () => recoverDialog.close());
recoverDialog.addEventListener("close", () => {
  clearTimeout(retryTimer);
  if (!document.getElementById("recoverDone").hidden) location.assign("/index.html"); // back in: the app, as Continue does
});

/** Try the code; when the server says to wait (429), say so and try again then, within reason. */
async function tryCode() {
  const code = codeInput.value.trim();
  if (!code) {
    recoverError.textContent = "Type or paste your recovery code";
    return;
  }
  recoverButton.disabled = true;
  recoverButton.classList.add("is-loading");
  try {
    const answer = await recoverGuest(code);
    saveGuestCredential(answer.guest);
    document.getElementById("recoverAsk").hidden = true;
    document.getElementById("recoverDone").hidden = false;
    document.getElementById("recoverWelcome").textContent = `Welcome back, ${answer.user.userName}.`;
    newCode.value = answer.recoveryCode;
    document.getElementById("recoverContinue").focus();
  } catch (err) {
    const wait = err.status === 429 ? err.retryAfter : null;
    if (wait !== null && wait <= LONGEST_AUTOMATIC_WAIT) {
      recoverError.textContent = `${err.detail.replace(/[.!?]?$/, ".")} Chatr tries again then by itself.`;
      retryTimer = setTimeout(tryCode, wait * 1000);
      return;
    }
    recoverError.textContent = `Could not come back: ${err.detail ?? err.message}`;
    recoverButton.disabled = false;
  } finally {
    recoverButton.classList.remove("is-loading");
  }
}

recoverForm.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(retryTimer);
  tryCode();
});

document.getElementById("recoverCopy").addEventListener("click", async () => {
  const copied = await copyText(newCode.value, newCode);
  document.getElementById("recoverCopied").textContent = copied ? "Copied to the clipboard." : "Select the code and copy it yourself.";
});

document.getElementById("recoverContinue").addEventListener("click", () => location.assign("/index.html"));

skipWhenLoggedIn();
