// Story form: "Preview" shows the rendered story without reloading the page. Without JavaScript
// the same button posts the form and the server renders the preview (community/views.py), so
// this file only saves a round trip of the whole page; the HTML comes from the same sanitiser.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form.story-form");
  var preview = document.getElementById("preview");
  var body = document.getElementById("preview-body");
  if (!form || !preview || !body || !window.fetch || !window.DOMParser) return;
  var button = form.querySelector('button[name="preview"]');
  button.addEventListener("click", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    data.set("preview", "1");
    button.disabled = true;
    fetch(form.getAttribute("action") || window.location.href, {
      method: "POST", body: data, credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var rendered = new DOMParser().parseFromString(html, "text/html").getElementById("preview-body");
        if (!rendered) throw new Error("no preview");
        body.replaceChildren.apply(body, Array.from(rendered.childNodes).map(function (node) {
          return document.importNode(node, true);
        }));
        preview.hidden = false;
        preview.focus();
      })
      .then(function () { button.disabled = false; })
      .catch(function () {  // fall back to the server round trip
        button.disabled = false;
        form.requestSubmit(button);
      });
  });
});
