// Search suggestions: a progressive enhancement of every search box. Without JavaScript the
// form submits to /search/ as usual. Follows the ARIA combobox pattern (list autocomplete).
(function () {
  "use strict";

  function enhance(form, index) {
    var input = form.querySelector('input[name="q"]');
    var url = form.getAttribute("data-suggest-url");
    if (!input || !url) return;
    var listId = "suggestions-" + index;
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggested conditions");
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    form.appendChild(list);
    form.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var timer = null;
    var active = -1;
    var latest = 0;

    function close() {
      list.hidden = true;
      list.textContent = "";
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(next) {
      var options = list.querySelectorAll('[role="option"]');
      if (!options.length) return;
      active = (next + options.length) % options.length;
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", options[active].id);
    }

    function show(suggestions) {
      list.textContent = "";
      suggestions.forEach(function (s, i) {
        var item = document.createElement("li");
        item.id = listId + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.setAttribute("data-url", s.url);
        var name = document.createElement("span");
        name.className = "suggestion-name";
        name.textContent = s.name;
        var reason = document.createElement("span");
        reason.className = "meta";
        reason.textContent = " matched " + s.reason;
        item.addEventListener("click", function () { window.location.href = s.url; });
        item.appendChild(name);
        item.appendChild(reason);
        list.appendChild(item);
      });
      list.hidden = suggestions.length === 0;
      input.setAttribute("aria-expanded", suggestions.length ? "true" : "false");
      status.textContent = suggestions.length ? suggestions.length + " suggestions; use the arrow keys to choose." : "";
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) return close();
      timer = setTimeout(function () {
        var ticket = ++latest;
        fetch(url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
          .then(function (data) { if (ticket === latest) show(data.suggestions); })
          .catch(close);
      }, 150);
    });

    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.href = list.querySelectorAll('[role="option"]')[active].getAttribute("data-url");
      }
    });

    document.addEventListener("click", function (event) {
      if (!form.contains(event.target)) close();
    });
  }

  document.querySelectorAll("form.search-form").forEach(enhance);
})();
