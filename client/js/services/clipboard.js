// Copying a secret the user must keep (a recovery code): the clipboard when the browser allows it,
// else the text is selected in its box so the user can copy it themselves.

/** Copy `text`; true when it reached the clipboard. When it did not, `input` (the box showing it) is selected. */
export async function copyText(text, input = null) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (err) {
    console.warn(`Could not copy to the clipboard: ${err.message}`);
    input?.select();
    return false;
  }
}
