// Beside each per cent of a climate-budget sector's grid: the tonnes CO₂-eq. it means with the reference year's
// emissions as Miljødirektoratet's inventory has them today. The server writes the same when the page loads
// (plans/climate_entry.py); this keeps them current as the planner types, and when she chooses a new sector.
(function () {
  "use strict";
  var grid = document.querySelector("[data-climate-grid]");
  var data = document.getElementById("climate-base");
  if (!grid || !data) return;
  var base = JSON.parse(data.textContent);
  var select = document.getElementById("id_sector");
  var cells = Array.prototype.slice.call(grid.querySelectorAll("[data-tonnes-for]"));
  // Whole tonnes grouped as the page writes figures (indicators/numbers.py): 1 234 in Norwegian, 1,234 in English.
  var group = document.documentElement.lang === "en" ? "," : "\u00a0";
  function format(number) {
    return String(Math.round(number)).replace(/\B(?=(\d{3})+(?!\d))/g, group);
  }

  // "1 234,5", "1,234.5" or "12,5" as a number; null when empty or not a number.
  function parse(text) {
    text = text.replace(/[\s\u00a0\u202f]/g, "");
    if (text.indexOf(",") >= 0 && text.indexOf(".") >= 0) text = text.replace(/,/g, "");
    else text = text.replace(",", ".");
    return /^\d+(\.\d+)?$/.test(text) ? Number(text) : null;
  }

  function update() {
    var code = grid.dataset.sector || (select ? select.value : "");
    var tonnes = base[code];
    cells.forEach(function (cell) {
      var input = document.getElementById(cell.dataset.tonnesFor);
      var percent = input ? parse(input.value) : null;
      var text = tonnes != null && percent !== null ? format((Number(tonnes) * percent) / 100) : "\u2013";
      if (cell.textContent !== text) cell.textContent = text;
    });
  }

  grid.addEventListener("input", update);
  if (select) select.addEventListener("change", update);
})();
