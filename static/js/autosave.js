// Save the step's text as a draft a few seconds after the specialist stops typing.
(function () {
  const script = document.currentScript;
  const form = document.getElementById("step-form");
  if (!form || !form.dataset.autosave) return;
  const status = document.getElementById("autosave-status");
  let timer = null;
  const save = () => {
    const data = new FormData();
    for (const field of form.querySelectorAll("[name^='case-'], [name=csrfmiddlewaretoken]")) {
      data.append(field.name, field.value);
    }
    fetch(form.dataset.autosave, {method: "POST", body: data, credentials: "same-origin"})
      .then((r) => r.json())
      .then((d) => {
        if (d.saved) status.textContent = script.dataset.saved + " " + new Date(d.at).toLocaleTimeString();
      });
  };
  form.addEventListener("input", (event) => {
    if (!event.target.name || !event.target.name.startsWith("case-")) return;
    clearTimeout(timer);
    timer = setTimeout(save, 2000);
  });
})();
