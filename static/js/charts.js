// Draws every plotly chart on the page from the figure in its <script type="application/json">.
// plotly.js and the map's borders are served by the portal itself; nothing loads from elsewhere.
// A chart is drawn when it comes near the viewport (a page can hold 40 of them), and every chart not yet drawn is
// drawn when printing starts; a browser without IntersectionObserver draws them all at once.
// When the page is printed (or saved as PDF), each chart is redrawn to the paper's width.
(function () {
  "use strict";
  var config = { displayModeBar: false, responsive: true };
  var drawn = [];

  // The chart is one image for assistive technology (role="img", its label says what it shows, a table beside it
  // has the figures). MapLibre makes the map's canvas a second, English-labelled tab stop inside that image:
  // take the canvas out of the tab order and the accessibility tree's landmarks; mouse and touch still pan it.
  function quietMapCanvas(element) {
    element.querySelectorAll(".maplibregl-canvas").forEach(function (canvas) {
      canvas.removeAttribute("tabindex");
      canvas.removeAttribute("role");
      canvas.removeAttribute("aria-label");
    });
  }

  function draw(element, figure) {
    Plotly.newPlot(element, figure.data, figure.layout, config).then(function () {
      quietMapCanvas(element);
      element.on("plotly_afterplot", function () { quietMapCanvas(element); });
    });
    var years = [];
    // Legend-only entries have no year (x: [null]); leave them out of the span.
    figure.data.forEach(function (trace) {
      years = years.concat((trace.x || []).filter(function (x) { return typeof x === "number"; }));
    });
    var span = years.length ? Math.max.apply(null, years) - Math.min.apply(null, years) : 0;
    drawn.push({
      element: element,
      height: figure.layout.height,
      dtick: (figure.layout.xaxis || {}).dtick,
      printDtick: Math.max(1, Math.ceil(span / 5)),
    });
  }

  // The page is laid out for paper only once printing starts, after these events; so a chart that
  // sits in a column on paper says its printed size in data-print-width and data-print-height.
  function fitForPrint(printing) {
    drawn.forEach(function (chart) {
      var data = chart.element.dataset;
      if (!data.printWidth) return;
      Plotly.relayout(chart.element, {
        width: printing ? Number(data.printWidth) : null,
        height: printing ? Number(data.printHeight) : chart.height,
        // A narrow printed chart has room for a year on every other tick at most.
        "xaxis.dtick": printing ? chart.printDtick : chart.dtick,
      });
    });
  }

  // Draw the chart in element once, from its figure; the map first fetches its borders.
  function drawOnce(element) {
    if (element.dataset.chartDrawn) return;
    element.dataset.chartDrawn = "true";
    var source = document.getElementById(element.dataset.chart);
    if (!source) return;
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
  }

  if (typeof Plotly !== "undefined") {
    var charts = Array.prototype.slice.call(document.querySelectorAll("[data-chart]"));
    var observer = null;
    if ("IntersectionObserver" in window) {
      // Start a chart a screen ahead of the reader, so it is there by the time it scrolls into view.
      observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (!entry.isIntersecting) return;
          observer.unobserve(entry.target);
          drawOnce(entry.target);
        });
      }, { rootMargin: "100% 0px" });
      charts.forEach(function (element) { observer.observe(element); });
    } else {
      charts.forEach(drawOnce);
    }
    // Paper shows every chart: draw the ones the reader has not scrolled to, then size them all for it.
    function printing(on) {
      if (on) {
        charts.forEach(function (element) {
          if (observer) observer.unobserve(element);
          drawOnce(element);
        });
      }
      fitForPrint(on);
    }
    var print = window.matchMedia("print");
    print.addEventListener("change", function (event) { printing(event.matches); });
    window.addEventListener("beforeprint", function () { printing(true); });
    window.addEventListener("afterprint", function () { printing(false); });
  }

  // "Print or save as PDF": a button only where the browser can print, so it never does nothing.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
