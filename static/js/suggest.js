// Search suggestions: a progressive enhancement of every search box. Without JavaScript the
// form submits to /search/ as usual. Follows the ARIA combobox pattern (list autocomplete).
(function () {
  "use strict";

  function enhance(form, index) {
    const input = form.querySelector('input[name="q"]');
    const url = form.dataset.suggestUrl;
    if (!input || !url) return;
    const listId = "suggestions-" + index;
    const list = document.createElement("ul");
    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggested conditions");
    list.hidden = true;
    const status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    form.append(list, status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    let timer = null;
    let active = -1;
    let latest = 0;

    const close = () => {
      list.hidden = true;
      list.textContent = "";
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    };

    const highlight = (next) => {
      const options = list.querySelectorAll('[role="option"]');
      if (!options.length) return;
      active = (next + options.length) % options.length;
      options.forEach((option, i) => option.setAttribute("aria-selected", i === active ? "true" : "false"));
      input.setAttribute("aria-activedescendant", options[active].id);
    };

    const show = (suggestions) => {
      list.textContent = "";
      suggestions.forEach((suggestion, i) => {
        const item = document.createElement("li");
        item.id = listId + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.dataset.url = suggestion.url;
        const name = document.createElement("span");
        name.className = "suggestion-name";
        name.textContent = suggestion.name;
        const reason = document.createElement("span");
        reason.className = "meta";
        reason.textContent = " matched " + suggestion.reason;
        item.addEventListener("click", () => {
          window.location.href = suggestion.url;
        });
        item.append(name, reason);
        list.append(item);
      });
      list.hidden = suggestions.length === 0;
      input.setAttribute("aria-expanded", suggestions.length ? "true" : "false");
      status.textContent = suggestions.length ? suggestions.length + " suggestions; use the arrow keys to choose." : "";
    };

    const fetchSuggestions = async (query) => {
      const ticket = ++latest;
      try {
        const response = await fetch(url + "?q=" + encodeURIComponent(query), {
          headers: { Accept: "application/json" },
        });
        const data = response.ok ? await response.json() : { suggestions: [] };
        if (ticket === latest) show(data.suggestions);
      } catch {
        close();
      }
    };

    input.addEventListener("input", () => {
      clearTimeout(timer);
      const query = input.value.trim();
      if (query.length < 2) {
        close();
        return;
      }
      timer = setTimeout(() => fetchSuggestions(query), 150);
    });

    input.addEventListener("keydown", (event) => {
      if (list.hidden) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active - 1);
      } else if (event.key === "Escape") {
        close();
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.href = list.querySelectorAll('[role="option"]')[active].dataset.url;
      }
    });

    document.addEventListener("click", (event) => {
      if (!form.contains(event.target)) close();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form.search-form").forEach(enhance);
  });
})();
