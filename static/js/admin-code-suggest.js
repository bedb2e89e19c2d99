// The condition admin's codes inline: as an editor types a code, suggest official codes with their
// titles (a <datalist>) and show the official title of an exact match. The server still validates
// every code on save (ConditionCode.clean); this only saves a trip to the code tables.
(function () {
  "use strict";

  const selector = "input[name^='codes-'][name$='-value']";
  const compact = (text) => text.replace(/[\s.]/g, "").toUpperCase();

  function setUp(input, suggestUrl) {
    if (input.dataset.codeSuggest || input.name.includes("__prefix__")) return;
    input.dataset.codeSuggest = "on";
    const row = input.closest("tr");
    const system = row && row.querySelector("select[name$='-system']");
    if (!system) return;
    const list = document.createElement("datalist");
    list.id = input.id + "-suggestions";
    input.setAttribute("list", list.id);
    const title = document.createElement("span");
    title.className = "code-suggest-title";
    title.setAttribute("aria-live", "polite");
    input.after(list, title);
    let timer;

    const lookUp = async () => {
      const query = input.value.trim();
      if (compact(query).length < 2) {
        list.replaceChildren();
        title.textContent = "";
        return;
      }
      const params = new URLSearchParams({ system: system.value, q: query });
      const response = await fetch(suggestUrl + "?" + params, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const { results } = await response.json();
      list.replaceChildren(
        ...results.map((code) => {
          const option = document.createElement("option");
          option.value = code.code;
          option.textContent = code.code + " " + code.title;
          return option;
        }),
      );
      const exact = results.find((code) => compact(code.code) === compact(query));
      if (exact) {
        title.textContent = exact.title + (exact.billable ? "" : " (has more specific codes)");
      } else {
        title.textContent = results.length ? "" : "No official code matches.";
      }
    };

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(lookUp, 200);
    });
    system.addEventListener("change", lookUp);
  }

  document.addEventListener("DOMContentLoaded", () => {
    // The change form carries the reversed URL (templates/admin/conditions/condition/change_form.html).
    const source = document.getElementById("code-suggest");
    if (!source) return;
    const suggestUrl = source.dataset.url;
    document.querySelectorAll(selector).forEach((input) => setUp(input, suggestUrl));
    document.addEventListener("formset:added", (event) => {
      event.target.querySelectorAll(selector).forEach((input) => setUp(input, suggestUrl));
    });
  });
})();
