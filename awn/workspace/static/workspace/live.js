/* Live workspace pages: every page opens one agent socket (/ws/agent/) and says what it shows. A push carries a
   type and ids only; the page then fetches the fragment it needs through views that check the permission again
   (a message by id, the ticket's header, the queue's rows, the notification list).
   When the socket drops, the page says "reconnecting…", retries with backoff, and polls those fragments every few
   seconds until the socket is back. Other scripts (live chat) use window.awnLive to talk over the same socket. */
(function () {
  "use strict";
  var root = document.getElementById("awn-workspace");
  if (!root || !("WebSocket" in window)) return;

  var PAGE = root.dataset.livePage || "other";
  var TICKET = Number(root.dataset.liveTicket) || null;
  var POLL_MS = 4000;
  var FULL_POLL_EVERY = 3; // every third poll a ticket page re-reads all its messages (delivery badges)
  var status = document.querySelector('[data-testid="live-status"]');
  var menu = document.querySelector('[data-testid="notifications-menu"]');
  var badge = document.querySelector('[data-testid="notifications-badge"]');
  var toasts = document.querySelector('[data-testid="toasts"]');
  var ws = null, retry = 0, everOpen = false, pollTimer = null, polls = 0, unread = null, refreshing = false;
  var handlers = {}, openers = [], closers = [];

  var live = {
    received: [], // the last frames of the server (tests and debugging read them)
    on: function (type, fn) { (handlers[type] = handlers[type] || []).push(fn); },
    onOpen: function (fn) { openers.push(fn); if (live.connected()) fn(); },
    onClose: function (fn) { closers.push(fn); },
    send: function (frame) {
      if (!live.connected()) return false;
      ws.send(JSON.stringify(frame));
      return true;
    },
    connected: function () { return !!ws && ws.readyState === 1; }
  };
  window.awnLive = live;

  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.text();
    });
  }

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  function settle(node) { if (window.htmx) window.htmx.process(node); }

  // ── Ticket page ────────────────────────────────────────────────────────────
  var ticketBase = TICKET ? "/workspace/tickets/" + TICKET + "/" : "";

  function conversation() { return document.querySelector('[data-testid="conversation"]'); }

  function lastMessageId() {
    var last = 0;
    (conversation() || document).querySelectorAll('article[id^="message-"]').forEach(function (a) {
      last = Math.max(last, Number(a.id.slice(8)) || 0);
    });
    return last;
  }

  function upsertMessages(html) {
    var box = conversation();
    if (!box) return;
    parse(html).querySelectorAll('article[id^="message-"]').forEach(function (article) {
      var existing = document.getElementById(article.id);
      if (existing) {
        existing.replaceWith(article);
      } else {
        article.classList.add("awn-new");
        box.appendChild(article);
      }
      settle(article);
    });
  }

  function showMessage(id) {
    if (!id) return Promise.resolve();
    return get(ticketBase + "messages/" + id + "/").then(upsertMessages).catch(function () {});
  }

  function catchUp(all) {
    return get(ticketBase + "messages/new/?after=" + (all ? 0 : lastMessageId())).then(upsertMessages).catch(function () {});
  }

  var headerTimer = null;
  function refreshHeader() {
    clearTimeout(headerTimer); // one fetch for the several events of one change (status, assignee, updated)
    headerTimer = setTimeout(function () {
      get(ticketBase + "header/").then(function (html) {
        var fresh = parse(html).querySelector("#ticket-header");
        var current = document.getElementById("ticket-header");
        if (fresh && current) { current.replaceWith(fresh); settle(fresh); }
      }).catch(function () {});
    }, 150);
  }

  // ── Queue page ─────────────────────────────────────────────────────────────
  var queueTrail = null, queueLast = 0;

  function loadQueueRows() {
    var body = document.getElementById("queue-rows");
    if (!body) return Promise.resolve();
    queueLast = Date.now();
    var checked = Array.prototype.map.call(body.querySelectorAll('input[name="ids"]:checked'), function (b) { return b.value; });
    var params = new URLSearchParams(location.search);
    params.set("fragment", "rows");
    var url = location.pathname + "?" + params.toString();
    var done = function () {
      checked.forEach(function (id) {
        var box = body.querySelector('input[name="ids"][value="' + CSS.escape(id) + '"]');
        if (box) box.checked = true;
      });
      if (window.awnUpdateBulkCount) window.awnUpdateBulkCount();
    };
    if (window.htmx) return window.htmx.ajax("GET", url, { target: body, swap: "innerHTML" }).then(done);
    return get(url).then(function (html) { body.innerHTML = html; done(); });
  }

  function refreshQueue() {
    // At once (at most once a second), and once more shortly after the last push: the server sends a queue page
    // at most one frame a second, so a change just after one is picked up by this second read.
    clearTimeout(queueTrail);
    queueTrail = setTimeout(loadQueueRows, 1500);
    if (Date.now() - queueLast > 1000) loadQueueRows();
  }

  // ── Notifications ──────────────────────────────────────────────────────────
  function showBadge() {
    var list = menu && menu.querySelector("#awn-notifications");
    if (!list || !badge) return 0;
    var count = Number(list.dataset.unread) || 0;
    badge.textContent = count > 99 ? "99+" : String(count);
    badge.hidden = count === 0;
    return count;
  }

  function toast(item) {
    if (!toasts || !item) return;
    var box = document.createElement("div");
    box.className = "toast show awn-toast";
    box.setAttribute("role", "status");
    box.setAttribute("data-testid", "toast");
    box.dataset.kind = item.dataset.kind || "";
    var body = document.createElement("div");
    body.className = "toast-body d-flex gap-2 align-items-start";
    var text = document.createElement("div");
    Array.prototype.forEach.call(item.children, function (child) { text.appendChild(child.cloneNode(true)); });
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close ms-auto";
    close.setAttribute("aria-label", toasts.dataset.close || "×");
    close.addEventListener("click", function () { box.remove(); });
    body.append(text, close);
    box.appendChild(body);
    toasts.appendChild(box);
    var keep = item.dataset.kind === "call" || item.dataset.kind === "spike";
    setTimeout(function () { box.remove(); }, keep ? 30000 : 10000);
  }

  // A spike alert (supervisors only: the server chose the audience): its text and the one-click link to the
  // incident form, prefilled. Text only (textContent), and only a same-site path as the link.
  function spikeToast(frame) {
    if (!toasts || typeof frame.text !== "string") return;
    var item = document.createElement("div");
    item.dataset.kind = "spike";
    var text = document.createElement("div");
    text.textContent = frame.text;
    item.appendChild(text);
    var url = String(frame.url || "");
    if (url.charAt(0) === "/" && url.charAt(1) !== "/") {
      var link = document.createElement("a");
      link.href = url;
      link.className = "btn btn-sm btn-danger mt-1";
      link.setAttribute("data-testid", "spike-declare");
      link.textContent = String(frame.link_text || "");
      item.appendChild(link);
    }
    toast(item);
  }

  function refreshNotifications() {
    if (!menu || !window.htmx) return Promise.resolve();
    var before = unread;
    refreshing = true;
    return window.htmx.ajax("GET", root.dataset.notificationsUrl, { target: menu, swap: "innerHTML" }).then(function () {
      refreshing = false;
      var count = showBadge();
      if (before !== null && count > before) toast(menu.querySelector('[data-testid="notification"]'));
      unread = count;
    }, function () { refreshing = false; });
  }

  if (menu) {
    // The first load, and "mark all as read": the badge follows; a push's refresh decides about a toast itself.
    menu.addEventListener("htmx:afterSwap", function () {
      var count = showBadge();
      if (!refreshing) unread = count;
    });
  }

  // ── Frames from the server ─────────────────────────────────────────────────
  function onFrame(frame) {
    if (frame.type !== "pong") {
      live.received.push(frame);
      if (live.received.length > 200) live.received.shift();
    }
    (handlers[frame.type] || []).forEach(function (fn) { fn(frame); });
    if (frame.type === "spike") spikeToast(frame);
    if (frame.type === "notification") {
      if (unread === null) unread = 0;
      refreshNotifications();
    }
    if (PAGE === "ticket" && frame.ticket === TICKET) {
      if (frame.type === "message" || frame.type === "delivery") showMessage(frame.message);
      if (frame.type === "merged" && frame.source) catchUp(true); // another ticket's messages moved in
      if (["status", "assigned", "updated", "merged"].indexOf(frame.type) >= 0) refreshHeader();
    }
    if (PAGE === "queue" && frame.ticket) refreshQueue();
  }

  // ── Falling back to polling while the socket is down ───────────────────────
  function pollOnce() {
    polls += 1;
    if (PAGE === "ticket" && TICKET) { catchUp(polls % FULL_POLL_EVERY === 0); refreshHeader(); }
    if (PAGE === "queue") loadQueueRows();
    refreshNotifications();
  }

  function startPolling() {
    if (pollTimer) return;
    pollTimer = setInterval(pollOnce, POLL_MS);
  }

  function stopPolling() {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = null;
  }

  // ── The socket ─────────────────────────────────────────────────────────────
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + location.host + root.dataset.socket);
    ws.onopen = function () {
      var wasDown = everOpen && retry > 0;
      retry = 0;
      everOpen = true;
      if (status) status.hidden = true;
      document.documentElement.dataset.live = "on";
      ws.send(JSON.stringify({ type: "subscribe", page: PAGE, ticket: TICKET }));
      stopPolling();
      if (wasDown) pollOnce(); // what happened while the socket was down
      openers.forEach(function (fn) { fn(); });
    };
    ws.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame.type === "string") onFrame(frame);
    };
    ws.onclose = function () {
      ws = null;
      document.documentElement.dataset.live = "off";
      if (status) status.hidden = false;
      closers.forEach(function (fn) { fn(); });
      startPolling();
      retry = Math.min(retry + 1, 6);
      var delay = Math.min(15000, 500 * Math.pow(2, retry - 1)) * (0.8 + Math.random() * 0.4);
      setTimeout(connect, delay);
    };
  }

  // The agent's own activity (routing's auto-away): input in the last minute makes the keep-alive "active".
  var lastInput = Date.now();
  ["keydown", "mousedown", "mousemove", "touchstart", "wheel"].forEach(function (name) {
    document.addEventListener(name, function () { lastInput = Date.now(); }, { passive: true });
  });
  setInterval(function () { live.send({ type: "ping", active: Date.now() - lastInput < 60000 }); }, 25000);
  connect();
})();
