// "Add another" for a form's rows of fields (a proposal's indicators and milestones):
// a copy of the blank row Django renders in a <template>, numbered after the last.
// Without JavaScript the form still offers its spare blank rows.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-add-row]")) {
    const prefix = button.dataset.addRow;
    const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
    const template = document.getElementById(`${prefix}-template`);
    const list = document.querySelector(`[data-rows="${prefix}"]`);
    if (!total || !template || !list) continue;
    button.hidden = false;
    button.addEventListener("click", () => {
      const index = Number(total.value);
      const html = template.innerHTML
        .replaceAll("__prefix__", String(index))
        .replaceAll("__number__", String(index + 1));
      list.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      const first = list.lastElementChild.querySelector("input, select, textarea");
      if (first) first.focus();
    });
  }
});
