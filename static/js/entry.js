// The yearly entry form while a planner types: the per-inhabitant figure (on the population typed on the same
// page, if she typed one), and a hint beside each figure that breaks a plausibility rule. The rules and their
// words come from the page (data-* attributes on each field, and #entry-words); the server checks them again
// when she saves (indicators/entry.py), and reads numbers as this does (indicators/numbers.py): "1 234,5" and
// "1,234.5" alike.
(function () {
  "use strict";

  var wordsElement = document.getElementById("entry-words");
  if (!wordsElement) return;
  var words = JSON.parse(wordsElement.textContent);

  // How the portal writes 1234.5 in the page's language gives the separators: "1 234,5" or "1,234.5".
  var sample = words.sample;
  var decimalMark = sample.charAt(sample.length - 2);
  var grouping = sample.length > 6 ? sample.charAt(1) : "";

  // As indicators/numbers.py parse_number() reads a figure: thousands grouped by three, digits 0-9 only.
  function parseNumber(text) {
    var stripped = text.trim().replace(/[\u2212\u2013]/g, "-");
    if (!stripped) return null;
    var sign = /^[-+]/.test(stripped) ? stripped.charAt(0) : "";
    var body = sign ? stripped.slice(1).trim() : stripped;
    var cleaned = body.replace(/[\s\u00a0\u202f\u2009']/g, "");
    var commas = (cleaned.match(/,/g) || []).length;
    var points = (cleaned.match(/\./g) || []).length;
    var mark;
    if (commas && points) {
      mark = cleaned.lastIndexOf(",") > cleaned.lastIndexOf(".") ? "," : ".";
      if (cleaned.split(mark).length > 2) return NaN;
    } else if (commas > 1 || points > 1 || (decimalMark === "." && /^[1-9][0-9]{0,2},[0-9]{3}$/.test(cleaned))) {
      // On a page that writes 1,234.5 (English), a lone comma before three digits groups thousands: 26,100.
      mark = "";
    } else {
      mark = commas ? "," : ".";
    }
    var at = mark ? body.lastIndexOf(mark) : -1;
    var whole = (at < 0 ? body : body.slice(0, at)).trim();
    var fraction = at < 0 ? "" : body.slice(at + 1);
    if (whole && !/^[0-9]+$/.test(whole) && !/^[0-9]{1,3}([\s\u00a0\u202f\u2009',.][0-9]{3})*$/.test(whole)) {
      return NaN;
    }
    if ((fraction && !/^[0-9]+$/.test(fraction)) || !(whole || fraction)) return NaN;
    return Number(sign + (whole.replace(/[^0-9]/g, "") || "0") + (fraction ? "." + fraction : ""));
  }

  function formatNumber(number, decimals) {
    var parts = Math.abs(number).toFixed(decimals).split(".");
    var whole = grouping ? parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, grouping) : parts[0];
    var negative = number < 0 && Number(parts.join(".")) !== 0;
    return (negative ? "-" : "") + whole + (parts[1] ? decimalMark + parts[1] : "");
  }

  function percent(share) {
    var text = formatNumber(Math.abs(share * 100), 0);
    var sign = /^[0\s\u00a0,.]*$/.test(text) ? "" : share > 0 ? "+" : "\u2212";
    return sign + text + words.percent_sign;
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s|%%/g, function (match, name) {
      return name ? values[name] : "%";
    });
  }

  function stateOf(input) {
    var select = document.getElementById(input.id.replace(/-value$/, "-state"));
    return select ? select.value : "reported";
  }

  var populationInput = document.querySelector("input[data-population-input]");

  // The population per-inhabitant figures divide by: the one typed on this page when there is one, as the server
  // does on saving; undefined leaves each field's own (the stored population), null means there is none.
  function typedPopulation() {
    if (!populationInput) return undefined;
    if (stateOf(populationInput) !== "reported") return null;
    var typed = parseNumber(populationInput.value);
    if (typed === null || isNaN(typed) || typed < 0) return undefined;
    return typed;
  }

  function populationFor(input) {
    var typed = typedPopulation();
    if (typed !== undefined) return typed;
    return input.dataset.population ? Number(input.dataset.population) : null;
  }

  function check(input, amount, figure) {
    var data = input.dataset;
    if (isNaN(amount)) return { error: fill(words.not_a_number, { text: input.value.trim() }) };
    if (amount < 0 && "nonNegative" in data) return { error: words.negative };
    if (data.share && amount > Number(data.share)) return { error: words.share };
    var warnings = [];
    var unit = data.unit || "";
    var decimals = Number(data.decimals);
    if (figure !== null) {
      var figureText = formatNumber(figure, decimals) + unit;
      if (data.min && figure < Number(data.min)) {
        warnings.push(fill(words.below, { figure: figureText, limit: data.minText }));
      }
      if (data.max && figure > Number(data.max)) {
        warnings.push(fill(words.above, { figure: figureText, limit: data.maxText }));
      }
    }
    if (data.publishedYear) {
      // Like with like, as the server compares: per-inhabitant figures where both are known, else the amounts.
      var previous = data.publishedFigure ? Number(data.publishedFigure) : null;
      var current = figure;
      var previousText = data.publishedText;
      if (data.factor && (previous === null || current === null)) {
        previous = Number(data.publishedAmount);
        current = amount;
        previousText = data.publishedAmountText;
      }
      if (previous && current !== null) {
        var share = (current - previous) / Math.abs(previous);
        var limit = Number(data.maxChange);
        if (Math.abs(share) > limit) {
          warnings.push(
            fill(words.change, {
              change: percent(share),
              previous: previousText,
              year: data.publishedYear,
              limit: formatNumber(limit * 100, 0) + words.percent_sign
            })
          );
        }
      }
    }
    return { warnings: warnings };
  }

  function show(hint, kind, lead, text) {
    var key = kind + "|" + text;
    if (hint.dataset.shown === key) return; // unchanged: do not make the live region speak again
    hint.dataset.shown = key;
    hint.classList.toggle("entry-hint-warning", kind === "warning");
    hint.classList.toggle("entry-hint-error", kind === "error");
    hint.textContent = "";
    if (!text) return;
    var strong = document.createElement("strong");
    strong.textContent = lead;
    hint.appendChild(strong);
    hint.appendChild(document.createTextNode(" " + text));
  }

  function update(input) {
    var prefix = input.id.replace(/^id_/, "").replace(/-value$/, "");
    var hint = document.getElementById(prefix + "-hint");
    var reported = stateOf(input) === "reported";
    var amount = reported ? parseNumber(input.value) : null;
    var figure = amount === null || isNaN(amount) ? null : amount;
    if (input.dataset.factor) {
      var population = populationFor(input);
      figure = figure !== null && population ? (figure * Number(input.dataset.factor)) / population : null;
      var box = document.getElementById(prefix + "-per-inhabitant");
      if (box) {
        var output = box.querySelector("output");
        output.textContent =
          figure === null ? "\u2013" : formatNumber(figure, Number(input.dataset.decimals)) + (input.dataset.unit || "");
        var note = box.querySelector(".entry-population");
        if (note) {
          note.textContent = population
            ? fill(words.population, { population: formatNumber(population, 0) })
            : words.no_population;
        }
      }
    }
    if (!hint) return;
    if (amount === null) {
      show(hint, "", "", "");
      return;
    }
    var result = check(input, amount, figure);
    if (result.error) {
      show(hint, "error", words.error, result.error);
    } else if (result.warnings.length) {
      show(hint, "warning", words.check, result.warnings.join(" ") + " " + words.explain);
    } else {
      show(hint, "", "", "");
    }
  }

  var inputs = document.querySelectorAll("input.entry-amount");
  inputs.forEach(function (input) {
    input.addEventListener("input", function () {
      update(input);
    });
    var select = document.getElementById(input.id.replace(/-value$/, "-state"));
    if (select) {
      select.addEventListener("change", function () {
        update(input);
      });
    }
  });

  // A population typed (or its state changed) moves every per-inhabitant figure on the page.
  function updatePerInhabitant() {
    document.querySelectorAll("input.entry-amount[data-factor]").forEach(update);
  }
  if (populationInput) {
    populationInput.addEventListener("input", updatePerInhabitant);
    var populationState = document.getElementById(populationInput.id.replace(/-value$/, "-state"));
    if (populationState) populationState.addEventListener("change", updatePerInhabitant);
  }
})();
