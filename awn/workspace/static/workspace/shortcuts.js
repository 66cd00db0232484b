/* Awn agent workspace keyboard shortcuts. Press "?" for the list. Ignored while typing in a field. */
(function () {
  "use strict";

  var SELECTED = "awn-row-selected";
  var pendingG = false;
  var pendingTimer = null;

  function isTyping(target) {
    if (!(target instanceof HTMLElement)) return false;
    if (target.isContentEditable) return true;
    var tag = target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag !== "INPUT") return false;
    var type = (target.getAttribute("type") || "text").toLowerCase();
    return ["checkbox", "radio", "button", "submit", "reset", "file", "range", "color"].indexOf(type) === -1;
  }

  // ── Help sheet ───────────────────────────────────────────────────────────
  function helpElement() {
    return document.getElementById("shortcuts-help");
  }

  function openHelp() {
    var el = helpElement();
    if (!el) return;
    if (window.bootstrap && window.bootstrap.Modal) {
      window.bootstrap.Modal.getOrCreateInstance(el).show();
    } else {
      el.style.display = "block";
      el.classList.add("show");
      el.removeAttribute("aria-hidden");
      el.setAttribute("aria-modal", "true");
      el.setAttribute("role", "dialog");
      el.focus();
    }
  }

  function closeHelp() {
    var el = helpElement();
    if (!el) return;
    if (window.bootstrap && window.bootstrap.Modal) {
      window.bootstrap.Modal.getOrCreateInstance(el).hide();
    } else {
      el.style.display = "none";
      el.classList.remove("show");
      el.setAttribute("aria-hidden", "true");
    }
  }

  function helpIsOpen() {
    var el = helpElement();
    return !!(el && el.classList.contains("show"));
  }

  // ── Queue selection ──────────────────────────────────────────────────────
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr[data-row]"));
  }

  function currentIndex(list) {
    for (var i = 0; i < list.length; i++) if (list[i].classList.contains(SELECTED)) return i;
    return -1;
  }

  function select(list, index) {
    if (!list.length) return;
    index = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (row) {
      row.classList.remove(SELECTED);
      row.removeAttribute("aria-selected");
    });
    var row = list[index];
    row.classList.add(SELECTED);
    row.setAttribute("aria-selected", "true");
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var list = rows();
    var index = currentIndex(list);
    select(list, index === -1 ? 0 : index + step);
  }

  function selectedRow() {
    var list = rows();
    var index = currentIndex(list);
    return index === -1 ? null : list[index];
  }

  function openSelected() {
    var row = selectedRow();
    if (row && row.dataset.href) window.location.href = row.dataset.href;
  }

  function toggleSelected() {
    var row = selectedRow();
    if (!row) return;
    var box = row.querySelector('input[type="checkbox"][name="ids"]');
    if (!box) return;
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // ── Ticket page ──────────────────────────────────────────────────────────
  function focusComposer(kind) {
    var radio = document.querySelector('input[name="kind"][value="' + kind + '"]');
    if (radio) {
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    }
    var area = document.querySelector('textarea[name="body"]');
    if (area) {
      area.focus();
      area.scrollIntoView({ block: "center" });
    }
  }

  function assignToMe() {
    var form = document.getElementById("assign-me-form");
    if (form) {
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.submit();
    }
  }

  function focusSearch() {
    var field = document.querySelector('[data-shortcut="search"]');
    if (field) {
      field.focus();
      if (typeof field.select === "function") field.select();
    }
  }

  // Saved views (the queue's bar): "v" focuses the first, 1–9 open the nth.
  function savedViews() {
    return Array.prototype.slice.call(document.querySelectorAll('[data-testid="saved-view"]'));
  }

  function focusSavedViews() {
    var first = savedViews()[0] || document.querySelector('[data-testid="save-view-toggle"]');
    if (first) first.focus();
  }

  function openSavedView(n) {
    var link = savedViews()[n - 1];
    if (!link) return false;
    window.location.href = link.href;
    return true;
  }

  function goQueue() {
    var root = document.getElementById("awn-workspace");
    window.location.href = (root && root.dataset.queueUrl) || "/workspace/";
  }

  // With an Arabic keyboard layout "j" types "ت": fall back to the physical key for letters and "/".
  function keyOf(event) {
    var key = event.key || "";
    if (key.length === 1 && !/^[\x20-\x7e]$/.test(key) && event.code) {
      if (/^Key[A-Z]$/.test(event.code)) return event.code.charAt(3).toLowerCase();
      if (event.code === "Slash") return event.shiftKey ? "?" : "/";
    }
    return key;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      if (helpIsOpen()) closeHelp();
      else if (isTyping(event.target)) event.target.blur();
      return;
    }
    if (isTyping(event.target)) return;
    var key = keyOf(event);

    if (pendingG) {
      pendingG = false;
      clearTimeout(pendingTimer);
      if (key === "q") {
        event.preventDefault();
        goQueue();
        return;
      }
    }

    var handled = true;
    switch (key) {
      case "?":
        if (helpIsOpen()) closeHelp();
        else openHelp();
        break;
      case "j":
        move(1);
        break;
      case "k":
        move(-1);
        break;
      case "Enter":
      case "o":
        if (selectedRow() && !(key === "Enter" && event.target.closest && event.target.closest("a, button"))) {
          openSelected();
        } else {
          handled = false;
        }
        break;
      case "x":
        toggleSelected();
        break;
      case "r":
        focusComposer("reply");
        break;
      case "n":
        focusComposer("note");
        break;
      case "a":
        assignToMe();
        break;
      case "/":
        focusSearch();
        break;
      case "v":
        focusSavedViews();
        break;
      case "1": case "2": case "3": case "4": case "5": case "6": case "7": case "8": case "9":
        handled = openSavedView(Number(key));
        break;
      case "g":
        pendingG = true;
        pendingTimer = setTimeout(function () { pendingG = false; }, 1500);
        break;
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement)) return;
    if (target.closest("[data-shortcut-help-open]")) openHelp();
    else if (!window.bootstrap && target.closest("[data-shortcut-help-close]")) closeHelp();
  });
})();
