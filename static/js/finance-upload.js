// Upload with a progress bar, then follow the checks until they finish.
(function () {
  const script = document.currentScript;
  const form = document.getElementById("upload-form");
  if (!form) return;
  const bar = document.querySelector("#upload-progress span");
  const box = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");
  const show = (fraction, text) => {
    box.hidden = false;
    bar.style.width = Math.round(fraction * 100) + "%";
    status.textContent = text;
  };
  form.addEventListener("submit", (event) => {
    if (!window.XMLHttpRequest || !window.FormData) return;
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) show((e.loaded / e.total) * 0.5, script.dataset.sending);
    });
    xhr.addEventListener("load", () => {
      let data = {};
      try { data = JSON.parse(xhr.responseText); } catch (err) { /* plain page */ }
      if (!data.id) { window.location.reload(); return; }
      const poll = () => {
        show(0.5 + data.progress / 200, script.dataset.checking + " " + data.progress + " %");
        if (data.result !== "pending") { window.location.href = data.url; return; }
        setTimeout(() => fetch("/finance/uploads/" + data.id + "/status/", {credentials: "same-origin"})
          .then((r) => r.json()).then((d) => { data = d; poll(); }), 700);
      };
      poll();
    });
    xhr.send(new FormData(form));
    document.getElementById("upload-button").disabled = true;
  });
})();
