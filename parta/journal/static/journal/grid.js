// The teacher's journal grid (JRN-4..7): keyboard-first entry, each cell saved on its own.
//
// Without this script the page is a plain, readable table. With it the table becomes an
// ARIA grid with one tab stop (roving tabindex): arrows, Home/End and PageUp/PageDown move;
// a digit or an attendance letter starts editing the cell; Enter saves and moves down, Tab
// saves and moves right, Esc puts back what the cell held; Delete clears; Ctrl+Z undoes the
// last save; F2 opens the cell's comment, absence reason and history. Every save is a POST
// of its own; the cell shows "saving", "saved" or "failed" with an icon and a text for
// screen readers, and the status line above the grid says what happened (aria-live).
(() => {
  "use strict";
  const table = document.getElementById("jg");
  if (!table) return;
  const T = JSON.parse(document.getElementById("jg-texts").textContent);
  const csrf = table.dataset.csrf;
  const statusLine = document.getElementById("jg-status");
  const errorLine = document.getElementById("jg-error");
  const wrap = document.getElementById("jg-wrap");
  const headers = [...table.tHead.rows[0].cells];
  const undoStack = [];
  let active = null;
  let editor = null;
  let pending = 0;
  let touched = false;

  const fmt = (text, args) => text.replace(/\{(\w+)\}/g, (_, key) => (key in args ? args[key] : ""));
  const url = (template, a, b) =>
    template.replace("111111111", String(a)).replace("222222222", String(b));
  const shown = (text) => text || T.empty;

  // --- what a cell is ---------------------------------------------------------------------
  function info(cell) {
    const row = cell.parentElement;
    const student = row.dataset.s;
    const name = student ? row.cells[0].dataset.name : "";
    const head = headers[cell.cellIndex];
    if (cell.classList.contains("jg-c")) {
      return {
        kind: "mark",
        lock: head.dataset.lock || "",
        student,
        name,
        where: head.dataset.label,
        topic: head.title || "",
        url: url(table.dataset.cellUrl, head.dataset.l, student),
        history: url(table.dataset.historyUrl, head.dataset.l, student),
      };
    }
    if (cell.dataset.final) {
      const year = cell.dataset.final === "year";
      return {
        kind: "final",
        lock: (year ? table.dataset.yearLock : table.dataset.finalLock) || "",
        student,
        name,
        where: head.textContent.trim(),
        url: url(table.dataset.finalUrl, 0, student),
        term: cell.dataset.final,
      };
    }
    return { kind: null, student, name };
  }

  function editable(cell) {
    if (cell.classList.contains("jg-c")) return !headers[cell.cellIndex].dataset.lock;
    if (cell.dataset.final === "year") return !table.dataset.yearLock;
    if (cell.dataset.final) return !table.dataset.finalLock;
    return false;
  }

  function textOf(cell) {
    const node = cell.firstChild;
    return node && node.nodeType === Node.TEXT_NODE ? node.data.trim() : "";
  }

  function setText(cell, text) {
    const node = cell.firstChild;
    if (node && node.nodeType === Node.TEXT_NODE) node.data = text;
    else cell.insertBefore(document.createTextNode(text), cell.firstChild);
  }

  function saved(cell) {
    if (!cell._saved) {
      cell._saved = { value: textOf(cell), comment: cell.dataset.c || "", reason: cell.dataset.r || "" };
    }
    return cell._saved;
  }

  function hiddenText(text) {
    const span = document.createElement("span");
    span.className = "visually-hidden";
    span.textContent = text;
    return span;
  }

  function setNote(cell, comment, reason) {
    cell.querySelector(".jg-note")?.remove();
    cell.dataset.c = comment;
    cell.dataset.r = reason;
    const parts = [];
    if (reason) parts.push(`${T.reason}: ${reason}.`);
    if (comment) parts.push(`${T.comment}: ${comment}`);
    if (!parts.length) {
      cell.removeAttribute("title");
      return;
    }
    const note = document.createElement("span");
    note.className = "jg-note";
    note.append(hiddenText(parts.join(" ")));
    cell.querySelector(".jg-st") ? cell.insertBefore(note, cell.querySelector(".jg-st")) : cell.append(note);
    cell.title = [reason, comment].filter(Boolean).join(" · ");
  }

  const ICONS = { saving: "…", saved: "✓", failed: "!" };
  function setState(cell, state, message) {
    cell.classList.remove("is-saving", "is-saved", "is-failed");
    cell.querySelector(".jg-st")?.remove();
    cell.removeAttribute("aria-invalid");
    if (cell._error) delete cell._error;
    if (state !== "failed") delete cell._retry;
    if (!state) return;
    cell.classList.add(`is-${state}`);
    const mark = document.createElement("span");
    mark.className = "jg-st";
    const icon = document.createElement("span");
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = ICONS[state];
    mark.append(icon, hiddenText(message ? `${T[`state_${state}`]}: ${message}` : T[`state_${state}`]));
    cell.append(mark);
    if (state === "failed") {
      cell.setAttribute("aria-invalid", "true");
      cell._error = message;
    }
    if (state === "saved") {
      clearTimeout(cell._fade);
      cell._fade = setTimeout(() => {
        if (cell.classList.contains("is-saved")) setState(cell, null);
      }, 4000);
    }
  }

  function say(message) {
    statusLine.textContent = message;
  }

  function warn(message, kind = "error") {
    errorLine.textContent = message;
    errorLine.dataset.kind = kind;
  }

  // --- the totals stay in sight on a wide screen ------------------------------------------
  // The averages and final grades stick to the right edge when there is room for them and
  // a few lessons; on a phone they scroll with the rest.
  let stuckWidth = 0;
  function stickTotals() {
    const totals = headers.filter((head) => head.classList.contains("jg-s"));
    for (const row of table.rows) {
      for (const head of totals) {
        const cell = row.cells[head.cellIndex];
        cell.classList.remove("jg-stick", "jg-stick-edge");
        cell.style.right = "";
      }
    }
    stuckWidth = 0;
    const width = totals.reduce((sum, head) => sum + head.offsetWidth, 0);
    if (!totals.length || width > wrap.clientWidth * 0.5 || table.offsetWidth <= wrap.clientWidth) return;
    let right = 0;
    for (let i = totals.length - 1; i >= 0; i -= 1) {
      for (const row of table.rows) {
        const cell = row.cells[totals[i].cellIndex];
        cell.classList.add("jg-stick");
        if (i === 0) cell.classList.add("jg-stick-edge");
        cell.style.right = `${right}px`;
      }
      right += totals[i].offsetWidth;
    }
    stuckWidth = right;
  }

  // --- moving around ----------------------------------------------------------------------
  function focusTarget(cell) {
    return cell.querySelector(".jg-gt-btn") || cell;
  }

  function setActive(cell, focus = true) {
    if (active) focusTarget(active).tabIndex = -1;
    active = cell;
    const target = focusTarget(cell);
    target.tabIndex = 0;
    if (focus) {
      target.focus({ preventScroll: true });
      reveal(cell);
      if (cell._error) warn(fmt(T.failedAt, { student: info(cell).name, where: info(cell).where, error: cell._error }));
    }
  }

  // Keep the focused cell out from under the sticky names column and header row.
  function reveal(cell) {
    const nameWidth = table.tHead.rows[0].cells[0].offsetWidth;
    const headHeight = table.tHead.offsetHeight;
    const left = cell.offsetLeft;
    const top = cell.offsetTop;
    if (cell.cellIndex > 0 && !cell.classList.contains("jg-stick")) {
      const visible = wrap.clientWidth - stuckWidth;
      if (left - nameWidth < wrap.scrollLeft) wrap.scrollLeft = left - nameWidth;
      else if (left + cell.offsetWidth > wrap.scrollLeft + visible)
        wrap.scrollLeft = left + cell.offsetWidth - visible;
    }
    if (cell.parentElement.parentElement !== table.tHead) {
      if (top - headHeight < wrap.scrollTop) wrap.scrollTop = top - headHeight;
      else if (top + cell.offsetHeight > wrap.scrollTop + wrap.clientHeight)
        wrap.scrollTop = top + cell.offsetHeight - wrap.clientHeight;
    }
  }

  function moveTo(rowIndex, cellIndex) {
    const rows = table.rows;
    const r = Math.max(0, Math.min(rows.length - 1, rowIndex));
    const cells = rows[r].cells;
    setActive(cells[Math.max(0, Math.min(cells.length - 1, cellIndex))]);
  }

  function moveBy(cell, dr, dc) {
    moveTo(cell.parentElement.rowIndex + dr, cell.cellIndex + dc);
  }

  // --- editing ----------------------------------------------------------------------------
  function startEdit(cell, initial, selectAll) {
    const it = info(cell);
    if (!it.kind) return;
    if (it.lock) {
      warn(it.lock, "lock");
      return;
    }
    const input = document.createElement("input");
    input.type = "text";
    input.className = "jg-editor";
    input.autocomplete = "off";
    input.maxLength = 6;
    input.value = initial;
    if (it.kind === "final") input.inputMode = "numeric";
    input.setAttribute("aria-label", fmt(T.editor, { student: it.name, where: it.where }));
    cell.classList.add("is-editing");
    cell.append(input);
    editor = { cell, input, original: textOf(cell) };
    input.addEventListener("keydown", onEditorKey);
    input.addEventListener("blur", () => {
      if (editor && editor.input === input) finishEdit(true, null);
    });
    input.focus();
    if (selectAll) input.select();
    else input.setSelectionRange(input.value.length, input.value.length);
  }

  function finishEdit(commit, move) {
    if (!editor) return;
    const { cell, input, original } = editor;
    editor = null;
    const value = input.value.trim();
    input.remove();
    cell.classList.remove("is-editing");
    if (commit && value !== original) save(cell, { value });
    else if (!commit) say(fmt(T.restored, { student: info(cell).name, where: info(cell).where, text: shown(original) }));
    if (move) moveBy(cell, move[0], move[1]);
    else setActive(cell);
  }

  function onEditorKey(event) {
    const keys = {
      Enter: [1, 0],
      ArrowDown: [1, 0],
      ArrowUp: [-1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
      Tab: [0, event.shiftKey ? -1 : 1],
    };
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      finishEdit(false, null);
    } else if (event.key in keys) {
      event.preventDefault();
      event.stopPropagation();
      const move = event.key === "Enter" && event.shiftKey ? [-1, 0] : keys[event.key];
      finishEdit(true, move);
    }
  }

  // --- saving -----------------------------------------------------------------------------
  async function post(target, fields) {
    const body = new URLSearchParams(fields);
    let response;
    try {
      response = await fetch(target, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      });
    } catch (error) {
      throw retryable(T.offline);
    }
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (data && data.ok) return data;
    if (data && (data.error || data.detail)) throw new Error(data.error || data.detail);
    if (response.status === 404) throw new Error(T.notFound);
    if (response.status === 403 || response.redirected) throw retryable(T.session);
    throw retryable(T.serverError);
  }

  function retryable(message) {
    const error = new Error(message);
    error.retry = true;
    return error;
  }

  // Back online: the cells that failed for want of a connection are sent again.
  window.addEventListener("online", () => {
    for (const cell of table.querySelectorAll("td.is-failed")) {
      if (cell._retry) save(cell, cell._retry);
    }
  });

  // Save ``fields`` of a cell; resolves to null or to the error message. Saves of one cell
  // run one after another, each with the version the previous one returned.
  function save(cell, fields, { record = true } = {}) {
    const it = info(cell);
    const before = { ...saved(cell) };
    if ("value" in fields) setText(cell, fields.value);
    setState(cell, "saving");
    pending += 1;
    const run = async () => {
      const body = { ...fields, seen_version: cell.dataset.v || "0" };
      if (it.kind === "final") body.term = it.term;
      try {
        const data = await post(it.url, body);
        cell.dataset.v = String(data.version);
        const now = {
          value: data.text,
          comment: data.comment ?? before.comment,
          reason: data.reason ?? before.reason,
        };
        cell._saved = now;
        setText(cell, data.text);
        if (it.kind === "mark") setNote(cell, now.comment, now.reason);
        setState(cell, "saved");
        const changed = now.value !== before.value || now.comment !== before.comment || now.reason !== before.reason;
        if (record && changed) {
          const restore = {};
          for (const key of Object.keys(fields)) restore[key] = before[key];
          undoStack.push({ cell, restore, after: now });
        }
        updateRow(cell.parentElement, data.summary);
        let message =
          now.value === before.value && changed
            ? fmt(T.savedNote, { student: it.name, where: it.where, text: shown(now.value) })
            : fmt(T.saved, { student: it.name, where: it.where, old: shown(before.value), new: shown(now.value) });
        if (data.summary && data.summary.plain !== undefined) {
          const average = data.summary.weighted ?? data.summary.plain;
          message += ` ${fmt(T.average, { value: average })}`;
        }
        say(message);
        if (data.warning) warn(data.warning, "warning");
        else if (errorLine.dataset.kind !== "warning") warn("");
        return null;
      } catch (error) {
        setState(cell, "failed", error.message);
        // Not a rule's refusal but the connection or the session: kept to send again.
        if (error.retry) cell._retry = fields;
        warn(fmt(T.failedAt, { student: it.name, where: it.where, error: error.message }));
        return error.message;
      } finally {
        pending -= 1;
      }
    };
    cell._queue = (cell._queue || Promise.resolve()).then(run);
    return cell._queue;
  }

  function updateRow(row, summary) {
    if (!summary) return;
    for (const [key, value] of Object.entries(summary)) {
      const target = row.querySelector(`[data-sum="${key}"]`);
      if (target && target.textContent !== value) {
        target.textContent = value;
        target.classList.remove("is-updated");
        void target.offsetWidth;
        target.classList.add("is-updated");
      }
    }
  }

  function undo() {
    const entry = undoStack.pop();
    if (!entry) {
      say(T.nothingToUndo);
      return;
    }
    const { cell, restore } = entry;
    setActive(cell);
    const it = info(cell);
    say(fmt(T.undoing, { student: it.name, where: it.where }));
    save(cell, restore, { record: false });
  }

  // A failed cell keeps what was typed; Esc puts back what is saved.
  function restoreFailed(cell) {
    if (!cell.classList.contains("is-failed")) return false;
    const was = saved(cell);
    setText(cell, was.value);
    setState(cell, null);
    warn("");
    say(fmt(T.restored, { student: info(cell).name, where: info(cell).where, text: shown(was.value) }));
    return true;
  }

  // --- the grid's keys --------------------------------------------------------------------
  table.addEventListener("keydown", (event) => {
    if (editor || event.target.closest("dialog")) return;
    const cell = event.target.closest("td, th");
    if (!cell || !table.contains(cell)) return;
    const ctrl = event.ctrlKey || event.metaKey;
    const rowIndex = cell.parentElement.rowIndex;
    const moves = {
      ArrowDown: [1, 0],
      ArrowUp: [-1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
    };
    if (event.key in moves && !event.altKey) {
      event.preventDefault();
      moveBy(cell, ...moves[event.key]);
    } else if (event.key === "Home") {
      event.preventDefault();
      moveTo(ctrl ? 1 : rowIndex, 0);
    } else if (event.key === "End") {
      event.preventDefault();
      moveTo(ctrl ? table.rows.length - 1 : rowIndex, cell.parentElement.cells.length - 1);
    } else if (event.key === "PageDown" || event.key === "PageUp") {
      event.preventDefault();
      moveBy(cell, event.key === "PageDown" ? 10 : -10, 0);
    } else if (event.key === "Enter" && event.target === cell) {
      event.preventDefault();
      moveBy(cell, event.shiftKey ? -1 : 1, 0);
    } else if (event.key === "F2") {
      event.preventDefault();
      if (cell.dataset.l) openType(cell);
      else openDetails(cell);
    } else if (event.key === "Escape") {
      if (restoreFailed(cell)) event.preventDefault();
    } else if (ctrl && (event.key === "z" || event.key === "Z" || event.key === "я" || event.key === "Я")) {
      event.preventDefault();
      undo();
    } else if ((event.key === "Delete" || event.key === "Backspace") && cell.tagName === "TD") {
      event.preventDefault();
      startEdit(cell, "", false);
    } else if (event.key.length === 1 && !ctrl && !event.altKey && event.key !== " " && cell.tagName === "TD") {
      event.preventDefault();
      startEdit(cell, event.key, false);
    }
  });

  table.addEventListener("pointerdown", (event) => {
    touched = event.pointerType === "touch";
  });
  table.addEventListener("click", (event) => {
    if (event.target.closest(".jg-editor, .jg-gt-btn")) return;
    const cell = event.target.closest("td, th");
    if (!cell || !table.contains(cell) || cell.parentElement.parentElement === table.tHead) return;
    const again = cell === active;
    setActive(cell);
    // On a phone there is no keyboard until a field has focus: a tap opens the editor.
    if ((touched || again) && info(cell).kind) startEdit(cell, textOf(cell), true);
  });
  table.addEventListener("dblclick", (event) => {
    const cell = event.target.closest("td");
    if (cell && !editor && info(cell).kind) startEdit(cell, textOf(cell), true);
  });
  table.addEventListener("focusin", (event) => {
    const cell = event.target.closest("td, th");
    if (cell && cell !== active && !event.target.classList.contains("jg-editor")) setActive(cell, false);
  });

  // --- the cell's details: comment, absence reason, history --------------------------------
  const details = document.getElementById("jg-cell-dialog");
  const detailsForm = document.getElementById("jg-cell-form");
  const historyBox = document.getElementById("jg-cell-history");
  const historyButton = document.getElementById("jg-cell-history-btn");
  let detailsCell = null;

  function openDetails(cell) {
    const it = info(cell);
    if (it.kind !== "mark") return;
    detailsCell = cell;
    const was = saved(cell);
    document.getElementById("jg-cell-title").textContent = it.name;
    document.getElementById("jg-cell-where").textContent = it.topic ? `${it.where} — ${it.topic}` : it.where;
    const lessonLink = document.getElementById("jg-cell-lesson");
    if (lessonLink) lessonLink.href = url(lessonLink.dataset.url, headers[cell.cellIndex].dataset.l, 0);
    const fields = { value: textOf(cell), reason: was.reason, comment: was.comment };
    for (const [name, value] of Object.entries(fields)) {
      const field = detailsForm.elements[name];
      field.value = value;
      field.readOnly = Boolean(it.lock);
    }
    detailsForm.querySelector("[type=submit]").hidden = Boolean(it.lock);
    document.getElementById("jg-cell-error").textContent = it.lock;
    historyBox.replaceChildren();
    historyButton.setAttribute("aria-expanded", "false");
    details.showModal();
    detailsForm.elements.value.focus();
  }

  detailsForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const cell = detailsCell;
    const fields = {
      value: detailsForm.elements.value.value.trim(),
      reason: detailsForm.elements.reason.value.trim(),
      comment: detailsForm.elements.comment.value.trim(),
    };
    const error = await save(cell, fields);
    if (error) {
      document.getElementById("jg-cell-error").textContent = error;
      detailsForm.elements.value.focus();
    } else {
      details.close();
    }
  });
  details.addEventListener("close", () => {
    if (detailsCell) setActive(detailsCell);
    detailsCell = null;
  });

  historyButton.addEventListener("click", async () => {
    if (!detailsCell) return;
    historyBox.textContent = T.loading;
    historyButton.setAttribute("aria-expanded", "true");
    try {
      const response = await fetch(info(detailsCell).history, {
        credentials: "same-origin",
        headers: { "HX-Request": "true" },
      });
      if (!response.ok) throw new Error(String(response.status));
      historyBox.innerHTML = await response.text();
    } catch (error) {
      historyBox.textContent = T.historyFailed;
    }
  });

  for (const button of document.querySelectorAll("dialog [data-close]")) {
    button.addEventListener("click", () => button.closest("dialog").close());
  }

  // --- the grade type of a lesson (its column) --------------------------------------------
  const typeDialog = document.getElementById("jg-type-dialog");
  const typeForm = document.getElementById("jg-type-form");
  let typeHead = null;

  function openType(head) {
    if (!typeDialog || head.dataset.gt === undefined) return;
    typeHead = head;
    document.getElementById("jg-type-where").textContent = head.dataset.label;
    document.getElementById("jg-type-error").textContent = "";
    typeForm.elements.grade_type.value = head.dataset.gt;
    typeDialog.showModal();
    typeForm.elements.grade_type.focus();
  }

  for (const head of headers) {
    if (head.dataset.gt === undefined) continue;
    const label = head.querySelector("[data-gt-label]");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "jg-gt-btn";
    button.tabIndex = -1;
    button.setAttribute("aria-haspopup", "dialog");
    button.replaceChildren(...label.childNodes);
    button.append(hiddenText(` — ${T.changeType}`));
    label.replaceWith(button);
    button.addEventListener("click", () => openType(head));
  }

  if (typeForm) {
    typeForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const head = typeHead;
      const chosen = typeForm.elements.grade_type.value;
      try {
        const data = await post(url(table.dataset.typeUrl, head.dataset.l, 0), { grade_type: chosen });
        head.dataset.gt = chosen;
        const visible = document.createElement("span");
        visible.setAttribute("aria-hidden", "true");
        visible.textContent = data.label;
        head.querySelector(".jg-gt-btn").replaceChildren(
          hiddenText(`${T.gradeType}: ${data.name}, `),
          visible,
          hiddenText(` — ${T.changeType}`),
        );
        for (const row of table.tBodies[0].rows) {
          if (data.summaries[row.dataset.s]) updateRow(row, data.summaries[row.dataset.s]);
        }
        say(fmt(T.typeSaved, { where: head.dataset.label, type: data.name }));
        typeDialog.close();
      } catch (error) {
        document.getElementById("jg-type-error").textContent = error.message;
      }
    });
    typeDialog.addEventListener("close", () => {
      if (typeHead) setActive(typeHead);
      typeHead = null;
    });
  }

  // --- toolbar and start --------------------------------------------------------------------
  document.getElementById("jg-details-btn").addEventListener("click", () => {
    if (active && active.tagName === "TD") openDetails(active);
    else say(T.chooseCell);
  });
  document.getElementById("jg-undo-btn").addEventListener("click", undo);
  document.getElementById("jg-toolbar").hidden = false;

  window.addEventListener("beforeunload", (event) => {
    const unsent = [...table.querySelectorAll("td.is-failed")].some((cell) => cell._retry);
    if (pending > 0 || editor || unsent) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  table.setAttribute("role", "grid");
  wrap.removeAttribute("tabindex");
  for (const row of table.rows) {
    for (const cell of row.cells) {
      focusTarget(cell).tabIndex = -1;
      if (cell.tagName === "TD" && !editable(cell)) cell.setAttribute("aria-readonly", "true");
    }
  }
  stickTotals();
  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(stickTotals, 150);
  });
  const start = table.tBodies[0].rows[0]?.cells[Number(table.dataset.focus || 0) + 1];
  if (start) {
    setActive(start, false);
    reveal(start);
  }
})();
