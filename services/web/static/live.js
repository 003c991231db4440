// The Live page's refresh: every data-interval milliseconds, fetch the
// server-rendered fragment at data-src and put it in place of #live's
// contents. No framework; the page works without it (it reloads itself).
"use strict";
(function () {
  var box = document.getElementById("live");
  if (!box) return;
  var src = box.getAttribute("data-src");
  var every = parseInt(box.getAttribute("data-interval"), 10) || 2000;
  var busy = false;
  function note(text) {
    var p = box.querySelector("p.updated");
    if (p) p.textContent = text;
  }
  function refresh() {
    if (busy) return;
    busy = true;
    fetch(src, { credentials: "same-origin", cache: "no-store" })
      .then(function (resp) {
        if (!resp.ok) throw new Error("HTTP " + resp.status);
        return resp.text();
      })
      .then(function (html) { box.innerHTML = html; })
      .catch(function (err) { note("could not refresh: " + err.message + "; retrying"); })
      .then(function () { busy = false; });
  }
  setInterval(refresh, every);
})();
