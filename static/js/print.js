// The visit sheet's "Print this sheet" button. Without JavaScript the button stays hidden and
// the sheet says to use the browser's Print command, which prints the same page.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", () => {
    if (typeof window.print !== "function") return;
    document.querySelectorAll("[data-print]").forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => window.print());
    });
    document.querySelectorAll(".print-hint").forEach((hint) => {
      hint.hidden = true;
    });
  });
})();
