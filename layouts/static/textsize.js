/* 大字 (large text, 适老化): a switch in the masthead that every page remembers.
   The choice is kept in localStorage and set as the class "large-text" on <html> before
   the page is drawn (this file loads in <head>), so a page never flashes small first.
   Without JavaScript the same link goes to #large-text, and site.css enlarges the page
   it is on (:target); the phone's own text size (WeChat 字体大小) works either way. */
(function () {
  "use strict";
  var KEY = "villageboard-large-text";
  var root = document.documentElement;

  function remembered() {
    try { return window.localStorage.getItem(KEY) === "1"; } catch (e) { return false; }
  }
  function remember(on) {
    try {
      if (on) { window.localStorage.setItem(KEY, "1"); } else { window.localStorage.removeItem(KEY); }
    } catch (e) { /* storage off (private mode): the switch still works on this page */ }
  }
  function show(link) {
    link.setAttribute("role", "button");
    link.setAttribute("aria-pressed", root.classList.contains("large-text") ? "true" : "false");
  }

  if (remembered()) { root.classList.add("large-text"); }
  if (window.location.hash === "#large-text") {  /* a shared address made without JavaScript */
    root.classList.add("large-text");
    remember(true);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var link = document.getElementById("text-size");
    if (!link) { return; }
    show(link);
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var on = !root.classList.contains("large-text");
      root.classList.toggle("large-text", on);
      remember(on);
      show(link);
      if (!on && window.location.hash === "#large-text" && window.history.replaceState) {
        window.history.replaceState(null, "", window.location.pathname + window.location.search);  /* else :target keeps it large */
      }
    });
  });
}());
