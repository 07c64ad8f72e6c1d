// "Select all" for checkbox lists: <input type="checkbox" data-select-all="NAME" hidden>
// ticks every checkbox named NAME in its form. Without JavaScript it stays hidden and the
// page offers a button that needs no ticking. An element [data-selection-for="NAME"] in the
// same form, if any, is shown while a row is ticked, its [data-selection-count] the count.
document.querySelectorAll("input[data-select-all]").forEach((master) => {
  const boxes = () => master.form.querySelectorAll(`input[type=checkbox][name="${master.dataset.selectAll}"]`);
  const sync = () => {
    const all = [...boxes()];
    const ticked = all.filter((b) => b.checked).length;
    master.checked = ticked > 0 && ticked === all.length;
    master.indeterminate = ticked > 0 && ticked < all.length;
    const bar = master.form.querySelector(`[data-selection-for="${master.dataset.selectAll}"]`);
    if (bar) {
      bar.hidden = ticked === 0;
      bar.querySelector("[data-selection-count]").textContent = String(ticked);
    }
  };
  master.hidden = false;
  master.addEventListener("change", () => {
    boxes().forEach((b) => { b.checked = master.checked; });
    sync();
  });
  master.form.addEventListener("change", (event) => {
    if (event.target !== master) sync();
  });
  sync();
});
