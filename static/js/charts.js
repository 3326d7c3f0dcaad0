// Draws every plotly chart on the page from the figure in its <script type="application/json">.
// plotly.js is served by the portal itself (vendor/plotly); nothing loads from elsewhere.
(function () {
  "use strict";
  var config = { displayModeBar: false, responsive: true };

  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var source = document.getElementById(element.dataset.chart);
    if (!source || typeof Plotly === "undefined") return;
    var figure = JSON.parse(source.textContent);
    Plotly.newPlot(element, figure.data, figure.layout, config);
  });
})();
