// Stories list in the admin: suggests condition names in the "By condition" search box from the
// site's own suggestions (/search/suggest/). Without JavaScript the box filters by what is typed.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", () => {
    const input = document.getElementById("condition-filter-name");
    const list = document.getElementById("condition-filter-suggestions");
    if (!input || !list || !window.fetch) return;
    let timer = null;

    input.addEventListener("input", () => {
      clearTimeout(timer);
      const query = input.value.trim();
      if (query.length < 2) return;
      timer = setTimeout(async () => {
        try {
          const response = await fetch(`${input.dataset.suggestUrl}?q=${encodeURIComponent(query)}`);
          if (!response.ok) return;
          const data = await response.json();
          list.replaceChildren(
            ...data.suggestions.map((s) => Object.assign(document.createElement("option"), { value: s.name })),
          );
        } catch {
          // suggestions are a convenience: the box still filters
        }
      }, 200);
    });
  });
})();
