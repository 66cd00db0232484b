/* The wallboard refreshes its board the moment the agent socket (workspace/live.js, subscribed as a queue page)
   says a ticket changed: at once, at most once a second, and once more shortly after the last push. The board's
   own htmx poll (every few seconds) keeps the clocks moving and covers a dropped socket. */
(function () {
  "use strict";
  var board = document.getElementById("wallboard");
  if (!board || !window.awnLive || !window.htmx) return;
  var last = 0, trail = null;

  function load() {
    last = Date.now();
    window.htmx.ajax("GET", board.getAttribute("hx-get"), { target: board, swap: "innerHTML" });
  }

  window.awnLive.on("queue", function () {
    clearTimeout(trail);
    trail = setTimeout(load, 1200);
    if (Date.now() - last > 1000) load();
  });
})();
