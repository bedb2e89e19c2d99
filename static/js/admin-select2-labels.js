// The related-conditions picker (the admin's select2) leaves its search box without a name and
// puts a non-item inside its list; this names the box after the field and marks the list as one,
// each time the picker redraws, so screen readers announce both.
(function () {
  "use strict";
  function fix(root) {
    root.querySelectorAll(".select2-container").forEach(function (container) {
      var select = container.previousElementSibling;
      var label = select && select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
      var name = "Search " + (label ? label.textContent.replace(/:$/, "").toLowerCase() : "choices");
      container.querySelectorAll(".select2-search__field").forEach(function (input) { input.setAttribute("aria-label", name); });
      container.querySelectorAll("ul.select2-selection__rendered").forEach(function (ul) { ul.setAttribute("role", "list"); });
    });
  }
  function start() {
    fix(document);
    new MutationObserver(function () { fix(document); }).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
