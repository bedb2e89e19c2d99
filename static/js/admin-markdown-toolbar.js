// A small formatting toolbar above each Markdown field of the editor's form: bold, italic, heading,
// list and link. Plain buttons (reachable with Tab, pressed with Enter or Space), a static file so
// the Content-Security-Policy needs no inline script; without JavaScript the fields work as before.
(function () {
  "use strict";
  var ACTIONS = [
    { label: "Bold", text: "B", wrap: ["**", "**"], placeholder: "bold text" },
    { label: "Italic", text: "I", wrap: ["_", "_"], placeholder: "italic text" },
    { label: "Heading", text: "H", line: "## ", placeholder: "Heading" },
    { label: "List (bulleted)", text: "• List", line: "- ", placeholder: "item" },
    { label: "Link", text: "Link", wrap: ["[", "](https://)"], placeholder: "link text" },
  ];

  function apply(textarea, action) {
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var value = textarea.value, selected = value.slice(start, end) || action.placeholder;
    var before = value.slice(0, start), after = value.slice(end), insert;
    if (action.line) {
      var lines = selected.split("\n").map(function (l) { return action.line + l; });
      var needsBreak = before && !before.endsWith("\n") ? "\n" : "";
      insert = needsBreak + lines.join("\n");
    } else {
      insert = action.wrap[0] + selected + action.wrap[1];
    }
    textarea.value = before + insert + after;
    var selStart = before.length + insert.indexOf(selected);
    textarea.focus();
    textarea.setSelectionRange(selStart, selStart + selected.length);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));  // markdownx refreshes its preview
  }

  function toolbarFor(textarea) {
    var bar = document.createElement("div");
    bar.className = "md-toolbar";
    bar.setAttribute("role", "toolbar");
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    bar.setAttribute("aria-label", "Formatting" + (label ? " for " + label.textContent.replace(/:$/, "") : ""));
    bar.setAttribute("aria-controls", textarea.id);
    ACTIONS.forEach(function (action) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = action.text;
      button.setAttribute("aria-label", action.label);
      button.title = action.label;
      button.addEventListener("click", function () { apply(textarea, action); });
      bar.appendChild(button);
    });
    return bar;
  }

  function init() {
    document.querySelectorAll("textarea.markdownx-editor").forEach(function (textarea) {
      if (textarea.readOnly || textarea.disabled || textarea.dataset.toolbar) return;
      textarea.dataset.toolbar = "1";
      textarea.parentNode.insertBefore(toolbarFor(textarea), textarea);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
