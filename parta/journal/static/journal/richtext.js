// The lesson page's small rich text editor (JRN-3), without any library.
// Each <textarea data-richtext> gets an editable area and the toolbar rendered next to it in
// the template ([data-rt-toolbar=ID], hidden until this script runs). The area's HTML is
// copied back into the textarea as it changes; the server sanitizes whatever arrives.
// The toolbar follows the WAI-ARIA toolbar pattern: one Tab stop, arrows move between
// buttons; Ctrl+B/I/U work inside the area as in any editor.
(() => {
  const SAFE_URL = /^(https?:\/\/|mailto:)/i;

  function setup(area) {
    const toolbar = document.querySelector(`[data-rt-toolbar="${area.id}"]`);
    if (!toolbar || typeof document.execCommand !== "function") return;
    const label = document.getElementById(`${area.id}_label`);
    const editor = document.createElement("div");
    editor.className = "rt-editor";
    editor.contentEditable = "true";
    editor.id = `${area.id}_editor`;
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    if (label) editor.setAttribute("aria-labelledby", label.id);
    const described = [area.getAttribute("aria-describedby"), `${area.id}_hint`]
      .filter(Boolean).join(" ");
    editor.setAttribute("aria-describedby", described);
    if (area.getAttribute("aria-invalid")) editor.setAttribute("aria-invalid", "true");
    // The textarea's value was sanitized on the server before it was rendered.
    editor.innerHTML = area.value;
    area.hidden = true;
    area.after(editor);
    toolbar.hidden = false;
    toolbar.setAttribute("aria-controls", editor.id);
    if (label) label.addEventListener("click", (event) => { event.preventDefault(); editor.focus(); });

    try { document.execCommand("defaultParagraphSeparator", false, "p"); } catch (e) { /* old browsers: <div>, cleaned on the server */ }
    const sync = () => { area.value = editor.innerHTML; };
    editor.addEventListener("input", sync);
    area.form.addEventListener("submit", sync);

    let range = null;
    document.addEventListener("selectionchange", () => {
      const selection = document.getSelection();
      if (selection.rangeCount && editor.contains(selection.anchorNode)) {
        range = selection.getRangeAt(0).cloneRange();
        updatePressed();
      }
    });
    const restore = () => {
      editor.focus();
      if (range) {
        const selection = document.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      }
    };

    const buttons = [...toolbar.querySelectorAll("button")];
    buttons.forEach((button, index) => { button.tabIndex = index === 0 ? 0 : -1; });
    function updatePressed() {
      buttons.forEach((button) => {
        if (!button.hasAttribute("aria-pressed")) return;
        let on = false;
        try { on = document.queryCommandState(button.dataset.cmd); } catch (e) { on = false; }
        button.setAttribute("aria-pressed", on ? "true" : "false");
      });
    }
    toolbar.addEventListener("keydown", (event) => {
      const at = buttons.indexOf(document.activeElement);
      if (at < 0) return;
      let next = null;
      if (event.key === "ArrowRight") next = (at + 1) % buttons.length;
      if (event.key === "ArrowLeft") next = (at - 1 + buttons.length) % buttons.length;
      if (event.key === "Home") next = 0;
      if (event.key === "End") next = buttons.length - 1;
      if (next === null) return;
      event.preventDefault();
      buttons[at].tabIndex = -1;
      buttons[next].tabIndex = 0;
      buttons[next].focus();
    });
    // Keep the text's selection when a button is clicked with the mouse.
    toolbar.addEventListener("mousedown", (event) => {
      if (event.target.closest("button")) event.preventDefault();
    });
    toolbar.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      const cmd = button.dataset.cmd;
      if (cmd === "createLink") {
        let url = window.prompt(button.dataset.prompt, "https://");
        if (!url) return;
        url = url.trim();
        if (!SAFE_URL.test(url) && /^[\w.-]+\.[a-z]{2,}(\/|$)/i.test(url)) url = `https://${url}`;
        if (!SAFE_URL.test(url)) { window.alert(button.dataset.invalid); return; }
        restore();
        document.execCommand("createLink", false, url);
      } else {
        restore();
        document.execCommand(cmd, false, null);
      }
      sync();
      updatePressed();
    });
  }

  document.querySelectorAll("textarea[data-richtext]").forEach(setup);
})();
