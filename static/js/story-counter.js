// Story form: counts the story's characters as one types and says when it is over the limit.
// Nothing is ever cut: without JavaScript the server says the same when the story is sent
// (community/forms.py, StoryForm.clean_body). Counted as the server counts: one per character,
// a new line as one.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", () => {
    const body = document.querySelector("textarea[data-limit]");
    const counter = document.getElementById("body-count");
    if (!body || !counter) return;
    const limit = Number(body.dataset.limit);
    const format = (n) => n.toLocaleString("en-GB");

    function update() {
      const length = Array.from(body.value).length;
      const over = length - limit;
      counter.textContent =
        over > 0
          ? `${format(length)} characters: ${format(over)} over the limit of ${format(limit)}. Shorten it before you send it; nothing is cut.`
          : `${format(length)} of ${format(limit)} characters`;
      counter.classList.toggle("over", over > 0);
    }

    counter.hidden = false;
    body.setAttribute("aria-describedby", `${body.getAttribute("aria-describedby") || ""} body-count`.trim());
    update();
    body.addEventListener("input", update);
  });
})();
