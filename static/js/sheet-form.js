// The sheet form, in the page. Funding lines: « Ajouter une ligne de financement » clones the formset's empty
// form (a <template>, every field of a row included), « Retirer » removes a line and renumbers the others, the
// management form's counts follow, and « Total des lignes » is updated as amounts are typed. Nothing reloads,
// so files already chosen stay chosen. Without JavaScript the button posts the form and the server shows it
// again with one more line (SheetEditor.with_more_rows), and computes the total.
// « Prévisualiser »: the server renders the preview alone (the form's fields, files left out) and it takes the
// form's place until « Revenir au formulaire »; the form is only hidden, so every field and file stays. Without
// JavaScript the button posts the form and the preview comes back above it (views._preview).
(function () {
  "use strict";

  // -- Amounts: core/amounts.parse_amount, rule for rule ------------------------------------------------------
  // Python reads ``\d`` and ``\b`` the Unicode way: so do ``\p{Nd}`` and the lookaheads on letters and digits.
  var NOT_WORD = "(?![\\p{L}\\p{N}_])";
  var AMOUNT = new RegExp(
    "^([-\\u2212]\\s?)?" + //                                                   -200 (read only when signed)
      "(\\p{Nd}{1,3}(?:[ \\u00a0\\u202f.]\\p{Nd}{3})+(?!\\p{Nd})|\\p{Nd}+)" + // 13 500 · 13.500 · 13500
      "(?:[.,](\\p{Nd}{1,2})(?!\\p{Nd}))?" + //                                  ,50 · .00
      "(?:\\s*(k)(?![\\p{L}\\p{Nl}\\p{No}]))?" + //                            15k€ · 15 k€: thousands
      "\\s*(?:€|euros?" + NOT_WORD + "|eur" + NOT_WORD + ")?", //              13 500€ · 2 000 euros
    "iu"
  );
  var DIGIT = /\p{Nd}/u;
  //: The largest amount a funding line can hold (MAX_AMOUNT), in cents.
  var MAX_CENTS = 999999999999;

  // The value of a decimal digit of any script: Unicode encodes each script's digits 0 to 9 in a run of ten.
  function digitValue(character) {
    var code = character.codePointAt(0);
    var below = 0;
    while (below < 60 && DIGIT.test(String.fromCodePoint(code - below - 1))) below += 1;
    return below % 10;
  }

  function asciiDigits(text) {
    return Array.from(text, function (character) {
      return DIGIT.test(character) ? String(digitValue(character)) : "";
    }).join("");
  }

  // The amount in cents when ``text`` is only an amount (a final full stop allowed), else null. ``signed``: a
  // leading minus is the amount's sign (a refund or an expense), as parse_amount(text, signed=True) reads it.
  function parseAmountCents(text, signed) {
    var stripped = (text || "").trim();
    var match = AMOUNT.exec(stripped);
    if (!match || (match[1] && !signed)) return null;
    var rest = stripped.slice(match[0].length).trim();
    if (rest !== "" && rest !== ".") return null;
    var units = asciiDigits(match[2]).replace(/^0+(?=\d)/, "");
    var cents = asciiDigits(match[3] || "0");
    if (cents.length < 2) cents += "0";
    if (units.length > 10) return null;
    var value = Number(units) * 100 + Number(cents);
    if (match[4]) value *= 1000;
    if (value > MAX_CENTS) return null;
    return match[1] && value ? -value : value;
  }

  function formatCents(cents) {
    return (cents / 100).toLocaleString("fr-FR", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  window.sheetFormAmounts = { parseAmountCents: parseAmountCents, formatCents: formatCents };

  // -- Funding lines ------------------------------------------------------------------------------------------
  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  var RENUMBERED = ["name", "id", "for", "aria-describedby", "aria-labelledby", "aria-controls"];

  function setUp(container) {
    var prefix = container.getAttribute("data-funding-prefix");
    var form = container.closest("form");
    var list = container.querySelector("[data-funding-lines]");
    var template = document.getElementById("funding-line-template");
    var addButton = container.querySelector("[data-funding-add]");
    var status = container.querySelector("[data-funding-status]");
    var output = document.getElementById("funding-total");
    var management = function (name) {
      return form.querySelector("input[name='" + prefix + "-" + name + "']");
    };
    var totalForms = management("TOTAL_FORMS");
    var initialForms = management("INITIAL_FORMS");
    var maxForms = Number(management("MAX_NUM_FORMS").value) || 1000;
    var index = new RegExp("(" + escapeRegExp(prefix) + "-)(\\d+|__prefix__)(-)", "g");

    function rows() {
      return Array.prototype.slice.call(list.querySelectorAll("[data-funding-line]"));
    }

    function deleteBox(row) {
      return row.querySelector("input[type='checkbox'][name$='-DELETE']");
    }

    function amountInput(row) {
      return row.querySelector("input[name$='-amount']");
    }

    function announce(message) {
      status.textContent = "";
      window.setTimeout(function () {
        status.textContent = message;
      }, 50);
    }

    // The server's rule (BaseFundingLineFormSet.total): the amounts of the lines not marked for deletion, signed
    // (a refund or an expense counts negative).
    function updateTotal() {
      var cents = 0;
      rows().forEach(function (row) {
        var box = deleteBox(row);
        if (box && box.checked) return;
        var input = amountInput(row);
        cents += (input && parseAmountCents(input.value, true)) || 0;
      });
      output.textContent = formatCents(cents);
    }

    function renumber() {
      var all = rows();
      all.forEach(function (row, position) {
        [row].concat(Array.prototype.slice.call(row.querySelectorAll("*"))).forEach(function (element) {
          RENUMBERED.forEach(function (attribute) {
            var value = element.getAttribute(attribute);
            if (value) element.setAttribute(attribute, value.replace(index, "$1" + position + "$3"));
          });
        });
        row.querySelector("[data-funding-number]").textContent = String(position + 1);
        row.querySelector("[data-funding-remove-number]").textContent = String(position + 1);
      });
      totalForms.value = String(all.length);
      initialForms.value = String(Math.min(Number(initialForms.value) || 0, all.length));
      var isFull = all.length >= maxForms;
      addButton.disabled = isFull;
      if (isFull) addButton.setAttribute("aria-describedby", "funding-full");
      else addButton.removeAttribute("aria-describedby");
      document.getElementById("funding-full").hidden = !isFull;
    }

    // A line gets its « Retirer » button; its deletion box goes (the button replaces it) unless it is ticked.
    function enhance(row) {
      var box = deleteBox(row);
      if (box && !box.checked) box.closest(".field").hidden = true;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button--secondary funding-line__remove";
      remove.setAttribute("data-funding-remove", "");
      remove.innerHTML =
        'Retirer<span class="visually-hidden"> la ligne de financement <span data-funding-remove-number></span></span>';
      row.appendChild(remove);
    }

    function firstInput(row) {
      return row.querySelector("input:not([type='hidden']):not([type='checkbox']), select, textarea");
    }

    addButton.addEventListener("click", function (event) {
      event.preventDefault();
      if (rows().length >= maxForms) return;
      var row = template.content.querySelector("[data-funding-line]").cloneNode(true);
      list.appendChild(row);
      enhance(row);
      renumber();
      updateTotal();
      firstInput(row).focus();
      announce("Ligne de financement " + rows().length + " ajoutée.");
      form.dispatchEvent(new Event("input", { bubbles: true }));
    });

    list.addEventListener("click", function (event) {
      var button = event.target.closest("[data-funding-remove]");
      if (!button) return;
      var row = button.closest("[data-funding-line]");
      var position = rows().indexOf(row);
      row.remove();
      renumber();
      updateTotal();
      var next = rows()[position] || rows()[position - 1];
      (next ? next.querySelector("[data-funding-remove]") : addButton).focus();
      announce("Ligne de financement " + (position + 1) + " retirée ; il en reste " + rows().length + ".");
      form.dispatchEvent(new Event("input", { bubbles: true }));
    });

    var full = document.createElement("p");
    full.id = "funding-full";
    full.className = "field__help";
    full.hidden = true;
    full.textContent = "Une fiche a au plus " + maxForms + " lignes de financement.";
    addButton.parentNode.appendChild(full);

    rows().forEach(enhance);
    renumber();
    container.addEventListener("input", updateTotal);
    container.addEventListener("change", updateTotal);
    updateTotal();
  }

  // -- Preview ----------------------------------------------------------------------------------------------
  function setUpPreview(form, button, zone) {
    var busy = false;

    function close() {
      zone.textContent = "";
      form.hidden = false;
      button.focus();
    }

    function show(html, ok) {
      var holder = document.createElement("template");
      holder.innerHTML = html;
      zone.textContent = "";
      zone.appendChild(holder.content);
      var region = zone.querySelector(ok ? "#apercu" : "#erreurs");
      if (ok) {
        form.hidden = true;
        region.querySelectorAll("a[href]:not([data-preview-close])").forEach(function (link) {
          // Leaving the page would lose what is typed: the preview's links open elsewhere.
          link.target = "_blank";
          link.rel = "noopener";
        });
      }
      window.scrollTo(0, zone.getBoundingClientRect().top + window.scrollY - 16);
      if (region) region.focus();
    }

    zone.addEventListener("click", function (event) {
      var link = event.target.closest("[data-preview-close]");
      if (!link) return;
      event.preventDefault();
      close();
    });

    button.addEventListener("click", function (event) {
      event.preventDefault();
      if (busy) return;
      busy = true;
      var data = new FormData(form);
      Array.from(data.keys()).forEach(function (name) {
        if (data.getAll(name).some(function (value) { return value instanceof File; })) data.delete(name);
      });
      data.set("intent", "preview");
      data.set("fragment", "1");
      var old = button.textContent;
      button.textContent = "Aperçu en préparation…";
      fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) {
          return response.text().then(function (html) {
            if (response.ok || response.status === 400) show(html, response.ok);
            else throw new Error(String(response.status));
          });
        })
        .catch(function () {
          zone.innerHTML = "";
          var message = document.createElement("p");
          message.className = "notice notice--warning";
          message.setAttribute("role", "alert");
          message.textContent = "L'aperçu n'a pas pu être préparé (connexion perdue ?) : réessayez dans un instant.";
          zone.appendChild(message);
        })
        .finally(function () {
          busy = false;
          button.textContent = old;
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var container = document.querySelector("[data-funding-prefix]");
    if (container && document.getElementById("funding-line-template")) setUp(container);
    var previewButton = document.querySelector("form [data-preview]");
    var zone = document.querySelector("[data-preview-zone]");
    if (previewButton && zone) setUpPreview(previewButton.form, previewButton, zone);
  });
})();
