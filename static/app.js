// Atende: small behaviours that plain HTML and htmx do not cover.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Forms that need a confirmation carry data-confirm with the question.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Copy buttons (data-copy="id of the element to copy") are hidden until this script runs,
  // so they never show where they cannot work; the secret stays selectable either way.
  function showCopyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      if (navigator.clipboard) { button.hidden = false; }
    });
  }
  document.addEventListener("DOMContentLoaded", showCopyButtons);
  document.addEventListener("htmx:load", showCopyButtons);
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      button.setAttribute("aria-pressed", "true");
    });
  });

  // Builders (rules, macros) redraw their rows on the server: a select with data-refresh
  // presses the form's "refresh" button when it changes, so a condition row offers the
  // operators and values of its new attribute at once. Without JavaScript the button shows.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field.hasAttribute || !field.hasAttribute("data-refresh") || !field.form) { return; }
    var refresh = field.form.querySelector('button[name="op"][value="refresh"]');
    if (!refresh) { return; }
    field.form.setAttribute("data-refresh-focus", field.id || "");
    if (field.form.requestSubmit) { field.form.requestSubmit(refresh); } else { refresh.click(); }
  });
})();
