// A small toolbar above every Markdown field: bold, italic, list and link, by mouse or keyboard.
// It only types Markdown into the field; what is saved is the plain text the writer sees.
(function () {
  "use strict";
  var labels = document.getElementById("markdown-labels");
  if (!labels) return;

  function wrap(field, before, after, placeholder) {
    var start = field.selectionStart, end = field.selectionEnd;
    var chosen = field.value.slice(start, end) || placeholder;
    field.setRangeText(before + chosen + after, start, end, "select");
    field.setSelectionRange(start + before.length, start + before.length + chosen.length);
  }

  function list(field) {
    var start = field.value.lastIndexOf("\n", field.selectionStart - 1) + 1;
    var end = field.selectionEnd;
    var lines = field.value.slice(start, end).split("\n").map(function (line) {
      return line.indexOf("- ") === 0 ? line : "- " + line;
    });
    field.setRangeText(lines.join("\n"), start, end, "end");
  }

  var actions = {
    bold: function (field) { wrap(field, "**", "**", labels.dataset.boldText); },
    italic: function (field) { wrap(field, "*", "*", labels.dataset.italicText); },
    list: list,
    link: function (field) { wrap(field, "[", "](https://)", labels.dataset.linkText); },
  };

  document.querySelectorAll("textarea[data-markdown]").forEach(function (field) {
    var toolbar = document.createElement("div");
    toolbar.className = "markdown-toolbar btn-group btn-group-sm mb-1";
    toolbar.setAttribute("role", "group");
    toolbar.setAttribute("aria-label", labels.dataset.toolbar);
    Object.keys(actions).forEach(function (name) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-outline-secondary";
      button.textContent = labels.dataset[name];
      button.setAttribute("aria-controls", field.id);
      button.dataset.markdownAction = name;
      button.addEventListener("click", function () {
        actions[name](field);
        field.focus();
        field.dispatchEvent(new Event("input", { bubbles: true }));
      });
      toolbar.appendChild(button);
    });
    field.parentNode.insertBefore(toolbar, field);
  });
})();
