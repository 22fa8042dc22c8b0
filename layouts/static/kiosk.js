/* Touchscreen kiosk (触摸屏) behaviour. No framework, no other file, no network except
   the site's own version.json. Everything runs off one timer that compares Date.now()
   with the last touch, so a browser that throttles or a test that fast-forwards the
   clock still gets the right state. */
(function () {
  "use strict";
  var body = document.body;
  var conf = body.dataset;
  var IDLE = (parseInt(conf.idle, 10) || 90) * 1000;
  var COUNTDOWN = (parseInt(conf.countdown, 10) || 20) * 1000;
  var SLIDE_MS = 8000;        // long enough to read a title and two lines from two metres
  var SHIFT_MS = 60000;       // burn-in: move static elements once a minute
  var VERSION_MS = 5 * 60000; // a new build is noticed within five minutes
  var SHIFTS = [[0, 0], [8, 4], [4, -8], [-8, 6], [-4, -4], [8, -6]];
  var isHome = body.classList.contains("kiosk-home");
  var warning = byId("idle-warning");
  var attract = byId("attract");
  var lastTouch = Date.now();
  var attractOn = false, slideIndex = -1, slideShown = 0;
  var lastShift = Date.now(), shiftIndex = 0;
  var lastExpiryCheck = 0, lastVersionCheck = 0;
  var pendingBuild = null;

  function byId(id) { return document.getElementById(id); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function isoDay(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }

  if ("scrollRestoration" in history) { history.scrollRestoration = "manual"; }

  /* --- touch, long press, idle ----------------------------------------------------- */
  function activity() {
    lastTouch = Date.now();
  }
  ["pointerdown", "touchstart", "keydown", "wheel"].forEach(function (type) {
    window.addEventListener(type, activity, { capture: true, passive: true });
  });
  // No long-press menu or image dragging: on a kiosk they only lead somewhere unexpected.
  document.addEventListener("contextmenu", function (e) { e.preventDefault(); });
  document.addEventListener("dragstart", function (e) { e.preventDefault(); });

  function showWarning(secondsLeft) {
    byId("idle-count").textContent = String(secondsLeft);
    if (warning.hidden) {
      warning.hidden = false;
      byId("idle-stay").focus({ preventScroll: true });
    }
  }
  function hideWarning() { warning.hidden = true; }
  // Any tap on the warning (the 继续浏览 button or around it) extends; handled on click so
  // that the tap does not reach the page beneath once the warning is gone.
  warning.addEventListener("click", function (e) {
    e.preventDefault();
    e.stopPropagation();
    activity();
    hideWarning();
  });

  function homeAddress() {
    var address = conf.home;
    if (pendingBuild) { address += "?b=" + encodeURIComponent(pendingBuild); }
    return address + "#attract";
  }

  // A new build is loaded whole. The browser keeps what a plain web server sent for as long as it
  // guesses fresh (a tenth of a file's age: hours, days), so the style sheets, scripts and search
  // index are fetched again first, and every page after is asked for under the new build's address.
  var switching = false;
  function loadNewBuild() {
    if (switching) { return; }
    switching = true;
    var root = conf.version.replace(/version\.json$/, "");
    var files = ["static/site.css", "static/kiosk.css", "static/kiosk.js", "static/search.css", "static/search.js",
                 "search-index.js"].map(function (name) { return root + name; });
    var go = function () { location.replace(homeAddress()); };
    if (!window.fetch || !window.Promise) { go(); return; }
    var refreshed = files.map(function (url) { return fetch(url, { cache: "reload" }).catch(function () { return null; }); });
    Promise.race([Promise.all(refreshed), new Promise(function (done) { window.setTimeout(done, 10000); })]).then(go, go);
  }

  function idleReturn() {
    hideWarning();
    stopReading();
    if (pendingBuild) {
      loadNewBuild();
      return;
    }
    if (!isHome) {
      location.replace(homeAddress());
      return;
    }
    // Already home: never reload, just put it back the way the next villager expects.
    window.scrollTo(0, 0);
    startAttract();
  }

  /* --- attract loop (home only) ----------------------------------------------------- */
  function liveSlides() {
    return attract ? Array.prototype.filter.call(attract.querySelectorAll(".slide"), function (s) { return !s.hidden; }) : [];
  }
  function showSlide(n) {
    var slides = liveSlides();
    if (!slides.length) { return; }
    slideIndex = n % slides.length;
    slides.forEach(function (s, i) { s.classList.toggle("current", i === slideIndex); });
    slideShown = Date.now();
  }
  function startAttract() {
    if (!attract) { return; }
    attractOn = true;
    attract.hidden = false;
    body.classList.add("attracting");
    showSlide(0);
  }
  function stopAttract() {
    attractOn = false;
    attract.hidden = true;
    body.classList.remove("attracting");
    lastTouch = Date.now();
  }
  if (attract) {
    // The loop covers the whole screen and ends on the click itself, so the tap that ends
    // it lands on the loop and never presses what lies beneath.
    attract.addEventListener("click", function (e) {
      e.preventDefault();
      e.stopPropagation();
      stopAttract();
    });
    window.addEventListener("keydown", function () { if (attractOn) { stopAttract(); } });
  }

  /* --- clock, burn-in, expired notices, stale content ----------------------------- */
  var WEEK = "日一二三四五六";
  function updateClock(now) {
    var time = pad(now.getHours()) + ":" + pad(now.getMinutes());
    var date = now.getFullYear() + "年" + (now.getMonth() + 1) + "月" + now.getDate() + "日 星期" + WEEK.charAt(now.getDay());
    document.querySelectorAll("[data-clock=time]").forEach(function (el) {
      if (el.textContent !== time) { el.textContent = time; }
    });
    document.querySelectorAll("[data-clock=date]").forEach(function (el) {
      if (el.textContent !== date) { el.textContent = date; }
    });
  }
  function shiftAgainstBurnIn() {
    shiftIndex = (shiftIndex + 1) % SHIFTS.length;
    document.documentElement.style.setProperty("--shift-x", SHIFTS[shiftIndex][0] + "px");
    document.documentElement.style.setProperty("--shift-y", SHIFTS[shiftIndex][1] + "px");
  }
  // A kiosk is rarely rebuilt: a notice whose 公示 period ended must go without a rebuild.
  function hideExpired(now) {
    var today = isoDay(now);
    document.querySelectorAll("[data-expires]").forEach(function (el) {
      if (today > el.getAttribute("data-expires")) { el.hidden = true; }
    });
    // A panel whose every item has gone (all pinned notices expired) goes too, heading and all.
    document.querySelectorAll("section.panel").forEach(function (panel) {
      var items = panel.querySelectorAll("li");
      if (items.length && Array.prototype.every.call(items, function (li) { return li.closest("[hidden]"); })) {
        panel.hidden = true;
      }
    });
    var built = conf.built && new Date(conf.built + "T00:00:00");
    var stale = byId("stale");
    if (built && stale) {
      var days = Math.floor((now - built) / 86400000);
      stale.hidden = days <= 7;
      stale.querySelector("[data-stale-days]").textContent = String(days);
    }
  }

  /* --- new build: reload at the next idle return, never while someone reads -------- */
  var storedBuild = null;
  try {
    var fromUrl = /[?&]b=([^&#]+)/.exec(location.search);
    if (fromUrl) { sessionStorage.setItem("kiosk-build", decodeURIComponent(fromUrl[1])); }
    storedBuild = sessionStorage.getItem("kiosk-build");
  } catch (e) { storedBuild = null; }
  function checkVersion() {
    if (!window.fetch || location.protocol === "file:") { return; } // from disk: no way to ask, do nothing
    fetch(conf.version, { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (v) {
      if (!v || !v.build) { return; }
      if (!storedBuild) {
        storedBuild = v.build;
        try { sessionStorage.setItem("kiosk-build", v.build); } catch (e) { /* private mode */ }
      } else if (v.build !== storedBuild) {
        pendingBuild = v.build;
        body.setAttribute("data-new-build", v.build); // visible to whoever debugs the kiosk
      }
    }).catch(function () { /* offline or from disk: keep showing what we have */ });
  }

  /* --- the one timer ---------------------------------------------------------------- */
  function tick() {
    var nowMs = Date.now(), now = new Date(nowMs);
    updateClock(now);
    if (nowMs - lastExpiryCheck >= 30000) { lastExpiryCheck = nowMs; hideExpired(now); }
    if (nowMs - lastVersionCheck >= VERSION_MS) { lastVersionCheck = nowMs; checkVersion(); }
    if (nowMs - lastShift >= SHIFT_MS) { lastShift = nowMs; shiftAgainstBurnIn(); }
    if (attractOn) {
      // Nobody is reading while the loop runs: the moment to load a new build.
      if (pendingBuild) { loadNewBuild(); return; }
      if (nowMs - slideShown >= SLIDE_MS) { showSlide(slideIndex + 1); }
      return;
    }
    var idle = nowMs - lastTouch;
    if (idle >= IDLE) {
      idleReturn();
    } else if (idle >= IDLE - COUNTDOWN) {
      showWarning(Math.ceil((IDLE - idle) / 1000));
    } else if (!warning.hidden) {
      hideWarning();
    }
  }

  /* --- home, back, page up and down ------------------------------------------------- */
  var back = byId("go-back"), up = byId("page-up"), down = byId("page-down");
  // Back only to a kiosk page: the browser's first entry may be a blank page or anything else. (From
  // disk no page is told where it was opened from: there every page is the kiosk's.)
  var kioskRoot = new URL(conf.home, location.href).href.replace(/[^\/]*$/, "");
  back.addEventListener("click", function () {
    var fromKiosk = location.protocol === "file:" || document.referrer.indexOf(kioskRoot) === 0;
    if (history.length > 1 && fromKiosk) { history.back(); } else { location.href = conf.home; }
  });

  // Over the web, every page is asked for under the build it belongs to (?b=), so the browser never
  // shows a page it kept from an earlier build: a withdrawn notice would otherwise stay on screen.
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[href]");
    if (!link || e.defaultPrevented || !storedBuild || location.protocol === "file:") { return; }
    var target = new URL(link.href, location.href);
    if (target.origin !== location.origin || target.searchParams.get("b") === storedBuild || target.hash && target.pathname === location.pathname) { return; }
    target.searchParams.set("b", storedBuild);
    e.preventDefault();
    location.href = target.href;
  });
  function pageHeight() {
    var nav = document.querySelector(".kiosk-nav"), bar = document.querySelector(".kiosk-bar");
    return Math.max(200, window.innerHeight - nav.offsetHeight - bar.offsetHeight - 80);
  }
  var smooth = window.matchMedia && !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  up.addEventListener("click", function () { window.scrollBy({ top: -pageHeight(), behavior: smooth ? "smooth" : "auto" }); });
  down.addEventListener("click", function () { window.scrollBy({ top: pageHeight(), behavior: smooth ? "smooth" : "auto" }); });
  function updatePaging() {
    var root = document.documentElement;
    up.disabled = window.scrollY <= 2;
    down.disabled = window.scrollY + window.innerHeight >= root.scrollHeight - 2;
  }
  window.addEventListener("scroll", updatePaging, { passive: true });
  window.addEventListener("resize", updatePaging);
  window.addEventListener("load", updatePaging); // images change the height

  /* --- 朗读: read the page aloud where a Chinese voice exists --------------------- */
  var reader = byId("read-aloud");
  var synth = window.speechSynthesis;
  function chineseVoice() {
    if (!synth) { return null; }
    var voices = synth.getVoices().filter(function (v) { return /^zh/i.test(v.lang); });
    return voices.filter(function (v) { return /^zh[-_]CN/i.test(v.lang); })[0] || voices[0] || null;
  }
  function offerReading() { reader.hidden = !chineseVoice(); }
  function stopReading() {
    if (synth) { synth.cancel(); }
    reader.setAttribute("aria-pressed", "false");
    reader.textContent = "朗读";
  }
  if (synth) {
    offerReading();
    if (synth.addEventListener) { synth.addEventListener("voiceschanged", offerReading); }
    reader.addEventListener("click", function () {
      if (reader.getAttribute("aria-pressed") === "true") { stopReading(); return; }
      var voice = chineseVoice();
      // One utterance per block: Chromium cuts long utterances off after about 15 seconds.
      var blocks = document.querySelectorAll("#main h1, #main h2, #main h3, #main p, #main li, #main dt, #main dd, #main tr");
      var parts = Array.prototype.filter.call(blocks, function (el) { return !el.closest(".crumbs, .kiosk-qr, .kiosk-offsite"); })
        .map(function (el) { return el.innerText.trim(); }).filter(Boolean);
      if (!parts.length) { return; }
      synth.cancel();
      parts.forEach(function (text, i) {
        var u = new SpeechSynthesisUtterance(text);
        u.lang = "zh-CN";
        if (voice) { u.voice = voice; }
        u.rate = 0.9;
        if (i === parts.length - 1) { u.onend = stopReading; }
        synth.speak(u);
      });
      reader.setAttribute("aria-pressed", "true");
      reader.textContent = "停止朗读";
    });
  }
  window.addEventListener("pagehide", function () { if (synth) { synth.cancel(); } });

  /* --- start ------------------------------------------------------------------------ */
  hideExpired(new Date());
  lastExpiryCheck = Date.now();
  updateClock(new Date());
  updatePaging();
  checkVersion();
  lastVersionCheck = Date.now();
  if (isHome && location.hash === "#attract") {
    try { history.replaceState(null, "", location.pathname + location.search); } catch (e) { /* file:// */ }
    window.scrollTo(0, 0);
    startAttract();
  }
  window.setInterval(tick, 1000);
})();
