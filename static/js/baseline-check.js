// Beside the goal form's baseline: the figure the municipality has recorded for the chosen indicator and
// baseline year, and a warning when the baseline typed differs from it by more than its rounding. The server
// says the same when the page loads and after saving (plans/forms.py GoalForm); this keeps it current as the
// planner changes the indicator, the year or the baseline. It updates when a field is left, not at every
// keystroke, so a screen reader hears the result once.
(function () {
  "use strict";
  var note = document.querySelector(".baseline-check[data-recorded]");
  var indicator = document.getElementById("id_indicator");
  var year = document.getElementById("id_baseline_year");
  var value = document.getElementById("id_baseline_value");
  if (!note || !indicator || !year || !value) return;
  var recorded = JSON.parse(note.dataset.recorded);

  // "1 234,5", "1,234.5" or "1234.5" as "1234.5"; null when empty or not a number.
  function parse(text) {
    text = text.replace(/[\s\u00a0\u202f]/g, "");
    if (text.indexOf(",") >= 0 && text.indexOf(".") >= 0) text = text.replace(/,/g, "");
    else text = text.replace(",", ".");
    return /^-?\d+(\.\d+)?$/.test(text) ? text : null;
  }

  function fill(template, words) {
    return template.replace(/%\((\w+)\)s/g, function (all, name) { return words[name]; });
  }

  function update() {
    var found = (recorded[indicator.value] || {})[year.value.trim()];
    var typed = parse(value.value);
    var text = "";
    var differs = false;
    if (found) {
      var words = { year: year.value.trim(), figure: found[1], status: found[2], typed: value.value.trim() };
      if (value.value.trim() === "") {
        text = fill(note.dataset.known, words);
      } else if (typed !== null) {
        var decimals = (typed.split(".")[1] || "").length;
        // More than half the last digit typed apart, as the server decides.
        differs = Math.abs(Number(found[0]) - Number(typed)) > 0.5 * Math.pow(10, -decimals) + 1e-9;
        if (differs) text = fill(note.dataset.differs, words);
      }
    }
    if (note.textContent !== text) note.textContent = text;
    note.classList.toggle("baseline-differs", differs);
  }

  [indicator, year, value].forEach(function (field) { field.addEventListener("change", update); });
})();
