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
  // A box that scrolls on its own (a wide table on a phone, a long list of findings) must
  // be reachable from the keyboard, and named, to be scrolled without a mouse; one that
  // fits stays out of the tab order.
  const scrollers = document.querySelectorAll(
    "main .table-scroll, main table:not(.cards):not(.stack-sm), main .findings",
  );
  const nameOf = (box) => {
    const caption = box.querySelector("caption");
    if (caption) return caption.textContent.trim();
    for (let node = box; node && node !== document.body; node = node.parentElement) {
      let sibling = node.previousElementSibling;
      while (sibling && !/^H[1-6]$/.test(sibling.tagName)) sibling = sibling.previousElementSibling;
      if (sibling) return sibling.textContent.trim();
    }
    return document.title;
  };
  const markScrollers = () => {
    for (const box of scrollers) {
      const style = getComputedStyle(box);
      const scrolls =
        (/(auto|scroll)/.test(style.overflowX) && box.scrollWidth > box.clientWidth + 1) ||
        (/(auto|scroll)/.test(style.overflowY) && box.scrollHeight > box.clientHeight + 1);
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.scrollFocus = "";
        if (box.tagName === "DIV") box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
          box.setAttribute("aria-label", nameOf(box));
        }
      } else if (!scrolls && "scrollFocus" in box.dataset) {
        box.removeAttribute("tabindex");
        delete box.dataset.scrollFocus;
      }
    }
  };
  markScrollers();
  let resizing;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(markScrollers, 150);
  });
});
