// Story form: "Preview" shows the rendered story without reloading the page. Without JavaScript
// the same button posts the form and the server renders the preview (community/views.py), so
// this file only saves a round trip of the whole page; the HTML comes from the same sanitiser.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("form.story-form");
    const preview = document.getElementById("preview");
    const body = document.getElementById("preview-body");
    if (!form || !preview || !body || !window.fetch || !window.DOMParser) return;
    const button = form.querySelector('button[name="preview"]');

    button.addEventListener("click", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      data.set("preview", "1");
      button.disabled = true;
      try {
        const response = await fetch(form.getAttribute("action") || window.location.href, {
          method: "POST",
          body: data,
          credentials: "same-origin",
        });
        if (!response.ok) throw new Error(response.status);
        const html = await response.text();
        const rendered = new DOMParser().parseFromString(html, "text/html").getElementById("preview-body");
        if (!rendered) throw new Error("no preview");
        body.replaceChildren(...Array.from(rendered.childNodes, (node) => document.importNode(node, true)));
        preview.hidden = false;
        preview.focus();
        button.disabled = false;
      } catch {
        // fall back to the server round trip
        button.disabled = false;
        form.requestSubmit(button);
      }
    });
  });
})();
