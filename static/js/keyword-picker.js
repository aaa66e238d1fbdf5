// The keywords of the sheet form as a searchable multi-select, over the checkboxes the server renders in French
// order (which stay the form's inputs: without JavaScript they are the whole picker). Added: the chosen keywords
// as buttons that remove them (« Retirer Culture »), a labelled box that filters the options as one types (accents,
// case and punctuation ignored, as core/text.normalize_key does: each option carries its key in data-key), and a
// polite count of the matches. When nothing matches, a button copies the typed text into « Proposer un nouveau
// mot clé ».
(function () {
  "use strict";

  var LIGATURES = { "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss" };

  // core/text.normalize_key: ligatures spelled out, accents dropped, case folded, the rest collapsed to spaces.
  function normalizeKey(text) {
    return text
      .replace(/[œŒæÆß]/g, function (ligature) {
        return LIGATURES[ligature];
      })
      .normalize("NFKD")
      .replace(/\p{M}/gu, "")
      .toLowerCase()
      .replace(/[^0-9a-z]+/g, " ")
      .trim();
  }

  function plural(count, singular, pluralForm) {
    return count + " " + (count < 2 ? singular : pluralForm);
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text) node.textContent = text;
    return node;
  }

  function setUp(list) {
    var boxes = Array.prototype.slice.call(list.querySelectorAll("input[type='checkbox'][data-key]"));
    var form = list.closest("form");
    var suggestion = form.querySelector("input[name='new_keyword']");
    var labelOf = function (box) {
      return box.closest("label").textContent.trim();
    };

    var picker = element("div", { class: "picker" });
    var chosenTitle = element("p", { class: "picker__title", id: "mots-cles-choisis" }, "Mots clés choisis");
    var chips = element("ul", { class: "picker__chips", "aria-labelledby": "mots-cles-choisis" });
    var none = element("p", { class: "picker__none muted" }, "Aucun pour l'instant.");
    var filterLabel = element("label", { for: "mots-cles-filtre", class: "picker__label" }, "Filtrer les mots clés");
    var filter = element("input", {
      type: "search",
      id: "mots-cles-filtre",
      autocomplete: "off",
      spellcheck: "false",
      "aria-controls": list.id,
      "aria-describedby": "mots-cles-compte",
    });
    var count = element("p", { class: "picker__count", id: "mots-cles-compte", role: "status" });
    var propose = element("button", { type: "button", class: "button--secondary picker__propose" });
    propose.hidden = true;
    var removed = element("p", { class: "visually-hidden", role: "status" });
    picker.append(chosenTitle, chips, none, removed, filterLabel, filter, count, propose);
    list.parentNode.insertBefore(picker, list);
    list.classList.add("picker__options");

    function renderChips() {
      chips.textContent = "";
      boxes
        .filter(function (box) {
          return box.checked;
        })
        .forEach(function (box) {
          var item = element("li");
          var chip = element("button", { type: "button", class: "picker__chip", "data-value": box.value });
          chip.append(element("span", { class: "visually-hidden" }, "Retirer "), labelOf(box));
          chip.append(element("span", { class: "picker__cross", "aria-hidden": "true" }, "×"));
          item.append(chip);
          chips.append(item);
        });
      none.hidden = chips.children.length > 0;
    }

    var countTimer = null;
    function applyFilter() {
      var words = normalizeKey(filter.value).split(" ").filter(Boolean);
      var shown = 0;
      boxes.forEach(function (box) {
        var key = box.getAttribute("data-key");
        var match = words.every(function (word) {
          return key.indexOf(word) !== -1;
        });
        box.closest("#" + list.id + " > *").hidden = !match;
        if (match) shown += 1;
      });
      var typed = filter.value.trim();
      propose.hidden = shown > 0 || !typed || !suggestion;
      if (!propose.hidden) propose.textContent = "Proposer « " + typed + " » comme nouveau mot clé";
      // The count is announced once typing pauses, not at every key.
      window.clearTimeout(countTimer);
      countTimer = window.setTimeout(function () {
        if (!words.length) count.textContent = plural(boxes.length, "mot clé", "mots clés") + " : tapez pour filtrer.";
        else if (!shown) count.textContent = "Aucun mot clé ne correspond à « " + typed + " ».";
        else count.textContent = plural(shown, "mot clé correspond", "mots clés correspondent") + " à « " + typed + " ».";
      }, words.length ? 400 : 0);
      return shown;
    }

    filter.addEventListener("input", applyFilter);
    // Enter in the box must not send the form; with one match left, it ticks (or unticks) that keyword and the
    // box is emptied for the next one.
    filter.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      var visible = boxes.filter(function (box) {
        return !box.closest("#" + list.id + " > *").hidden;
      });
      if (visible.length === 1) {
        visible[0].checked = !visible[0].checked;
        visible[0].dispatchEvent(new Event("change", { bubbles: true }));
        removed.textContent = "« " + labelOf(visible[0]) + " » " + (visible[0].checked ? "choisi." : "retiré.");
        filter.value = "";
        applyFilter();
      }
    });

    list.addEventListener("change", renderChips);

    chips.addEventListener("click", function (event) {
      var chip = event.target.closest(".picker__chip");
      if (!chip) return;
      var box = boxes.filter(function (candidate) {
        return candidate.value === chip.getAttribute("data-value");
      })[0];
      var items = Array.prototype.slice.call(chips.querySelectorAll(".picker__chip"));
      var position = items.indexOf(chip);
      box.checked = false;
      box.dispatchEvent(new Event("change", { bubbles: true }));
      removed.textContent = "« " + labelOf(box) + " » retiré des mots clés choisis.";
      var rest = chips.querySelectorAll(".picker__chip");
      (rest[position] || rest[position - 1] || filter).focus();
    });

    propose.addEventListener("click", function () {
      suggestion.value = filter.value.trim();
      suggestion.dispatchEvent(new Event("input", { bubbles: true }));
      suggestion.focus();
    });

    renderChips();
    applyFilter();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var first = document.querySelector("form input[type='checkbox'][name='keywords'][data-key]");
    var list = first && first.closest("div[id]");
    if (list) setUp(list);
  });
})();
