// Autosave of the sheet form: while the member types, the form's fields (not its files) are posted at most once a
// minute to the form's autosave address (views.autosave, CSRF token included), and once more when the page is
// left with unsaved changes. The server keeps them as the member's autosave of this form, never as a sheet, and
// offers them back when the form is opened again. « Dernier enregistrement à 14 h 32 » is told in a polite live
// region. Saving or sending the form stops it (the server then clears the autosave).
(function () {
  "use strict";

  var INTERVAL = 60 * 1000;

  function setUp(form, status) {
    var url = form.getAttribute("data-autosave-url");
    var dirty = false;
    var stopped = false;
    var timer = null;
    var controller = null;

    function say(message) {
      status.hidden = false;
      status.textContent = message;
    }

    function formState() {
      var data = new FormData(form);
      Array.from(data.keys()).forEach(function (name) {
        var values = data.getAll(name);
        if (values.some(function (value) { return value instanceof File; })) data.delete(name);
      });
      ["intent", "more_rows"].forEach(function (name) { data.delete(name); });
      return data;
    }

    function schedule() {
      if (!timer && !stopped) timer = window.setTimeout(save, INTERVAL);
    }

    function save(options) {
      window.clearTimeout(timer);
      timer = null;
      if (!dirty || stopped) return;
      dirty = false;
      controller = window.AbortController ? new AbortController() : null;
      fetch(url, {
        method: "POST",
        body: formState(),
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        keepalive: Boolean(options && options.leaving),
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (type.indexOf("application/json") === -1) throw new Error(String(response.status));
          return response.json().then(function (body) {
            if (stopped) return;
            if (response.ok) {
              say(body.message);
            } else {
              say(body.error);
              // Too large: it would be refused again; otherwise try again at the next change.
              if (response.status !== 413) dirty = true;
            }
          });
        })
        .catch(function (error) {
          if (stopped || (error && error.name === "AbortError")) return;
          dirty = true;
          say("L'enregistrement automatique n'a pas abouti (connexion perdue ?) : il sera tenté de nouveau.");
          schedule();
        });
    }

    function changed(event) {
      // Only what the form sends: not the files (never autosaved), nor a box without a name (the keyword
      // picker's filter), which changes nothing of the sheet.
      if (!event.target || !event.target.name || event.target.type === "file") return;
      dirty = true;
      schedule();
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    // The member saves or sends: this page's autosave stops (a late one must not outlive the save).
    form.addEventListener("submit", function () {
      stopped = true;
      window.clearTimeout(timer);
      if (controller) controller.abort();
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && dirty) save({ leaving: true });
    });
    say("Le formulaire est enregistré automatiquement chaque minute pendant la saisie.");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-autosave-url]");
    var status = document.getElementById("enregistrement-auto-etat");
    if (form && status && window.fetch && window.FormData) setUp(form, status);
  });
})();
