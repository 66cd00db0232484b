/* The ticket page's composer: attachments by drag-and-drop (anywhere on the composer) and by pasting (a screenshot
   copied to the clipboard), added to the form's file input so they go out with the reply; and a preview of what the
   customer will see on their channel (composer_preview.py gives the channel, its limit, an email's subject), drawn
   from the text as text: channels send plain text, so nothing typed is interpreted as HTML. */
(function () {
  "use strict";
  var form = document.getElementById("composer");
  if (!form) return;
  var box = form.querySelector('textarea[name="body"]');
  var input = form.querySelector('input[type="file"][name="attachments"]');
  var list = form.querySelector('[data-testid="attachment-list"]');
  var preview = form.querySelector('[data-testid="preview"]');

  // ── Attachments ────────────────────────────────────────────────────────────
  function showFiles() {
    if (!list || !input) return;
    list.replaceChildren.apply(list, Array.prototype.map.call(input.files, function (file) {
      var item = document.createElement("li");
      item.dataset.testid = "attachment-name";
      var name = document.createElement("bdi");
      name.textContent = file.name;
      item.append("📎 ", name);
      return item;
    }));
  }

  function addFiles(files) {
    if (!input || !files || !files.length || typeof DataTransfer === "undefined") return false;
    var all = new DataTransfer();
    Array.prototype.forEach.call(input.files, function (file) { all.items.add(file); });
    Array.prototype.forEach.call(files, function (file, i) {
      // A pasted image is called "image.png" by every browser: give each its own name.
      var named = file.name && file.name !== "image.png" ? file : new File([file], "pasted-" + Date.now() + "-" + i + "." + ((file.type.split("/")[1] || "bin").replace(/[^a-z0-9]/gi, "")), { type: file.type });
      all.items.add(named);
    });
    input.files = all.files;
    showFiles();
    return true;
  }

  function carriesFiles(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    return !!types && Array.prototype.indexOf.call(types, "Files") >= 0;
  }

  form.addEventListener("dragover", function (event) {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    form.classList.add("awn-drop-target");
  });
  form.addEventListener("dragleave", function (event) {
    if (!form.contains(event.relatedTarget)) form.classList.remove("awn-drop-target");
  });
  form.addEventListener("drop", function (event) {
    form.classList.remove("awn-drop-target");
    if (!carriesFiles(event)) return;
    event.preventDefault();
    addFiles(event.dataTransfer.files);
  });
  if (box) {
    box.addEventListener("paste", function (event) {
      var files = event.clipboardData && event.clipboardData.files;
      if (files && files.length && addFiles(files)) event.preventDefault(); // text pastes as usual
    });
  }
  if (input) input.addEventListener("change", showFiles);

  // ── Preview ────────────────────────────────────────────────────────────────
  function isNote() {
    var note = form.querySelector('input[name="kind"][value="note"]');
    return !!(note && note.checked);
  }

  function drawPreview() {
    if (!preview || !box) return;
    var out = preview.querySelector('[data-testid="preview-text"]');
    if (!out) return;
    var text = box.value;
    var limit = Number(preview.dataset.limit) || 0;
    out.replaceChildren();
    out.classList.toggle("text-secondary", isNote() || !text.trim());
    if (isNote()) { out.textContent = preview.dataset.note || ""; return; }
    if (!text.trim()) { out.textContent = preview.dataset.empty || ""; return; }
    var kept = limit && text.length > limit ? text.slice(0, limit) : text;
    var body = document.createElement("div");
    body.className = "awn-preview-body";
    body.dataset.testid = "preview-body";
    body.textContent = kept; // as text: the channel sends plain text
    out.appendChild(body);
    if (kept.length < text.length) {
      var cut = document.createElement("div");
      cut.className = "small text-danger mt-1";
      cut.dataset.testid = "preview-cut";
      cut.textContent = (preview.dataset.cut || "") + " " + limit;
      out.appendChild(cut);
    }
  }

  if (box) box.addEventListener("input", drawPreview);
  form.addEventListener("change", function (event) {
    if (event.target instanceof HTMLElement && event.target.matches('input[name="kind"]')) drawPreview();
  });
  if (preview) preview.addEventListener("toggle", drawPreview);
  drawPreview();
})();
