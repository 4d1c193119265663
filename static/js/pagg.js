// Behaviour shared by every page, kept out of the HTML so that the Content
// Security Policy can refuse inline scripts and event-handler attributes.
document.addEventListener("DOMContentLoaded", () => {
  for (const field of document.querySelectorAll("select[data-autosubmit]")) {
    field.addEventListener("change", () => field.form.submit());
  }
});
