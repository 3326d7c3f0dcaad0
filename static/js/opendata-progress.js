// The preview page of an open-data upload while the background worker checks or imports it: asks the status
// address (data-status-url) every second and moves the progress bar and the text above it, without reloading the
// page. The text a screen reader hears (role=status, hidden from sight) changes with the step and every ten per
// cent, not at every step. When the
// worker is done the page is loaded again and shows the problems, the preview or the result from the server.
// Without JavaScript the page's Refresh link does the same by hand.
(function () {
  "use strict";
  var box = document.querySelector(".opendata-progress[data-status-url]");
  if (!box) return;
  var bar = box.querySelector("progress");
  var shown = box.querySelector("#progress-text");
  var text = box.querySelector("[role=status]");
  var url = box.dataset.statusUrl;
  var spoken = Math.floor(Number(bar.value) / 10);
  var status = box.dataset.status;
  var failures = 0;

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (state) {
        failures = 0;
        if (!state.working) {
          window.location.replace(window.location.href);
          return;
        }
        bar.value = state.progress;
        bar.textContent = state.progress + " %";
        shown.textContent = state.text;
        var tens = Math.floor(state.progress / 10);
        if (tens !== spoken || state.status !== status) {
          spoken = tens;
          status = state.status;
          text.textContent = state.text;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        // A lost connection or an expired login: try a few more times, then leave it to the Refresh link.
        failures += 1;
        if (failures < 5) window.setTimeout(poll, 2000);
      });
  }

  window.setTimeout(poll, 500);
})();
