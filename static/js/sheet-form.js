// Optional enhancement of the sheet form: keep the "Total des lignes" up to date while amounts are typed.
// Without JavaScript the total is computed by the server each time the form is shown.
(function () {
  "use strict";

  function parseAmount(text) {
    var cleaned = (text || "").replace(/[\s\u00a0\u202f€]/g, "").replace(/eur(os?)?$/i, "");
    if (!cleaned) return 0;
    if (/^\d{1,3}(\.\d{3})+(,\d{1,2})?$/.test(cleaned)) cleaned = cleaned.replace(/\./g, "");
    cleaned = cleaned.replace(",", ".");
    var value = Number(cleaned);
    return isFinite(value) && value >= 0 ? value : 0;
  }

  function format(value) {
    return value.toLocaleString("fr-FR", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var container = document.querySelector("[data-funding-prefix]");
    var output = document.getElementById("funding-total");
    if (!container || !output) return;
    var prefix = container.getAttribute("data-funding-prefix");

    function update() {
      var total = 0;
      container.querySelectorAll("input[name^='" + prefix + "-'][name$='-amount']").forEach(function (input) {
        var deleteBox = document.getElementById(input.id.replace(/-amount$/, "-DELETE"));
        if (deleteBox && deleteBox.checked) return;
        total += parseAmount(input.value);
      });
      output.textContent = format(total);
    }

    container.addEventListener("input", update);
    container.addEventListener("change", update);
  });
})();
