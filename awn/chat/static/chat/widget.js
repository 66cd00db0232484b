/* Awn live chat widget: one <script src=".../static/chat/widget.js" data-awn-url="https://awn.example" defer>.
   Vanilla JS in a shadow root (the host page's CSS cannot break it), RTL with logical CSS properties, fits a
   360 px phone. All text comes from /chat/strings/ in the page's language; messages are shown as text only. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__awnChat) return;
  window.__awnChat = true;
  var base = (script.getAttribute("data-awn-url") || new URL(script.src).origin).replace(/\/+$/, "");
  var lang = script.getAttribute("data-lang") || document.documentElement.lang || "ar";
  var wsBase = base.replace(/^http/, "ws");
  var KEY = "awn-chat-token:" + base;
  var S = {}, dir = "rtl", token = sessionStorage.getItem(KEY), ws = null, retry = 0, ended = false;
  var status = null, seen = {}, typingTimer = null, lastTyping = 0;

  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:'DejaVu Sans','Amiri',system-ui,sans-serif}",
    ".launcher{position:fixed;inset-inline-end:16px;inset-block-end:16px;z-index:2147483000;border:0;border-radius:999px;",
    "padding:12px 18px;background:#0b6e4f;color:#fff;font-size:15px;cursor:pointer;box-shadow:0 2px 10px rgba(0,0,0,.25)}",
    ".panel{position:fixed;inset-inline-end:8px;inset-block-end:72px;z-index:2147483000;inline-size:min(380px,calc(100vw - 16px));",
    "block-size:min(600px,calc(100dvh - 90px));display:flex;flex-direction:column;background:#fff;color:#222;border-radius:12px;",
    "box-shadow:0 6px 30px rgba(0,0,0,.3);overflow:hidden;font-size:14px}",
    ".panel[hidden]{display:none}",
    "header{display:flex;align-items:center;justify-content:space-between;padding:10px 12px;background:#0b6e4f;color:#fff}",
    "header button{background:none;border:0;color:#fff;font-size:20px;cursor:pointer}",
    ".status{padding:6px 12px;background:#eef6f2;font-size:13px;min-block-size:0}",
    ".status:empty{display:none}",
    ".log{flex:1;overflow-y:auto;padding:10px 12px;display:flex;flex-direction:column;gap:8px}",
    ".msg{max-inline-size:85%;padding:8px 10px;border-radius:10px;white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.5}",
    ".visitor{align-self:flex-start;background:#0b6e4f;color:#fff}",
    ".bot,.agent{align-self:flex-end;background:#f1f3f5}",
    ".system{align-self:center;background:none;color:#666;font-size:12px;text-align:center}",
    ".who{display:block;font-size:11px;opacity:.75;margin-block-end:2px}",
    ".actions{display:flex;gap:6px;flex-wrap:wrap;align-self:flex-end}",
    ".actions button,.form button,footer button{border:1px solid #0b6e4f;background:#fff;color:#0b6e4f;border-radius:8px;padding:6px 10px;cursor:pointer;font-size:13px}",
    ".form button.primary,footer button.primary{background:#0b6e4f;color:#fff}",
    ".typing{padding:0 12px 4px;font-size:12px;color:#666;min-block-size:18px}",
    "footer{display:flex;gap:6px;padding:8px;border-block-start:1px solid #ddd;align-items:center}",
    "footer textarea{flex:1;resize:none;block-size:40px;padding:8px;border:1px solid #ccc;border-radius:8px;font-size:14px}",
    ".form{padding:12px;display:flex;flex-direction:column;gap:8px;overflow-y:auto}",
    ".form label{display:flex;flex-direction:column;gap:4px;font-size:13px}",
    ".form input,.form textarea{padding:8px;border:1px solid #ccc;border-radius:8px;font-size:14px}",
    ".hint{font-size:12px;color:#666}.error{color:#b00020;font-size:13px}",
    ".file{position:absolute;inline-size:1px;block-size:1px;opacity:0}",
  ].join("");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }
  // Bidi overrides, embeddings and isolates shown as labels, as the server does on its pages (awn/core/text/bidi.py).
  var BIDI = { "\u202a": "[LRE]", "\u202b": "[RLE]", "\u202c": "[PDF]", "\u202d": "[LRO]", "\u202e": "[RLO]",
               "\u2066": "[LRI]", "\u2067": "[RLI]", "\u2068": "[FSI]", "\u2069": "[PDI]" };
  function reveal(text) { return String(text == null ? "" : text).replace(/[\u202a-\u202e\u2066-\u2069]/g, function (c) { return BIDI[c]; }); }
  function fmt(template, values) {  // %(name)s placeholders of the strings served by /chat/strings/
    return template.replace(/%\((\w+)\)s/g, function (_, k) { return values[k] == null ? "" : String(values[k]); });
  }

  var host = el("div", { id: "awn-chat" }), root = host.attachShadow({ mode: "open" });
  var launcher, panel, statusBar, log, typingBar, footer, input, errorBox, formBox;

  function build() {
    root.appendChild(el("style", {}, CSS));
    launcher = el("button", { class: "launcher", type: "button", "data-testid": "chat-open", dir: dir }, S.open);
    panel = el("section", { class: "panel", hidden: "", dir: dir, lang: lang, role: "dialog", "aria-label": S.title });
    var header = el("header");
    header.appendChild(el("strong", {}, S.title));
    var close = el("button", { type: "button", "aria-label": S.close, "data-testid": "chat-close" }, "×");
    header.appendChild(close);
    statusBar = el("div", { class: "status", "data-testid": "chat-status", "aria-live": "polite" });
    log = el("div", { class: "log", "data-testid": "chat-log", "aria-live": "polite" });
    typingBar = el("div", { class: "typing", "data-testid": "chat-typing" });
    errorBox = el("div", { class: "error", role: "alert" });
    panel.append(header, statusBar);
    root.append(launcher, panel);
    launcher.addEventListener("click", function () {
      panel.hidden = !panel.hidden;
      if (!panel.hidden && token && !ws) connect();
    });
    close.addEventListener("click", function () { panel.hidden = true; });
    if (token) showChat(); else showForm();
  }

  function showForm() {
    formBox = el("form", { class: "form", "data-testid": "chat-form" });
    var fields = [["name", S.name, "text", "name"], ["phone", S.phone, "tel", "tel"], ["email", S.email, "email", "email"]];
    fields.forEach(function (f) {
      var label = el("label", {}, f[1]);
      label.appendChild(el("input", { name: f[0], type: f[2], autocomplete: f[3], dir: f[0] === "name" ? "auto" : "ltr" }));
      formBox.appendChild(label);
    });
    formBox.appendChild(el("div", { class: "hint" }, S.contact_hint));
    var q = el("label", {}, S.question);
    q.appendChild(el("textarea", { name: "question", rows: "3", dir: "auto", required: "" }));
    formBox.appendChild(q);
    formBox.appendChild(errorBox);
    formBox.appendChild(el("button", { type: "submit", class: "primary", "data-testid": "chat-start" }, S.start));
    formBox.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = { language: lang };
      ["name", "phone", "email", "question"].forEach(function (n) { data[n] = formBox.elements[n].value; });
      errorBox.textContent = "";
      fetch(base + "/chat/start/", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (!res.ok) { errorBox.textContent = res.body.message || S.error; return; }
          token = res.body.token;
          sessionStorage.setItem(KEY, token);
          formBox.remove();
          showChat();
          connect();
        })
        .catch(function () { errorBox.textContent = S.error; });
    });
    panel.appendChild(formBox);
  }

  function showChat() {
    panel.append(log, typingBar);
    footer = el("footer");
    input = el("textarea", { "aria-label": S.placeholder, placeholder: S.placeholder, dir: "auto", "data-testid": "chat-input" });
    var file = el("input", { type: "file", class: "file", "data-testid": "chat-file", "aria-label": S.attach });
    var attach = el("button", { type: "button", title: S.attach, "aria-label": S.attach, "data-testid": "chat-attach" });
    var clip = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    clip.setAttribute("viewBox", "0 0 24 24");
    clip.setAttribute("width", "18");
    clip.setAttribute("height", "18");
    clip.setAttribute("aria-hidden", "true");
    var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", "M16.5 6.5l-7.8 7.8a2 2 0 0 0 2.8 2.8l8-8a4 4 0 0 0-5.6-5.6l-8.3 8.3a6 6 0 0 0 8.5 8.5l7-7");
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "2");
    clip.appendChild(path);
    attach.appendChild(clip);
    var send = el("button", { type: "button", class: "primary", "data-testid": "chat-send" }, S.send);
    footer.append(input, file, attach, send);
    panel.append(errorBox, footer);
    send.addEventListener("click", sendText);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); sendText(); }
    });
    input.addEventListener("input", function () {
      var now = Date.now();
      if (ws && ws.readyState === 1 && now - lastTyping > 2000) { lastTyping = now; ws.send(JSON.stringify({ type: "typing" })); }
    });
    attach.addEventListener("click", function () { file.click(); });
    file.addEventListener("change", function () {
      if (!file.files.length) return;
      var form = new FormData();
      form.append("token", token);
      form.append("file", file.files[0]);
      fetch(base + "/chat/upload/", { method: "POST", body: form })
        .then(function (r) { return r.json().then(function (b) { if (!r.ok) errorBox.textContent = b.message || S.error; }); })
        .catch(function () { errorBox.textContent = S.error; });
      file.value = "";
    });
  }

  function sendText() {
    var text = input.value.trim();
    if (!text || !ws || ws.readyState !== 1) return;
    ws.send(JSON.stringify({ type: "message", text: text }));
    input.value = "";
  }

  function send(frame) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame)); }

  function addLine(line) {
    if (seen[line.id]) return;
    seen[line.id] = true;
    root.querySelectorAll(".actions").forEach(function (a) { a.remove(); });
    var box = el("div", { class: "msg " + line.sender, dir: "auto", "data-testid": "chat-line-" + line.sender });
    if (line.name && line.sender !== "visitor" && line.sender !== "system") box.appendChild(el("span", { class: "who" }, reveal(line.name)));
    box.appendChild(document.createTextNode(reveal(line.body)));
    log.appendChild(box);
    if (line.sender === "bot" && !line.handoff && status && status.status === "bot") {
      var actions = el("div", { class: "actions" });
      actions.appendChild(el("span", { class: "hint" }, S.solved));
      var yes = el("button", { type: "button", "data-testid": "chat-solved" }, S.yes);
      var human = el("button", { type: "button", "data-testid": "chat-human" }, S.human);
      yes.addEventListener("click", function () { send({ type: "feedback", solved: true }); actions.remove(); });
      human.addEventListener("click", function () { send({ type: "human" }); actions.remove(); });
      actions.append(yes, human);
      log.appendChild(actions);
    }
    log.scrollTop = log.scrollHeight;
  }

  function showStatus(s) {
    status = s;
    var text = "";
    if (s.status !== "bot") root.querySelectorAll(".actions").forEach(function (a) { a.remove(); });
    if (s.status === "queued" && (s.position || s.offline)) {
      text = s.queue_text;  // worded by the server, with Arabic plural forms; offline: how and when we answer
    } else if (s.status === "assigned") {
      text = fmt(S.with_agent, { name: s.agent });
    } else if (s.status === "closed") {
      text = s.offline ? fmt(S.offline, { ref: s.reference }) : S.ended;
      ended = true;
      if (footer) footer.hidden = true;
      root.querySelectorAll(".actions").forEach(function (a) { a.remove(); });
    }
    statusBar.textContent = text;
  }

  function connect() {
    if (!token) return;
    ws = new WebSocket(wsBase + "/ws/chat/" + encodeURIComponent(token) + "/");
    ws.onopen = function () { retry = 0; errorBox.textContent = ""; };
    ws.onmessage = function (event) {
      var frame = JSON.parse(event.data);
      if (frame.type === "history") {
        showStatus(frame.status);
        frame.lines.forEach(addLine);
      } else if (frame.type === "line") {
        addLine(frame.line);
      } else if (frame.type === "status") {
        showStatus(frame);
      } else if (frame.type === "typing") {
        typingBar.textContent = S.typing;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typingBar.textContent = ""; }, 3000);
      } else if (frame.type === "error") {
        errorBox.textContent = frame.message;
      }
    };
    ws.onclose = function (event) {
      ws = null;
      if (event.code === 4403) { sessionStorage.removeItem(KEY); token = null; return; }
      if (ended) return;
      errorBox.textContent = S.reconnecting;
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * Math.pow(2, retry - 1));
    };
  }

  fetch(base + "/chat/strings/?lang=" + encodeURIComponent(lang))
    .then(function (r) { return r.json(); })
    .then(function (body) {
      S = body.strings; dir = body.dir; lang = body.language;
      document.body.appendChild(host);
      build();
      if (token) connect();
    });
})();
