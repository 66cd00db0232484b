/* Collision detection on a ticket page (awn/realtime/presence.py): colleagues who have this ticket open, and who is
   typing a reply, over the page's agent socket (window.awnLive). The page says it is here every HEARTBEAT_MS and when
   its agent types in the composer; a colleague not heard of for the `ttl` of their last frame is forgotten (a tab
   that died says nothing), a typist after theirs. Several tabs of one colleague show once. */
(function () {
  "use strict";
  var live = window.awnLive;
  var bar = document.querySelector('[data-testid="presence"]');
  var root = document.getElementById("awn-workspace");
  if (!live || !bar || !root || root.dataset.livePage !== "ticket") return;

  var TICKET = Number(root.dataset.liveTicket) || null;
  var HEARTBEAT_MS = 10000;
  var TYPING_IDLE_MS = 5000; // no key for this long: back to "viewing"
  var TYPING_RESEND_MS = 3000; // while typing, say so again at most this often
  var seen = {}; // socket key → {user, name, state, until, typingUntil}
  var state = "viewing", lastTypingSent = 0, idleTimer = null;

  function send(next) {
    state = next;
    live.send({ type: "presence", state: next });
  }

  function typed() {
    var now = Date.now();
    if (state !== "typing" || now - lastTypingSent > TYPING_RESEND_MS) {
      lastTypingSent = now;
      send("typing");
    }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { send("viewing"); }, TYPING_IDLE_MS);
  }

  function render() {
    var now = Date.now(), people = {};
    Object.keys(seen).forEach(function (key) {
      var entry = seen[key];
      if (entry.until <= now) { delete seen[key]; return; }
      var typing = entry.typingUntil > now;
      var person = people[entry.user] || (people[entry.user] = { name: entry.name, typing: false });
      person.typing = person.typing || typing;
    });
    var ids = Object.keys(people).sort();
    var chips = ids.map(function (id) {
      var person = people[id];
      var chip = document.createElement("span");
      chip.className = "badge rounded-pill " + (person.typing ? "text-bg-warning" : "text-bg-info");
      chip.dataset.testid = "presence-" + (person.typing ? "typing" : "viewing");
      chip.dataset.user = id;
      var name = document.createElement("bdi");
      name.textContent = person.name;
      chip.append(name, " " + (person.typing ? bar.dataset.typing : bar.dataset.viewing));
      return chip;
    });
    bar.replaceChildren.apply(bar, chips);
    bar.hidden = chips.length === 0;
  }

  live.on("presence", function (frame) {
    if (frame.ticket !== TICKET || !frame.key) return;
    if (frame.state === "left") {
      delete seen[frame.key];
    } else {
      var now = Date.now(), ttl = (Number(frame.ttl) || 30) * 1000;
      var entry = seen[frame.key] || { typingUntil: 0 };
      entry.user = String(frame.user);
      entry.name = String(frame.name || "");
      entry.until = Math.max(entry.until || 0, now + ttl);
      entry.typingUntil = frame.state === "typing" ? now + ttl : 0;
      seen[frame.key] = entry;
    }
    render();
  });
  // A new socket (a reconnection) subscribes again and the server says hello for it; old entries age out.
  live.onClose(function () { seen = {}; render(); });

  var box = document.getElementById("reply-body");
  if (box) box.addEventListener("input", typed);
  setInterval(function () { live.send({ type: "presence", state: state }); }, HEARTBEAT_MS);
  setInterval(render, 1000);
})();
