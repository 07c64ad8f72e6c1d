// Copies the calendar address to the clipboard; where the clipboard is not available (an
// address without HTTPS), selects the text so that the person copies it themself.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  const status = document.getElementById("copy-status");
  if (!field) return;
  field.focus();
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    if (status) status.textContent = button.dataset.copied || "";
  } catch (error) {
    document.execCommand && document.execCommand("copy");
  }
});
