// Message variables in text fields: typing `{{` in a field marked `data-variables` (the composer,
// canned responses, macro and automation messages) opens a picker of the account's variables;
// Up/Down choose, Enter or Tab insert `{{ key }}`, Escape closes. The catalogue comes from the
// server in the page's language.
(function () {
  "use strict";

  var catalogues = {};
  var picker = null;
  var field = null;

  function accountBase() {
    var match = location.pathname.match(/^\/app\/accounts\/\d+/);
    return match ? match[0] : null;
  }

  function catalogue() {
    var base = accountBase();
    if (!base) { return Promise.resolve([]); }
    if (!catalogues[base]) {
      catalogues[base] = fetch(base + "/variables", { headers: { accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : []; })
        .catch(function () { delete catalogues[base]; return []; });
    }
    return catalogues[base];
  }

  // The `{{ partial` being typed before the caret, if any.
  function token(input) {
    if (input.selectionStart !== input.selectionEnd) { return null; }
    var before = input.value.slice(0, input.selectionStart);
    var match = before.match(/\{\{\s*([\w.]*)$/);
    return match ? { start: before.length - match[0].length, query: match[1].toLowerCase() } : null;
  }

  function isOpen() { return picker && !picker.hidden; }

  function close() {
    if (picker) { picker.hidden = true; picker.innerHTML = ""; }
    if (field) {
      field.setAttribute("aria-expanded", "false");
      field.removeAttribute("aria-activedescendant");
      if (field.dataset.controls) { field.setAttribute("aria-controls", field.dataset.controls); }
    }
  }

  function ensurePicker(input) {
    if (!picker) {
      picker = document.createElement("ul");
      picker.id = "variable-picker";
      picker.className = "variable-picker";
      picker.setAttribute("role", "listbox");
      picker.hidden = true;
    }
    if (picker.previousElementSibling !== input) { input.insertAdjacentElement("afterend", picker); }
    if (input.getAttribute("aria-controls") !== "variable-picker") {
      input.dataset.controls = input.getAttribute("aria-controls") || "";
    }
    input.setAttribute("aria-controls", "variable-picker");
    input.setAttribute("aria-autocomplete", "list");
    field = input;
  }

  function show(input, items) {
    ensurePicker(input);
    picker.innerHTML = "";
    items.forEach(function (item, i) {
      var li = document.createElement("li");
      li.id = "variable-option-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", i === 0 ? "true" : "false");
      li.dataset.key = item.key;
      var code = document.createElement("code");
      code.textContent = item.key;
      var small = document.createElement("small");
      small.textContent = item.description;
      li.appendChild(code);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(small);
      picker.appendChild(li);
    });
    picker.hidden = false;
    input.setAttribute("aria-expanded", "true");
    input.setAttribute("aria-activedescendant", "variable-option-0");
  }

  function update(input) {
    var t = token(input);
    if (!t) { if (field === input) { close(); } return; }
    catalogue().then(function (all) {
      var now = token(input);
      if (!now) { close(); return; }
      var items = all.filter(function (v) { return v.key.toLowerCase().indexOf(now.query) >= 0; }).slice(0, 12);
      if (items.length) { show(input, items); } else { close(); }
    });
  }

  function move(step) {
    var options = Array.from(picker.querySelectorAll("[role=option]"));
    var index = options.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    var next = (index + step + options.length) % options.length;
    options.forEach(function (o, i) { o.setAttribute("aria-selected", i === next ? "true" : "false"); });
    options[next].scrollIntoView({ block: "nearest" });
    field.setAttribute("aria-activedescendant", options[next].id);
  }

  function insert(option) {
    var input = field;
    var t = input && token(input);
    if (!option || !t) { close(); return; }
    var text = "{{ " + option.dataset.key + " }}";
    var end = input.selectionStart;
    input.value = input.value.slice(0, t.start) + text + input.value.slice(end);
    var caret = t.start + text.length;
    input.setSelectionRange(caret, caret);
    close();
    input.focus();
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.matches && input.matches("[data-variables]")) { update(input); }
  });

  // Capture phase: the picker's keys must not also send the message or move in other lists.
  document.addEventListener("keydown", function (event) {
    if (!isOpen() || event.target !== field) { return; }
    var handled = true;
    if (event.key === "ArrowDown") { move(1); }
    else if (event.key === "ArrowUp") { move(-1); }
    else if (event.key === "Enter" || event.key === "Tab") { insert(picker.querySelector("[aria-selected=true]")); }
    else if (event.key === "Escape") { close(); }
    else { handled = false; }
    if (handled) { event.preventDefault(); event.stopImmediatePropagation(); }
  }, true);

  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest && event.target.closest("#variable-picker [role=option]");
    if (option) { event.preventDefault(); insert(option); return; }
    if (isOpen() && event.target !== field) { close(); }
  });
})();
