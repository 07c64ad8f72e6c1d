// MSG-1: the "To" field of a new message as a combobox (WAI-ARIA 1.2 pattern). As the person
// types a name, Parta suggests the people they may write to; arrows move, Enter chooses, Escape
// closes. A chosen person becomes a chip with a hidden input "to". Without this script the
// same form works with the "Find" button and checkboxes.
(function () {
  "use strict";
  var box = document.querySelector("fieldset.recipients");
  if (!box || !window.fetch) return;
  var input = box.querySelector("#recipient-search");
  var list = box.querySelector("#recipient-options");
  var chips = box.querySelector("#chosen");
  var status = box.querySelector("#recipient-status");
  var url = box.getAttribute("data-search-url");
  var timer = null;
  var active = -1;
  var results = [];
  var seq = 0;

  function chosenIds() {
    return Array.prototype.map.call(chips.querySelectorAll("input[name=to]"), function (i) {
      return i.value;
    });
  }

  function say(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 30);
  }

  function close() {
    list.hidden = true;
    list.innerHTML = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
    results = [];
  }

  function highlight(index) {
    var options = list.querySelectorAll("[role=option]");
    if (!options.length) return;
    active = (index + options.length) % options.length;
    Array.prototype.forEach.call(options, function (o, i) {
      o.setAttribute("aria-selected", i === active ? "true" : "false");
      o.classList.toggle("active", i === active);
    });
    input.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({ block: "nearest" });
  }

  function render(found) {
    var taken = chosenIds();
    results = found.filter(function (r) { return taken.indexOf(String(r.id)) < 0; });
    list.innerHTML = "";
    if (!results.length) {
      var empty = document.createElement("li");
      empty.className = "list-group-item text-muted";
      empty.setAttribute("role", "option");
      empty.setAttribute("aria-disabled", "true");
      empty.id = "recipient-none";
      empty.textContent = box.getAttribute("data-nothing");
      list.appendChild(empty);
      results = [];
    }
    results.forEach(function (r, i) {
      var li = document.createElement("li");
      li.className = "list-group-item list-group-item-action recipient-option";
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.id = "recipient-option-" + r.id;
      var name = document.createElement("span");
      name.textContent = r.name;
      li.appendChild(name);
      if (r.description) {
        var about = document.createElement("span");
        about.className = "d-block small text-muted";
        about.textContent = r.description;
        li.appendChild(about);
      }
      li.addEventListener("mousedown", function (e) { e.preventDefault(); });
      li.addEventListener("click", function () { choose(i); });
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  }

  function search() {
    var q = input.value.trim();
    if (q.length < 2) { close(); return; }
    var mine = ++seq;
    fetch(url + "?q=" + encodeURIComponent(q), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) { if (mine === seq) render(data.results || []); })
      .catch(function () { /* the "Find" button still works */ });
  }

  function chip(r) {
    var li = document.createElement("li");
    li.className = "recipient-chip";
    li.setAttribute("data-id", r.id);
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = "to";
    hidden.value = r.id;
    var name = document.createElement("span");
    name.className = "recipient-name";
    name.textContent = r.name;
    li.appendChild(hidden);
    li.appendChild(name);
    if (r.description) {
      var about = document.createElement("span");
      about.className = "recipient-about";
      about.textContent = " " + r.description;
      li.appendChild(about);
    }
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "btn btn-sm btn-link p-0 ms-1 recipient-remove";
    remove.textContent = box.getAttribute("data-remove-label");
    var hiddenName = document.createElement("span");
    hiddenName.className = "visually-hidden";
    hiddenName.textContent = " " + r.name;
    remove.appendChild(hiddenName);
    li.appendChild(remove);
    return li;
  }

  function choose(index) {
    var r = results[index];
    if (!r) return;
    chips.appendChild(chip(r));
    say(box.getAttribute("data-added") + " " + r.name);
    input.value = "";
    close();
    input.focus();
  }

  // Removing a chip needs no round trip when the script runs.
  chips.addEventListener("click", function (e) {
    var button = e.target.closest(".recipient-remove");
    if (!button) return;
    e.preventDefault();
    var li = button.closest(".recipient-chip");
    var name = li.querySelector(".recipient-name").textContent;
    li.remove();
    say(box.getAttribute("data-removed") + " " + name);
    input.focus();
  });

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 200);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (list.hidden) search(); else highlight(active + 1);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      highlight(active - 1);
    } else if (e.key === "Enter") {
      // Enter chooses the highlighted person (or the only one found); it never sends.
      e.preventDefault();
      if (active >= 0) choose(active);
      else if (results.length === 1) choose(0);
      else search();
    } else if (e.key === "Escape") {
      if (!list.hidden) { e.preventDefault(); close(); }
    }
  });
  input.addEventListener("blur", function () { window.setTimeout(close, 150); });
})();
