/* Awn agent workspace: small behaviours on top of server-rendered pages (no framework). */
(function () {
  "use strict";

  // ── Queue: select all, count of selected rows ─────────────────────────────
  function rowBoxes() {
    return Array.prototype.slice.call(document.querySelectorAll('input[type="checkbox"][name="ids"]'));
  }

  function updateBulkCount() {
    var label = document.querySelector("[data-bulk-count]");
    if (!label) return;
    if (!label.dataset.original) label.dataset.original = label.textContent;
    var n = rowBoxes().filter(function (b) { return b.checked; }).length;
    label.textContent = n ? "✓ " + n : label.dataset.original;
    var all = document.querySelector("[data-select-all]");
    if (all) {
      var total = rowBoxes().length;
      all.checked = total > 0 && n === total;
      all.indeterminate = n > 0 && n < total;
    }
  }
  window.awnUpdateBulkCount = updateBulkCount;

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement)) return;
    if (target.matches("[data-select-all]")) {
      rowBoxes().forEach(function (b) { b.checked = target.checked; });
      updateBulkCount();
    } else if (target.matches('input[name="ids"]')) {
      updateBulkCount();
    } else if (target.matches("[data-canned-select]")) {
      insertCanned(target);
    } else if (target.matches('input[name="kind"]')) {
      updateComposerKind();
    }
  });

  // ── Composer: canned responses via htmx GET, note/reply look ──────────────
  function fillComposer(text) {
    var area = document.querySelector('textarea[name="body"]');
    if (!area) return;
    var current = area.value.trim();
    area.value = current ? area.value.replace(/\s*$/, "") + "\n\n" + text : text;
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function insertCanned(select) {
    var url = select.value;
    if (!url) return;
    var reset = function () { select.value = ""; };
    if (window.htmx && typeof window.htmx.ajax === "function") {
      var onDone = function (evt) {
        if (evt.detail.elt !== select) return;
        document.body.removeEventListener("htmx:afterRequest", onDone);
        if (evt.detail.successful && evt.detail.xhr) fillComposer(evt.detail.xhr.responseText);
        reset();
      };
      document.body.addEventListener("htmx:afterRequest", onDone);
      window.htmx.ajax("GET", url, { source: select, swap: "none" });
    } else {
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r); })
        .then(fillComposer)
        .finally(reset);
    }
  }

  function updateComposerKind() {
    var form = document.getElementById("composer");
    if (!form) return;
    var note = form.querySelector('input[name="kind"][value="note"]');
    var isNote = !!(note && note.checked);
    form.classList.toggle("awn-composer-note", isNote);
    var area = form.querySelector('textarea[name="body"]');
    if (area) {
      if (!area.dataset.placeholderReply) area.dataset.placeholderReply = area.placeholder;
      area.placeholder = isNote ? area.dataset.placeholderNote || "" : area.dataset.placeholderReply;
    }
  }
  window.awnUpdateComposerKind = updateComposerKind;

  // ── Confirm before destructive forms (merge) ──────────────────────────────
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // ── Assist: put the draft reply into the composer ─────────────────────────
  document.addEventListener("click", function (event) {
    var button = event.target instanceof HTMLElement && event.target.closest("[data-fill-composer]");
    if (!button) return;
    var source = document.getElementById(button.dataset.fillComposer);
    if (source) fillComposer(source.value);
  });

  // ── Clickable rows ─────────────────────────────────────────────────────────
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement)) return;
    if (target.closest("a, button, input, select, label, textarea")) return;
    var row = target.closest("tr[data-href]");
    if (row && !window.getSelection().toString()) window.location.href = row.dataset.href;
  });

  document.addEventListener("DOMContentLoaded", function () {
    updateBulkCount();
    updateComposerKind();
  });
})();
