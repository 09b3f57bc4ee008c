// Coopol: small enhancements only. Every action works without this
// script (plain forms); it adds a live home timeline and a character
// counter, and nothing is fetched from anywhere but this site.
(function () {
  "use strict";
  // Sentences come from the page (the message catalogs), in their
  // singular and plural forms, with # standing for the number.
  function plural(el, n) {
    var form = el.getAttribute(Math.abs(n) === 1 || (n === 0 && document.documentElement.lang === "fr") ? "data-singular" : "data-plural") || "#";
    return form.replace("#", String(n));
  }

  // The header's menu (a details element, usable without this script)
  // closes on a tap elsewhere and on Escape, as menus do.
  var menu = document.querySelector("details.menu");
  if (menu) {
    document.addEventListener("click", function (e) {
      if (menu.open && !menu.contains(e.target)) { menu.open = false; }
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && menu.open) { menu.open = false; menu.querySelector("summary").focus(); }
    });
  }

  // Character counters for text areas with data-max.
  document.querySelectorAll("textarea[data-max]").forEach(function (area) {
    var max = parseInt(area.getAttribute("data-max"), 10);
    var out = document.getElementById(area.getAttribute("aria-describedby") || "");
    if (!max || !out) { return; }
    var timer = null;
    function update() {
      var left = max - Array.from(area.value).length;
      out.textContent = plural(out, left);
      out.classList.toggle("over", left < 0);
    }
    area.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 250); });
  });

  // Live home timeline: new posts are fetched every 20 seconds while the
  // page is visible, inserted at the top and announced politely.
  var timeline = document.getElementById("timeline");
  if (!timeline || !timeline.dataset.updates || !window.fetch) { return; }
  var live = document.getElementById("live");
  var newest = timeline.dataset.newest;
  var busy = false;
  function poll() {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch(timeline.dataset.updates + "?since=" + encodeURIComponent(newest), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (res) {
        if (res.status !== 200) { return null; }
        var id = res.headers.get("X-Newest-Id");
        return res.text().then(function (html) { return { id: id, html: html }; });
      })
      .then(function (got) {
        if (!got || !got.html.trim()) { return; }
        var box = document.createElement("div");
        box.innerHTML = got.html;
        var posts = box.querySelectorAll("article.status");
        var added = 0;
        for (var i = posts.length - 1; i >= 0; i--) {
          if (!document.getElementById(posts[i].id)) {
            timeline.insertBefore(posts[i], timeline.firstChild);
            added++;
          }
        }
        if (got.id) { newest = got.id; }
        if (added && live) { live.textContent = plural(live, added); }
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }
  setInterval(poll, 20000);
  document.addEventListener("visibilitychange", poll);
})();
