// Shows the per-inhabitant figure while a planner types a total amount.
// It reads numbers as the server does (indicators/numbers.py): "1 234,5" and "1,234.5" alike, and on an English
// page "26,100" as 26100 (a lone comma before three digits groups thousands there).
(function () {
  "use strict";

  // Written as the page's language writes figures (indicators/numbers.py): 1 234,5, or 1,234.5 in English.
  var english = document.documentElement.lang === "en";

  function parseNumber(text) {
    var cleaned = text.trim().replace(/[\u2212\u2013]/g, "-").replace(/[\s\u00a0\u202f\u2009']/g, "");
    if (!cleaned) return null;
    var commas = (cleaned.match(/,/g) || []).length;
    var points = (cleaned.match(/\./g) || []).length;
    if (commas && points) {
      var decimalMark = cleaned.lastIndexOf(",") > cleaned.lastIndexOf(".") ? "," : ".";
      var grouping = decimalMark === "," ? "." : ",";
      cleaned = cleaned.split(grouping).join("").replace(decimalMark, ".");
    } else if (commas > 1 || points > 1 || (english && /^[-+]?[1-9]\d{0,2},\d{3}$/.test(cleaned))) {
      cleaned = cleaned.replace(/[.,]/g, "");
    } else {
      cleaned = cleaned.replace(",", ".");
    }
    if (!/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(cleaned)) return null;
    return Number(cleaned);
  }

  function formatNumber(number, decimals) {
    var fixed = Math.abs(number).toFixed(decimals).split(".");
    var whole = fixed[0].replace(/\B(?=(\d{3})+(?!\d))/g, english ? "," : "\u00a0");
    var sign = number < 0 && Number(fixed.join(".")) !== 0 ? "\u2212" : "";
    return sign + whole + (fixed[1] ? (english ? "." : ",") + fixed[1] : "");
  }

  function update(input) {
    var output = document.querySelector("#" + input.getAttribute("aria-describedby") + " output");
    if (!output) return;
    var population = Number(input.dataset.population);
    var amount = parseNumber(input.value);
    if (amount === null || !input.dataset.population || !population) {
      output.textContent = "–";
      return;
    }
    var figure = (amount * Number(input.dataset.factor)) / population;
    output.textContent = formatNumber(figure, Number(input.dataset.decimals)) + "\u00a0" + output.dataset.unit;
  }

  document.querySelectorAll("input[data-population]").forEach(function (input) {
    input.addEventListener("input", function () { update(input); });
  });
})();
