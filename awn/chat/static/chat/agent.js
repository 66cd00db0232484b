/* Live chats panel: new and queued chats, lines and typing arrive in real time over the page's agent socket
   (window.awnLive, workspace/live.js: the page subscribes as "chats", which turns live chat on for it).
   Everything a visitor wrote is inserted as text (textContent), never as HTML. */
(function () {
  "use strict";
  var root = document.getElementById("awn-live-chats");
  if (!root) return;
  var $ = function (id) { return root.querySelector('[data-testid="' + id + '"]'); };
  var list = $("chat-list"), lines = $("chat-lines"), title = $("chat-title"), tools = $("chat-tools");
  var form = $("chat-reply-form"), reply = $("chat-reply"), typing = $("chat-typing"), error = $("chat-error");
  var live = window.awnLive;
  if (!live) return;
  var me = Number(root.dataset.me), chats = {}, current = null, typingTimer = null, lastTyping = 0;

  function send(frame) { live.send(frame); }
  // Bidi overrides, embeddings and isolates shown as labels, as the server does on its pages (awn/core/text/bidi.py).
  var BIDI = { "\u202a": "[LRE]", "\u202b": "[RLE]", "\u202c": "[PDF]", "\u202d": "[LRO]", "\u202e": "[RLO]",
               "\u2066": "[LRI]", "\u2067": "[RLI]", "\u2068": "[FSI]", "\u2069": "[PDI]" };
  function reveal(text) { return String(text == null ? "" : text).replace(/[\u202a-\u202e\u2066-\u2069]/g, function (c) { return BIDI[c]; }); }

  function renderList() {
    list.textContent = "";
    var ids = Object.keys(chats).filter(function (id) { return chats[id].status !== "closed"; });
    $("chat-empty").hidden = ids.length > 0;
    ids.forEach(function (id) {
      var chat = chats[id];
      var item = document.createElement("li");
      item.className = "list-group-item d-flex justify-content-between align-items-center gap-2" + (Number(id) === current ? " active" : "");
      item.setAttribute("data-testid", "chat-item-" + id);
      var label = document.createElement("button");
      label.type = "button";
      label.className = "btn btn-link text-start p-0 flex-grow-1" + (Number(id) === current ? " text-white" : "");
      label.dir = "auto";
      label.textContent = reveal(chat.name) + " — " + reveal(chat.subject);
      label.addEventListener("click", function () { open(Number(id)); });
      var badge = document.createElement("span");
      badge.className = "badge text-bg-light";
      badge.textContent = chat.status_label;
      item.append(label, badge);
      if (chat.status === "queued") {
        var accept = document.createElement("button");
        accept.type = "button";
        accept.className = "btn btn-sm btn-success";
        accept.textContent = root.dataset.accept;
        accept.setAttribute("data-testid", "chat-accept-" + id);
        accept.addEventListener("click", function () { current = Number(id); send({ type: "accept", conversation: Number(id) }); });
        item.appendChild(accept);
      }
      list.appendChild(item);
    });
  }

  function open(id) {
    current = id;
    lines.textContent = "";
    send({ type: "watch", conversation: id });
    showHeader();
    renderList();
  }

  function showHeader() {
    var chat = chats[current];
    if (!chat) return;
    title.textContent = reveal(chat.name) + " — " + chat.reference;
    var link = $("chat-ticket-link");
    link.href = "/workspace/tickets/" + chat.ticket_id + "/";
    link.hidden = false;
    var mine = chat.status === "assigned" && chat.agent_id === me;
    tools.hidden = chat.status === "closed";
    form.hidden = !mine;
  }

  function addLine(line) {
    if (lines.querySelector('[data-line="' + line.id + '"]')) return;
    var box = document.createElement("div");
    box.setAttribute("data-line", line.id);
    box.setAttribute("data-testid", "chat-line-" + line.sender);
    box.dir = "auto";
    var side = line.sender === "visitor" ? "align-self-start bg-body-secondary" : line.sender === "system" ? "align-self-center text-secondary small" : "align-self-end bg-primary-subtle";
    box.className = "rounded px-2 py-1 " + side;
    box.style.whiteSpace = "pre-wrap";
    box.style.maxInlineSize = "85%";
    if (line.name && line.sender !== "system") {
      var who = document.createElement("div");
      who.className = "small text-secondary";
      who.textContent = reveal(line.name);
      box.appendChild(who);
    }
    box.appendChild(document.createTextNode(reveal(line.body)));
    lines.appendChild(box);
    lines.scrollTop = lines.scrollHeight;
  }

  live.onOpen(function () {
    $("chat-connection").textContent = root.dataset.connected;
    if (current) send({ type: "watch", conversation: current });
  });
  live.onClose(function () { $("chat-connection").textContent = root.dataset.disconnected; });
  live.on("chats", function (frame) {
    chats = {};
    frame.chats.forEach(function (c) { chats[c.id] = c; });
    renderList();
  });
  function onChat(frame) {
    chats[frame.chat.id] = frame.chat;
    renderList();
    if (frame.chat.id === current) showHeader();
  }
  live.on("chat", onChat);
  live.on("assigned", onChat);
  // Skills routing on: a chat routed to another agent (or back in the line) leaves this panel.
  live.on("chat_gone", function (frame) {
    delete chats[frame.id];
    if (frame.id === current) { current = null; lines.textContent = ""; title.textContent = ""; tools.hidden = true; form.hidden = true; }
    renderList();
  });
  live.on("lines", function (frame) {
    if (frame.conversation === current) { lines.textContent = ""; frame.lines.forEach(addLine); showHeader(); }
  });
  live.on("line", function (frame) { if (frame.conversation === current) addLine(frame.line); });
  live.on("typing", function (frame) {
    if (frame.conversation !== current) return;
    typing.textContent = root.dataset.typing;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { typing.textContent = ""; }, 3000);
  });
  live.on("error", function (frame) {
    error.textContent = frame.message;
    setTimeout(function () { error.textContent = ""; }, 5000);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = reply.value.trim();
    if (!text || !current) return;
    send({ type: "reply", conversation: current, text: text });
    reply.value = "";
  });
  reply.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  // "input", not key events: phone keyboards and IMEs compose Arabic text without reliable keydowns.
  reply.addEventListener("input", function () {
    var now = Date.now();
    if (current && now - lastTyping > 2000) { lastTyping = now; send({ type: "typing", conversation: current }); }
  });
  $("chat-transfer").addEventListener("click", function () {
    var agent = $("chat-transfer-agent").value, team = $("chat-transfer-team").value;
    if (current && (agent || team)) send({ type: "transfer", conversation: current, agent: agent || null, team: agent ? null : team || null });
  });
  $("chat-end").addEventListener("click", function () { if (current) send({ type: "close", conversation: current }); });
})();
