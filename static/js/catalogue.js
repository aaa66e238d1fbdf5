// The list of actions, enhanced. Without this script the page works as a plain form (buttons "Rechercher",
// "Appliquer", "Appliquer les filtres"); with it:
// - a ticked option, a sort or a page size applies at once: the new page is fetched and swapped in, the address
//   updated (history kept: Back returns to the previous filters), focus stays on the same control;
// - "Voir les N autres options" gets a box that filters its options as one types (accents and case ignored);
// - on narrow screens the filters open as a full-screen panel from "Filtrer (n)";
// - the Atom feed of the page's head (<link rel="alternate">) follows the filters shown.
(function () {
  "use strict";

  var DEFAULTS = { page_size: "20" };
  var controller = null;
  var shownUrl = location.pathname + location.search;

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
  }

  function catalogue() {
    return document.getElementById("catalogue");
  }

  function listUrl(params) {
    var query = params.toString();
    return catalogue().getAttribute("action") + (query ? "?" + query : "");
  }

  function current() {
    // The address of the page shown, with the search as typed in its box (even if not sent yet).
    var params = new URLSearchParams(location.search);
    params.delete("page");
    var search = catalogue().querySelector("input[name=q]");
    if (search && search.value.trim() !== (params.get("q") || "").trim()) {
      if (search.value.trim()) params.set("q", search.value.trim());
      else params.delete("q");
    }
    return params;
  }

  function withoutDefaults(params) {
    var sort = catalogue().querySelector("select[name=sort]");
    if (sort && params.get("sort") === sort.getAttribute("data-default")) params.delete("sort");
    Object.keys(DEFAULTS).forEach(function (name) {
      if (params.get(name) === DEFAULTS[name]) params.delete(name);
    });
    return params;
  }

  // -- What the visitor had open, typed or focused, kept across a swap ---------------------------------------

  function controlKey(element) {
    if (!element || !element.closest || !element.closest("#catalogue")) return null;
    if (element.type === "checkbox" && element.name) return 'input[name="' + element.name + '"][value="' + CSS.escape(element.value) + '"]';
    if (element.id) return "#" + CSS.escape(element.id);
    return null;
  }

  function captureState() {
    var form = catalogue();
    var state = { open: [], typed: {}, focus: controlKey(document.activeElement), panel: false, empty: false };
    form.querySelectorAll(".facet__more[open]").forEach(function (details) {
      state.open.push(details.closest(".facet").id);
    });
    form.querySelectorAll(".facet__filter input").forEach(function (input) {
      if (input.value) state.typed[input.id] = input.value;
    });
    var filters = form.querySelector(".filters");
    state.panel = filters.classList.contains("is-open");
    var empty = form.querySelector("#montrer-vides");
    state.empty = Boolean(empty && empty.checked);
    return state;
  }

  function restoreState(state) {
    var form = catalogue();
    state.open.forEach(function (id) {
      var details = form.querySelector("#" + CSS.escape(id) + " .facet__more");
      if (details) {
        details.open = true;
        addFilterBox(details);
      }
    });
    Object.keys(state.typed).forEach(function (id) {
      var input = document.getElementById(id);
      if (input) {
        input.value = state.typed[id];
        applyFilterBox(input);
      }
    });
    var empty = form.querySelector("#montrer-vides");
    if (empty) empty.checked = state.empty;
    if (state.panel) openPanel(false);
    var focus = state.focus && form.querySelector(state.focus);
    if (focus) {
      var more = focus.closest(".facet__more");
      if (more) more.open = true;
      focus.focus({ preventScroll: true });
    }
  }

  // -- Fetching and swapping a page of the list ------------------------------------------------------------

  function navigate(url, push) {
    if (controller) controller.abort();
    controller = new AbortController();
    var form = catalogue();
    form.setAttribute("aria-busy", "true");
    fetch(url, { signal: controller.signal, headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("catalogue");
        if (!fresh) throw new Error("no list");
        var state = captureState();
        catalogue().replaceWith(document.adoptNode(fresh));
        document.title = page.title;
        var feed = page.querySelector("link[rel=alternate][type='application/atom+xml']");
        var shownFeed = document.querySelector("link[rel=alternate][type='application/atom+xml']");
        if (feed && shownFeed) shownFeed.setAttribute("href", feed.getAttribute("href"));
        if (push) history.pushState({ catalogue: true }, "", url);
        shownUrl = location.pathname + location.search;
        enhance();
        restoreState(state);
        var total = document.getElementById("resultats-titre");
        var status = document.getElementById("annonce");
        if (total && status) status.textContent = total.textContent;
      })
      .catch(function (error) {
        if (error.name !== "AbortError") location.assign(url);
      });
  }

  function toggled(checkbox) {
    var params = current();
    var kept = params.getAll(checkbox.name).filter(function (value) {
      return value !== checkbox.value;
    });
    params.delete(checkbox.name);
    kept.forEach(function (value) {
      params.append(checkbox.name, value);
    });
    if (checkbox.checked) params.append(checkbox.name, checkbox.value); // the newest filter last
    navigate(listUrl(withoutDefaults(params)), true);
  }

  function selected(select) {
    var params = current();
    params.set(select.name, select.value);
    navigate(listUrl(withoutDefaults(params)), true);
  }

  function submitted(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value !== "") params.append(name, value);
    });
    navigate(listUrl(withoutDefaults(params)), true);
  }

  // -- "Voir les N": a box that filters the options -------------------------------------------------------

  function addFilterBox(details) {
    if (details.querySelector(".facet__filter")) return;
    var facet = details.closest(".facet");
    var legend = facet.querySelector("legend").textContent;
    var id = "filtre-" + facet.id;
    var box = document.createElement("div");
    box.className = "facet__filter";
    box.innerHTML =
      '<label></label><input type="search" autocomplete="off" spellcheck="false"><p class="facet__filter-status" aria-live="polite"></p>';
    box.querySelector("label").setAttribute("for", id);
    box.querySelector("label").textContent = "Filtrer la liste : " + legend.toLowerCase();
    box.querySelector("input").id = id;
    details.querySelector("summary").after(box);
  }

  function applyFilterBox(input) {
    var details = input.closest(".facet__more");
    var wanted = fold(input.value);
    var shown = 0;
    details.querySelectorAll(".facet__list li").forEach(function (item) {
      var match = !wanted || fold(item.textContent).indexOf(wanted) !== -1;
      item.hidden = !match;
      if (match) shown += 1;
    });
    var status = details.querySelector(".facet__filter-status");
    status.textContent = wanted ? (shown === 0 ? "Aucune option" : shown + (shown > 1 ? " options" : " option")) : "";
  }

  // -- The panel of filters on narrow screens ----------------------------------------------------------------

  function outside() {
    var form = catalogue();
    return [
      document.querySelector(".site-header"),
      document.querySelector(".site-footer"),
      document.querySelector(".skip-links"),
      form.querySelector(".catalogue__head"),
      form.querySelector(".results"),
    ].filter(Boolean);
  }

  function openPanel(focus) {
    var form = catalogue();
    var filters = form.querySelector(".filters");
    filters.classList.add("is-open");
    filters.setAttribute("role", "dialog");
    filters.setAttribute("aria-modal", "true");
    document.body.classList.add("has-panel");
    outside().forEach(function (element) {
      element.inert = true;
    });
    form.querySelector(".filters-open").setAttribute("aria-expanded", "true");
    if (focus) filters.querySelector(".filters__close").focus();
  }

  function closePanel() {
    var form = catalogue();
    var filters = form.querySelector(".filters");
    if (!filters.classList.contains("is-open")) return;
    filters.classList.remove("is-open");
    filters.removeAttribute("role");
    filters.removeAttribute("aria-modal");
    document.body.classList.remove("has-panel");
    outside().forEach(function (element) {
      element.inert = false;
    });
    var button = form.querySelector(".filters-open");
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }

  // -- Wiring ----------------------------------------------------------------------------------------------------

  function enhance() {
    var form = catalogue();
    form.querySelector(".filters").classList.add("is-panel");
    form.querySelectorAll(".filters-open, .filters__close, .filters__done").forEach(function (element) {
      element.hidden = false;
    });
    form.querySelectorAll(".filters-link, .results__apply, .filters__apply").forEach(function (element) {
      element.hidden = true;
    });
    form.querySelectorAll(".facet__more[open]").forEach(addFilterBox);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!catalogue() || !window.fetch || !window.history.pushState) return;
    history.replaceState({ catalogue: true }, "");
    enhance();

    document.addEventListener("change", function (event) {
      var target = event.target;
      if (!target.closest("#catalogue")) return;
      if (target.type === "checkbox" && target.name && target.closest(".facet")) toggled(target);
      else if (target.tagName === "SELECT" && target.name) selected(target);
    });
    document.addEventListener("submit", function (event) {
      if (event.target.id !== "catalogue") return;
      event.preventDefault();
      closePanel();
      submitted(event.target);
    });
    document.addEventListener("toggle", function (event) {
      if (event.target.classList && event.target.classList.contains("facet__more") && event.target.open) {
        addFilterBox(event.target);
      }
    }, true);
    document.addEventListener("input", function (event) {
      if (event.target.closest && event.target.closest(".facet__filter")) applyFilterBox(event.target);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.closest && event.target.closest(".facet__filter")) {
        event.preventDefault(); // a filter box never submits the form
      }
      if (event.key === "Escape" && document.body.classList.contains("has-panel")) closePanel();
    });
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest('a[href="#filtres"]');
      if (link && window.matchMedia("(max-width: 59.99rem)").matches) {
        event.preventDefault(); // on a narrow screen the filters are a panel: the skip link opens it
        openPanel(true);
        return;
      }
      var target = event.target.closest && event.target.closest(".filters-open, .filters__close, .filters__done");
      if (!target) return;
      if (target.classList.contains("filters-open")) openPanel(true);
      else closePanel();
    });
    window.addEventListener("popstate", function () {
      if (location.pathname + location.search === shownUrl) return; // a jump to an anchor of the same page
      navigate(location.href, false);
    });
  });
})();
