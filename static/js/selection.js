// The download page's list of municipalities: a text filter above it hides the ones whose name or number does not
// contain what is typed, and says how many are shown and chosen. Without JavaScript the filter stays hidden and
// every municipality shows; a hidden checkbox that was ticked is still sent.
(function () {
  "use strict";

  function fold(text) {
    return text.toLocaleLowerCase("nb").replace(/-/g, " ").replace(/\s+/g, " ").trim();
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_match, name) { return String(values[name]); });
  }

  document.querySelectorAll("[data-filter-for]").forEach(function (box) {
    var list = document.getElementById(box.dataset.filterFor);
    var input = box.querySelector("input");
    var status = box.querySelector("[data-filter-status]");
    if (!list || !input) return;
    var items = Array.prototype.map.call(list.querySelectorAll(".form-check"), function (item) {
      return { element: item, text: fold(item.textContent), checkbox: item.querySelector("input") };
    });
    var timer = null;

    function update() {
      var wanted = fold(input.value);
      var shown = 0;
      var chosen = 0;
      items.forEach(function (item) {
        var match = !wanted || item.text.indexOf(wanted) !== -1;
        item.element.hidden = !match;
        if (match) shown += 1;
        if (item.checkbox.checked) chosen += 1;
      });
      if (status) {
        var words = fill(status.dataset.template, { shown: shown, total: items.length });
        if (chosen) words += " " + fill(status.dataset.chosenTemplate, { chosen: chosen });
        status.textContent = words;
      }
    }

    input.addEventListener("input", function () {
      // A screen reader hears the count once typing pauses, not after every letter.
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 250);
    });
    // Enter in the filter would send the form: it only filters.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        window.clearTimeout(timer);
        update();
      }
    });
    list.addEventListener("change", update);
    box.hidden = false;
    update();
  });
})();
