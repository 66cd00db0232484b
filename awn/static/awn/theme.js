// Light or dark: the person's choice (kept in this browser), else the system's. Loaded in <head> without defer so
// the page paints in the right colours at once; an external file, so the Content-Security-Policy allows it.
(function () {
  var root = document.documentElement;
  var stored = null;
  try { stored = window.localStorage.getItem("awn-theme"); } catch (e) { stored = null; }
  var systemDark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  root.setAttribute("data-bs-theme", stored === "dark" || stored === "light" ? stored : (systemDark ? "dark" : "light"));
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("[data-theme-toggle]") : null;
    if (!button) return;
    var next = root.getAttribute("data-bs-theme") === "dark" ? "light" : "dark";
    root.setAttribute("data-bs-theme", next);
    button.setAttribute("aria-pressed", next === "dark" ? "true" : "false");
    try { window.localStorage.setItem("awn-theme", next); } catch (e) { /* private mode: this page only */ }
  });
})();
