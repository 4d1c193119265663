// Behaviour shared by every page, kept out of the HTML so that the Content
// Security Policy can refuse inline scripts and event-handler attributes.
document.addEventListener("DOMContentLoaded", () => {
  for (const field of document.querySelectorAll("select[data-autosubmit]")) {
    field.addEventListener("change", () => field.form.submit());
  }
  // On a phone the header's links fold into a menu; without JavaScript they stay shown.
  const toggle = document.querySelector("header.top .menu-toggle");
  if (toggle) {
    const header = toggle.closest("header");
    header.classList.add("foldable");
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      const open = header.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }
});
