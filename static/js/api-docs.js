/* The API documentation: names for Swagger UI's unlabelled choices (the example shown, a
   parameter's value), so that a screen reader says what each one chooses, and the
   example boxes that scroll made reachable from the keyboard. Swagger UI
   draws its page after loading the schema and redraws parts of it as people open them,
   hence the observer. */
(function () {
  "use strict";
  const name = (select) => {
    if (select.classList.contains("examples-select-element")) {
      return document.documentElement.lang.startsWith("es") ? "Ejemplo" : "Example";
    }
    const row = select.closest("tr[data-param-name]");
    if (row) return row.getAttribute("data-param-name");
    const control = select.closest("[class*='content-type'], .body-param-content-type, .response-control-media-type");
    if (control) return document.documentElement.lang.startsWith("es") ? "Tipo de contenido" : "Content type";
    return null;
  };
  const label = () => {
    for (const select of document.querySelectorAll("#swagger-ui select:not([aria-label])")) {
      if (select.labels && select.labels.length) continue;
      const text = name(select);
      if (text) select.setAttribute("aria-label", text);
    }
    for (const box of document.querySelectorAll("#swagger-ui pre.microlight:not([tabindex])")) {
      box.setAttribute("tabindex", "0");
    }
  };
  new MutationObserver(label).observe(document.getElementById("swagger-ui"), {
    childList: true,
    subtree: true,
  });
})();
