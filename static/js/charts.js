// Draws every plotly chart on the page from the figure in its <script type="application/json">.
// plotly.js and the map's borders are served by the portal itself; nothing loads from elsewhere.
(function () {
  "use strict";
  var config = { displayModeBar: false, responsive: true };

  function draw(element, figure) {
    Plotly.newPlot(element, figure.data, figure.layout, config);
  }

  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var source = document.getElementById(element.dataset.chart);
    if (!source || typeof Plotly === "undefined") return;
    var figure = JSON.parse(source.textContent);
    if (!figure.geojson_url) {
      draw(element, figure);
      return;
    }
    fetch(figure.geojson_url)
      .then(function (response) { return response.json(); })
      .then(function (geojson) {
        figure.data.forEach(function (trace) { trace.geojson = geojson; });
        draw(element, figure);
      });
  });
})();
