// Atende inbox: live updates over server-sent events, the composer (Enter to send, canned
// responses with /shortcode), keyboard shortcuts and small htmx glue. The server renders every
// fragment; this file only decides which one to fetch and where it goes.
(function () {
  "use strict";
  if (window.AtendeInbox) { return; }
  document.documentElement.classList.add("js");

  function inbox() { return document.getElementById("inbox"); }
  function base() { return inbox().dataset.base; }
  function openConversation() { return document.getElementById("conversation"); }
  function openId() { var c = openConversation(); return c ? c.dataset.id : null; }

  // --- Requests -----------------------------------------------------------------------------
  // Fragments are fetched as htmx would: an expired session answers HX-Redirect to the login
  // page (coming back here afterwards), which we follow.
  function request(url, options) {
    options = options || {};
    return fetch(url, {
      method: options.method || "GET",
      credentials: "same-origin",
      headers: { "HX-Request": "true", "HX-Current-URL": location.href },
      body: options.body
    }).then(function (response) {
      var redirect = response.headers.get("HX-Redirect");
      if (redirect) { location.href = redirect; throw new Error("redirected"); }
      if (response.status === 401) { location.reload(); throw new Error("signed out"); }
      return response;
    });
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content;
  }

  function filterQuery() {
    var form = document.getElementById("inbox-filters");
    if (!form) { return ""; }
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (value !== "" && key !== "page") { params.set(key, value); }
    });
    return params.toString();
  }

  var alertTimer;
  function showAlert(text, info) {
    var box = document.getElementById("inbox-alert");
    if (!box || !text) { return; }
    box.textContent = text;
    box.classList.toggle("is-info", !!info);
    box.hidden = false;
    clearTimeout(alertTimer);
    alertTimer = setTimeout(function () { box.hidden = true; }, 6000);
  }

  // --- The list -----------------------------------------------------------------------------
  function list() { return document.getElementById("conversation-list"); }

  function markActive() {
    var id = openId();
    document.querySelectorAll(".row-link[aria-current]").forEach(function (a) { a.removeAttribute("aria-current"); });
    if (id) {
      var row = document.getElementById("conversation-" + id);
      if (row) { row.querySelector(".row-link").setAttribute("aria-current", "true"); }
    }
    inbox().classList.toggle("inbox--open", !!id);
  }

  // Places a row by its sort key (descending). A row that sorts after every loaded row while
  // more pages exist belongs to a page not loaded yet, so it is left out.
  function placeRow(row) {
    var ul = list();
    if (!ul) { return; }
    var key = row.dataset.sortKey;
    var rows = ul.querySelectorAll(".conversation-row");
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].dataset.sortKey < key) { ul.insertBefore(row, rows[i]); return; }
    }
    if (document.getElementById("list-more")) { return; }
    ul.appendChild(row);
  }

  function refreshRow(id) {
    return request(base() + "/conversations/" + id + "/row?" + filterQuery()).then(function (response) {
      return response.status === 204 ? "" : response.text();
    }).then(function (html) {
      var old = document.getElementById("conversation-" + id);
      if (old) { old.remove(); }
      if (!html) {
        if (list() && !list().querySelector(".conversation-row")) { reloadList(); }
        return;
      }
      var row = fragment(html).firstElementChild;
      if (!row) { return; }
      placeRow(row);
      if (row.isConnected) {
        htmx.process(row);
        var empty = document.getElementById("list-empty");
        if (empty) { empty.remove(); }
      }
      markActive();
    }).catch(function () {});
  }

  function refreshCounts() {
    return request(base() + "/conversations/counts?" + filterQuery()).then(function (response) {
      return response.text();
    }).then(function (html) {
      var tabs = document.getElementById("inbox-tabs");
      var fresh = fragment(html).firstElementChild;
      if (tabs && fresh) { tabs.replaceWith(fresh); htmx.process(fresh); }
    }).catch(function () {});
  }

  function reloadList() {
    return htmx.ajax("GET", base() + "/conversations?" + filterQuery(), { target: "#list-results", swap: "innerHTML" });
  }

  var pendingRows = new Set();
  var rowTimer = null;
  var countsTimer = null;
  function scheduleRow(id) {
    pendingRows.add(String(id));
    if (!rowTimer) {
      rowTimer = setTimeout(function () {
        var ids = Array.from(pendingRows);
        pendingRows.clear();
        rowTimer = null;
        ids.forEach(refreshRow);
      }, 120);
    }
  }
  function scheduleCounts() {
    if (!countsTimer) {
      countsTimer = setTimeout(function () { countsTimer = null; refreshCounts(); }, 250);
    }
  }

  // --- The open conversation ----------------------------------------------------------------
  function thread() { return document.getElementById("thread"); }
  function nearBottom() {
    var t = thread();
    return !t || t.scrollHeight - t.scrollTop - t.clientHeight < 120;
  }
  function scrollToBottom() {
    var t = thread();
    if (t) { t.scrollTop = t.scrollHeight; }
  }

  function lastMessageId() {
    var ids = Array.from(document.querySelectorAll("#thread-messages > li[data-id]")).map(function (li) {
      return Number(li.dataset.id);
    });
    return ids.length ? Math.max.apply(null, ids) : 0;
  }

  var fetchingMessages = null;
  var fetchAgain = false;
  // New messages after the last one shown; one request at a time, repeated if asked meanwhile.
  function fetchNewMessages() {
    if (fetchingMessages) { fetchAgain = true; return fetchingMessages; }
    var id = openId();
    if (!id) { return Promise.resolve(); }
    var stick = nearBottom();
    fetchingMessages = request(base() + "/conversations/" + id + "/messages?after=" + lastMessageId())
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (openId() !== id) { return; }
        var ol = document.getElementById("thread-messages");
        var incoming = false;
        Array.from(fragment(html).children).forEach(function (li) {
          if (!li.id || document.getElementById(li.id)) { return; }
          ol.appendChild(li);
          htmx.process(li);
          if (li.dataset.kind === "incoming") { incoming = true; }
        });
        if (stick) { scrollToBottom(); }
        if (incoming && document.visibilityState === "visible") {
          request(base() + "/conversations/" + id + "/seen", { method: "POST" }).then(function () {
            scheduleRow(id);
          }).catch(function () {});
        }
      })
      .catch(function () {})
      .then(function () {
        fetchingMessages = null;
        if (fetchAgain) { fetchAgain = false; fetchNewMessages(); }
      });
    return fetchingMessages;
  }

  function refreshMessage(messageId) {
    var id = openId();
    var current = document.getElementById("message-" + messageId);
    if (!id || !current) { return; }
    request(base() + "/conversations/" + id + "/messages?only=" + messageId).then(function (response) {
      return response.text();
    }).then(function (html) {
      var fresh = fragment(html).querySelector("#message-" + messageId);
      if (fresh && current.isConnected) { current.replaceWith(fresh); htmx.process(fresh); }
    }).catch(function () {});
  }

  // Header and details come back whole; the details wait while the user is editing them.
  var detailsPending = false;
  function refreshPart(part, elementId) {
    var id = openId();
    if (!id) { return Promise.resolve(); }
    return request(base() + "/conversations/" + id + "/" + part).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (html) {
      var current = document.getElementById(elementId);
      var fresh = fragment(html).firstElementChild;
      if (!current || !fresh || openId() !== id) { return; }
      current.replaceWith(fresh);
      htmx.process(fresh);
    }).catch(function () {});
  }
  function refreshDetails() {
    var details = document.getElementById("conversation-details");
    if (details && details.contains(document.activeElement) &&
        document.activeElement.matches("input, textarea")) {
      detailsPending = true;
      return;
    }
    detailsPending = false;
    refreshPart("details", "conversation-details");
  }
  document.addEventListener("focusout", function (event) {
    var details = document.getElementById("conversation-details");
    if (detailsPending && details && details.contains(event.target)) {
      setTimeout(function () {
        if (!details.contains(document.activeElement)) { refreshDetails(); }
      }, 0);
    }
  });
  function refreshConversation() {
    refreshPart("header", "conversation-header");
    refreshDetails();
    fetchNewMessages();
  }

  // --- Live updates -------------------------------------------------------------------------
  var EVENTS = ["message_created", "message_updated", "conversation_created", "conversation_updated",
    "conversation_status_changed", "conversation_opened", "conversation_resolved", "assignee_changed",
    "team_changed", "label_added", "contact_created", "contact_updated"];
  var source = null;
  var retry = 1000;
  var missed = false;

  function onEvent(event) {
    var data;
    try { data = JSON.parse(event.data); } catch (e) { return; }
    if (data.conversation_id) {
      var id = String(data.conversation_id);
      scheduleRow(id);
      scheduleCounts();
      if (openId() === id) {
        if (event.type === "message_created") { fetchNewMessages(); }
        else if (event.type === "message_updated") { refreshMessage(data.message_id); }
        else { refreshPart("header", "conversation-header"); refreshDetails(); }
      }
    } else if (data.contact_id) {
      document.querySelectorAll('.conversation-row[data-contact-id="' + data.contact_id + '"]').forEach(function (row) {
        scheduleRow(row.dataset.id);
      });
      var open = openConversation();
      if (open && open.dataset.contactId === String(data.contact_id)) {
        refreshPart("header", "conversation-header");
        refreshDetails();
      }
    }
  }

  function resync() {
    reloadList();
    if (openId()) { refreshConversation(); }
  }

  function connect() {
    var root = inbox();
    if (!root || !window.EventSource) { return; }
    source = new EventSource(root.dataset.events);
    EVENTS.forEach(function (name) { source.addEventListener(name, onEvent); });
    source.addEventListener("resync", resync);
    source.addEventListener("open", function () {
      retry = 1000;
      if (missed) { missed = false; resync(); }
    });
    source.addEventListener("error", function () {
      // The browser retries by itself (with Last-Event-ID) unless the stream was refused, for
      // instance because the session expired and the answer was the login page.
      if (source.readyState !== EventSource.CLOSED) { return; }
      missed = true;
      showAlert(inbox().dataset.msgOffline, true);
      request(base() + "/conversations/counts?" + filterQuery()).catch(function () {}).then(function () {
        setTimeout(connect, retry);
        retry = Math.min(retry * 2, 30000);
      });
    });
  }

  // --- Composer -----------------------------------------------------------------------------
  function composerText() { return document.getElementById("composer-text"); }
  function suggestions() { return document.getElementById("canned-suggestions"); }
  function suggestionsOpen() { var s = suggestions(); return s && !s.hidden && s.querySelector("[role=option]"); }

  function closeSuggestions() {
    var s = suggestions();
    var text = composerText();
    if (s) { s.hidden = true; s.innerHTML = ""; }
    if (text) { text.setAttribute("aria-expanded", "false"); text.removeAttribute("aria-activedescendant"); }
  }

  // The `/word` just before the caret, if the caret ends one.
  function slashToken(text) {
    var before = text.value.slice(0, text.selectionStart);
    var match = /(^|\s)\/([^\s\/]*)$/.exec(before);
    return match ? { start: before.length - match[2].length - 1, query: match[2] } : null;
  }

  var suggestTimer = null;
  function suggest() {
    var text = composerText();
    var token = text && slashToken(text);
    if (!token) { closeSuggestions(); return; }
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(function () {
      request(base() + "/canned_responses/suggestions?q=" + encodeURIComponent(token.query)).then(function (response) {
        return response.text();
      }).then(function (html) {
        var s = suggestions();
        if (!s || !slashToken(composerText())) { return; }
        s.innerHTML = html;
        s.hidden = false;
        text.setAttribute("aria-expanded", "true");
        var first = s.querySelector("[aria-selected=true]");
        if (first) { text.setAttribute("aria-activedescendant", first.id); }
      }).catch(function () {});
    }, 120);
  }

  function moveSuggestion(step) {
    var options = Array.from(suggestions().querySelectorAll("[role=option]"));
    var index = options.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    var next = (index + step + options.length) % options.length;
    options.forEach(function (o, i) { o.setAttribute("aria-selected", i === next ? "true" : "false"); });
    options[next].scrollIntoView({ block: "nearest" });
    composerText().setAttribute("aria-activedescendant", options[next].id);
  }

  function insertSuggestion(option) {
    var text = composerText();
    var token = slashToken(text);
    if (!option || !token) { closeSuggestions(); return; }
    var content = option.dataset.content;
    var end = text.selectionStart;
    text.value = text.value.slice(0, token.start) + content + text.value.slice(end);
    var caret = token.start + content.length;
    text.setSelectionRange(caret, caret);
    closeSuggestions();
    text.focus();
  }

  document.addEventListener("input", function (event) {
    if (event.target.id === "composer-text") { suggest(); }
  });

  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest("#canned-suggestions [role=option]");
    if (option) { event.preventDefault(); insertSuggestion(option); return; }
    if (!event.target.closest || !event.target.closest("#canned-suggestions")) {
      if (event.target.id !== "composer-text") { closeSuggestions(); }
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.name === "private" && event.target.closest("#composer")) {
      var text = composerText();
      text.placeholder = event.target.value === "true" ? text.dataset.placeholderNote : text.dataset.placeholderReply;
    }
  });

  // Before a text with variables goes out, ask the server which would render empty in this
  // conversation; if any, the member confirms (as Chatwoot does) or goes back to edit.
  function confirmVariables(form, text) {
    var body = new URLSearchParams();
    body.append("content", text.value);
    body.append("conversation_id", openId() || "");
    return request(base() + "/variables/preview", {
      method: "POST",
      body: body
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).catch(function () { return null; }).then(function (preview) {
      var empty = preview && preview.empty ? preview.empty : [];
      var dialog = document.getElementById("variables-confirm");
      if (!empty.length || !dialog) { return true; }
      var list = document.getElementById("variables-confirm-list");
      list.innerHTML = "";
      empty.forEach(function (key) {
        var li = document.createElement("li");
        var code = document.createElement("code");
        code.textContent = "{{ " + key + " }}";
        li.appendChild(code);
        list.appendChild(li);
      });
      return new Promise(function (resolve) {
        function done(answer) {
          dialog.removeEventListener("close", onClose);
          if (dialog.open) { dialog.close(); }
          resolve(answer);
        }
        function onClose() { done(false); }
        dialog.addEventListener("close", onClose);
        dialog.querySelector("[data-variables-send]").onclick = function () { done(true); };
        dialog.querySelector("[data-variables-cancel]").onclick = function () { done(false); };
        dialog.showModal();
        dialog.querySelector("[data-variables-send]").focus();
      });
    });
  }

  // Capture phase: runs before htmx sends the form.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "composer") { return; }
    if (form.dataset.variablesChecked === "1") { delete form.dataset.variablesChecked; return; }
    var text = composerText();
    if (!text || text.value.indexOf("{{") < 0) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    confirmVariables(form, text).then(function (send) {
      if (send) {
        form.dataset.variablesChecked = "1";
        form.requestSubmit();
      } else {
        text.focus();
      }
    });
  }, true);

  function submitComposer() {
    var form = document.getElementById("composer");
    var text = composerText();
    var files = document.getElementById("composer-files");
    if (!form || (!text.value.trim() && !(files && files.files.length))) { return; }
    form.requestSubmit();
  }

  function composerKeys(event) {
    if (suggestionsOpen()) {
      if (event.key === "ArrowDown") { event.preventDefault(); moveSuggestion(1); return; }
      if (event.key === "ArrowUp") { event.preventDefault(); moveSuggestion(-1); return; }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        insertSuggestion(suggestions().querySelector("[aria-selected=true]"));
        return;
      }
      if (event.key === "Escape") { event.preventDefault(); closeSuggestions(); return; }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.ctrlKey && !event.altKey && !event.metaKey) {
      event.preventDefault();
      submitComposer();
    } else if (event.key === "Escape") {
      event.target.blur();
    }
  }

  // --- Keyboard shortcuts -------------------------------------------------------------------
  function typing(element) {
    if (!element || element === document.body) { return false; }
    if (element.isContentEditable) { return true; }
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") { return true; }
    if (tag === "INPUT") {
      return ["checkbox", "radio", "button", "submit", "reset", "range", "color"].indexOf(element.type) < 0;
    }
    return false;
  }

  function moveConversation(step) {
    var links = Array.from(document.querySelectorAll("#conversation-list .row-link"));
    if (!links.length) { return; }
    var current = links.findIndex(function (a) { return a.hasAttribute("aria-current"); });
    var next = current < 0 ? (step > 0 ? 0 : links.length - 1) : current + step;
    if (next < 0 || next >= links.length) { return; }
    links[next].focus();
    links[next].click();
  }

  function clickFirst(ids) {
    for (var i = 0; i < ids.length; i++) {
      var button = document.getElementById(ids[i]);
      if (button) { button.click(); return; }
    }
  }

  function focusComposer() {
    var text = composerText();
    if (text) { text.focus(); }
  }

  function togglePrivate() {
    var reply = document.getElementById("mode-reply");
    var note = document.getElementById("mode-note");
    if (!reply || !note) { return; }
    var target = note.checked ? reply : note;
    target.checked = true;
    target.dispatchEvent(new Event("change", { bubbles: true }));
    focusComposer();
  }

  function showShortcuts() {
    var dialog = document.getElementById("shortcuts-dialog");
    if (dialog && !dialog.open) { dialog.showModal(); }
  }

  document.addEventListener("keydown", function (event) {
    if (!inbox()) { return; }
    if (event.target.id === "composer-text") { composerKeys(event); return; }
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var dialog = document.getElementById("shortcuts-dialog");
    if (dialog && dialog.open) { return; }
    switch (event.key) {
      case "j": moveConversation(1); break;
      case "k": moveConversation(-1); break;
      case "e": clickFirst(["action-resolve", "action-reopen"]); break;
      case "r": focusComposer(); break;
      case "p": togglePrivate(); break;
      case "/": var q = document.getElementById("inbox-q"); if (q) { q.focus(); q.select(); } break;
      case "?": showShortcuts(); break;
      default: return;
    }
    event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-shortcuts]")) { showShortcuts(); }
    var close = event.target.closest && event.target.closest("#shortcuts-dialog [data-close]");
    if (close) { document.getElementById("shortcuts-dialog").close(); }
  });

  // --- htmx glue ----------------------------------------------------------------------------
  // GET filters travel without their blank fields, so pushed URLs stay short.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get" || !event.detail.elt.closest || !event.detail.elt.closest("#inbox-filters")) { return; }
    var params = event.detail.parameters;
    Array.from(params.keys()).forEach(function (key) {
      if (params.get(key) === "") { params.delete(key); }
    });
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target) { return; }
    if (target.id === "conversation-pane") {
      markActive();
      scrollToBottom();
      var id = openId();
      if (id) { scheduleRow(id); }
    } else if (target.id === "list-results") {
      markActive();
    }
    if (target.id === "list-more" || event.detail.elt && event.detail.elt.id === "list-more") {
      // A page fetched after live updates moved rows may repeat some: keep the first of each.
      var seen = new Set();
      document.querySelectorAll("#conversation-list .conversation-row").forEach(function (row) {
        if (seen.has(row.id)) { row.remove(); } else { seen.add(row.id); }
      });
      markActive();
    }
  });

  document.addEventListener("messages-changed", function () {
    fetchNewMessages().then(scrollToBottom);
    var id = openId();
    if (id) { scheduleRow(id); }
  });
  document.addEventListener("conversation-changed", function () {
    var menu = document.getElementById("actions-menu");
    if (menu) { menu.open = false; }
    refreshConversation();
    var id = openId();
    if (id) { scheduleRow(id); scheduleCounts(); }
  });
  document.addEventListener("contact-changed", function () {
    refreshPart("header", "conversation-header");
    var open = openConversation();
    if (open) {
      document.querySelectorAll('.conversation-row[data-contact-id="' + open.dataset.contactId + '"]').forEach(function (row) {
        scheduleRow(row.dataset.id);
      });
    }
  });
  document.addEventListener("inbox-alert", function (event) {
    showAlert(event.detail && event.detail.value);
  });

  document.addEventListener("htmx:responseError", function (event) {
    var root = inbox();
    if (!root) { return; }
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 401) { location.reload(); return; }
    if (status === 422) { return; }
    showAlert(status === 403 ? root.dataset.msgForbidden : status === 404 ? root.dataset.msgNotFound : root.dataset.msgError);
  });
  document.addEventListener("htmx:sendError", function () {
    var root = inbox();
    if (root) { showAlert(root.dataset.msgError); }
  });

  // Back and forward restore the page from the server (the inbox keeps no history snapshots).
  document.addEventListener("htmx:historyRestore", function () { markActive(); scrollToBottom(); });

  function start() {
    if (!inbox()) { return; }
    scrollToBottom();
    markActive();
    connect();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }

  window.AtendeInbox = {
    fetchNewMessages: fetchNewMessages,
    refreshRow: refreshRow,
    resync: resync,
    // Whether the live connection is open (the browser tests wait for it).
    live: function () { return !!source && source.readyState === 1; }
  };
})();
