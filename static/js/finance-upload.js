// Upload with a progress bar, then follow the checks until they finish and show the
// page the form names (data-next: the task page it sits on), or the submission's.
(function () {
  const script = document.currentScript;
  const form = document.getElementById("upload-form");
  if (!form) return;
  const bar = document.querySelector("#upload-progress span");
  const box = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");
  const button = document.getElementById("upload-button");
  const show = (fraction, text) => {
    box.hidden = false;
    bar.style.width = Math.round(fraction * 100) + "%";
    status.textContent = text;
  };
  const done = (data) => { window.location.href = form.dataset.next || data.url; };
  const follow = (data) => {
    show(0.5 + data.progress / 200, script.dataset.checking + " " + data.progress + " %");
    if (data.result !== "pending") { done(data); return; }
    setTimeout(() => fetch("/finance/uploads/" + data.id + "/status/", {credentials: "same-origin"})
      .then((r) => r.json()).then(follow), 700);
  };
  // The refusal of a file before it is checked (too large, none chosen), in its words.
  const refused = (errors) => {
    const texts = Array.isArray(errors) ? errors : Object.values(errors || {}).flat()
      .map((e) => (e && e.message) || e);
    box.hidden = true;
    status.textContent = texts.join(" ");
    status.classList.add("errorlist");
    button.disabled = false;
  };
  form.addEventListener("submit", (event) => {
    if (!window.XMLHttpRequest || !window.FormData) return;
    event.preventDefault();
    status.classList.remove("errorlist");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) show((e.loaded / e.total) * 0.5, script.dataset.sending);
    });
    xhr.addEventListener("load", () => {
      let data = {};
      try { data = JSON.parse(xhr.responseText); } catch (err) { /* plain page */ }
      if (data.id) { follow(data); return; }
      if (data.errors) { refused(data.errors); return; }
      window.location.reload();
    });
    xhr.send(new FormData(form));
    button.disabled = true;
  });
  // A file still being checked when the page opened: follow it too.
  if (form.dataset.pending) {
    button.disabled = true;
    fetch("/finance/uploads/" + form.dataset.pending + "/status/", {credentials: "same-origin"})
      .then((r) => r.json()).then(follow);
  }
})();
