// The composer's «/» picker (issue 16, item 7): type «/» then a few letters in the reply box to search the canned
// responses (Arabic-normalized on the server); ↑/↓ choose, Enter inserts the text with its placeholders filled,
// Escape closes. The text replaces the «/word» typed.
(function () {
  "use strict";
  const box = document.querySelector("textarea[data-canned-picker]");
  if (!box) return;
  const url = box.dataset.cannedPicker;
  const list = document.createElement("ul");
  list.className = "list-group position-absolute shadow awn-canned-picker";
  list.style.zIndex = "1050";
  list.style.maxHeight = "16rem";
  list.style.overflowY = "auto";
  list.setAttribute("role", "listbox");
  list.dataset.testid = "canned-picker";
  list.hidden = true;
  box.parentNode.style.position = "relative";
  box.insertAdjacentElement("afterend", list);
  let items = [];
  let active = 0;
  let timer = null;
  let seq = 0;

  function trigger() {
    const before = box.value.slice(0, box.selectionStart);
    const match = before.match(/(^|\s)\/([^\s/]{0,40})$/u);
    return match ? { query: match[2], start: before.length - match[2].length - 1 } : null;
  }
  function close() { list.hidden = true; items = []; }
  function render() {
    list.replaceChildren();
    items.forEach((item, i) => {
      const li = document.createElement("li");
      li.className = "list-group-item list-group-item-action" + (i === active ? " active" : "");
      li.setAttribute("role", "option");
      li.dir = "auto";
      const title = document.createElement("strong");
      title.textContent = item.title;
      const text = document.createElement("div");
      text.className = "small text-truncate";
      text.textContent = item.text;
      li.append(title, text);
      li.addEventListener("mousedown", (e) => { e.preventDefault(); insert(i); });
      list.append(li);
    });
    list.hidden = items.length === 0;
  }
  function insert(i) {
    const found = trigger();
    const item = items[i];
    if (!found || !item) return close();
    const end = box.selectionStart;
    box.value = box.value.slice(0, found.start) + item.text + box.value.slice(end);
    const caret = found.start + item.text.length;
    box.setSelectionRange(caret, caret);
    box.focus();
    close();
    box.dispatchEvent(new Event("input", { bubbles: true })); // the composer's preview follows
  }
  box.addEventListener("input", () => {
    const found = trigger();
    if (!found) return close();
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const mine = ++seq;
      const response = await fetch(url + "?q=" + encodeURIComponent(found.query), { credentials: "same-origin" });
      if (!response.ok || mine !== seq) return;
      items = (await response.json()).results;
      active = 0;
      render();
    }, 150);
  });
  box.addEventListener("keydown", (e) => {
    if (list.hidden) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      active = (active + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      render();
    } else if (e.key === "Enter" || e.key === "Tab") {
      e.preventDefault();
      insert(active);
    } else if (e.key === "Escape") {
      e.preventDefault();
      close();
    }
  });
  box.addEventListener("blur", () => setTimeout(close, 150));
})();
