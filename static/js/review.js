// A "choose all" checkbox for the approver's table (and any table with data-choose-all; data-choose-name names its
// checkboxes when they are not called "value"). Without JavaScript the table works as it is, one checkbox a
// row; this adds one in the header that chooses every row, and shows "some chosen" as a mixed state.
(function () {
  "use strict";

  var table = document.querySelector("table[data-choose-all]");
  if (!table) return;
  var name = table.dataset.chooseName || "value";
  var boxes = Array.prototype.slice.call(table.querySelectorAll("tbody input[type=checkbox][name=" + name + "]"));
  var cell = table.querySelector("thead .review-choose");
  if (!boxes.length || !cell) return;

  var all = document.createElement("input");
  all.type = "checkbox";
  all.className = "form-check-input";
  all.id = "choose-all";
  var label = document.createElement("label");
  label.htmlFor = all.id;
  label.className = "review-choose-all";
  label.textContent = table.dataset.chooseAll;
  cell.textContent = "";
  cell.appendChild(all);
  cell.appendChild(label);

  function reflect() {
    var chosen = boxes.filter(function (box) {
      return box.checked;
    }).length;
    all.checked = chosen === boxes.length;
    all.indeterminate = chosen > 0 && chosen < boxes.length;
  }

  all.addEventListener("change", function () {
    boxes.forEach(function (box) {
      box.checked = all.checked;
    });
    reflect();
  });
  boxes.forEach(function (box) {
    box.addEventListener("change", reflect);
  });
  reflect();
})();
