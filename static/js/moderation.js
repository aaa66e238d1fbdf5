// The moderation pages, enhanced. Without this script they work as they are: the link « Afficher toutes les
// rubriques » / « Modifications seulement » reloads the review page, and the queue's boxes are ticked one by one.
// With it:
// - the review page's toggle shows or hides the unchanged sections at once (the address follows, for a reload);
// - the queue gets a « Tout sélectionner » box and says how many sheets are selected.
(function () {
  "use strict";

  function diffToggle() {
    var link = document.querySelector("[data-diff-toggle]");
    var section = document.querySelector("[data-diff]");
    if (!link || !section) return;
    var status = section.querySelector("[data-diff-status]");
    var rows = section.querySelectorAll("tr[data-unchanged]");

    link.addEventListener("click", function (event) {
      event.preventDefault();
      var showAll = rows.length > 0 && rows[0].hidden;
      rows.forEach(function (row) {
        row.hidden = !showAll;
      });
      // The link now offers the other view, and the address is the one a reload would need.
      link.textContent = link.getAttribute(showAll ? "data-label-changed" : "data-label-all");
      var current = link.getAttribute(showAll ? "data-href-all" : "data-href-changed");
      link.setAttribute("href", link.getAttribute(showAll ? "data-href-changed" : "data-href-all"));
      if (window.history && history.replaceState) history.replaceState(null, "", current.split("#")[0] || "?");
      if (status) status.textContent = link.getAttribute(showAll ? "data-status-all" : "data-status-changed");
    });
  }

  function bulkSelection() {
    var form = document.querySelector("[data-bulk-approval]");
    if (!form) return;
    var boxes = form.querySelectorAll("input[type=checkbox][name=selection]");
    var header = form.querySelector("thead .queue__select");
    var button = form.querySelector("button[type=submit]");
    if (!boxes.length || !header || !button) return;

    var all = document.createElement("input");
    all.type = "checkbox";
    all.id = "selection-toutes";
    var label = document.createElement("label");
    label.htmlFor = all.id;
    label.className = "visually-hidden";
    label.textContent = "Tout sélectionner sur cette page";
    header.textContent = "";
    header.appendChild(all);
    header.appendChild(label);

    var count = document.createElement("span");
    count.className = "queue-bulk__count";
    count.setAttribute("aria-live", "polite");
    button.insertAdjacentElement("afterend", count);

    function update() {
      var ticked = Array.prototype.filter.call(boxes, function (box) { return box.checked; }).length;
      all.checked = ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
      count.textContent = ticked === 0 ? "Aucune fiche sélectionnée" : ticked + (ticked > 1 ? " fiches sélectionnées" : " fiche sélectionnée");
    }

    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      update();
    });
    form.addEventListener("change", function (event) {
      if (event.target !== all) update();
    });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    diffToggle();
    bulkSelection();
  });
})();
