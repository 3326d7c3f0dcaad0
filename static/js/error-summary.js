// Moves focus to the error summary when a page comes back with problems, so a keyboard or screen-reader user
// starts there; a link in it then moves focus to the field it names (after GOV.UK's error summary).
(function () {
  "use strict";

  var summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();

  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    // A field's label sits above it: bring the label into view too, then focus the field without scrolling again.
    var label = target.id ? document.querySelector("label[for='" + target.id + "']") : null;
    (label || target).scrollIntoView({ block: "start" });
    if (!target.matches("input, select, textarea, button, [tabindex]")) target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
  });
})();
