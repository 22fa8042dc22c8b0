/* Search on the phone site and the kiosk: every piece of two or more characters of a published text.
   The index (villageboard/search.py) is a set of script files: a query's character pairs (bigrams)
   pick a few posting shards, their intersection gives candidates ranked before any text is read, and
   only the documents shown are loaded, each checked against its text (which also gives the count of
   hits, the snippet and the <mark>s). Script files, not fetch(), so a site opened from disk works.
   Folding and hashing must stay as search.py does them. Reads ?q=, so a search can be shared. */
(function () {
  "use strict";
  var META = window.SEARCH_INDEX;
  var DATA = window.SEARCH_DATA = window.SEARCH_DATA || {};
  var PAGE = 10;            // results shown at a time
  var TITLE_CAP = 3;        // as search.py: a posting's weight is title hits + 4 × body hits
  var HIT_CAP = 5;          // more hits than this rank the same, and then the newer comes first
  var TERMINAL = "0123456789abcdefghijklmnopqrstuv", MORE = "ABCDEFGHIJKLMNOPQRSTUVWXYZwxyz-_";

  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var moreButton = document.getElementById("search-more");
  var off = document.getElementById("search-off");
  if (!list || !status) return;
  if (off) off.hidden = true;
  var indexScript = document.querySelector('script[src$="search-index.js"]');
  var base = indexScript ? indexScript.getAttribute("src").replace(/search-index\.js$/, "") : "";

  /* ---------------------------------------------------------------- loading */
  var loading = {};
  function load(name, path) {
    if (!loading[name]) {
      loading[name] = new Promise(function (resolve, reject) {
        if (DATA[name] !== undefined) { resolve(DATA[name]); return; }
        var script = document.createElement("script");
        script.src = base + path + (location.protocol === "file:" ? "" : "?v=" + META.token);
        script.onload = function () {
          if (DATA[name] !== undefined) resolve(DATA[name]); else reject(new Error(path));
        };
        script.onerror = function () { delete loading[name]; reject(new Error(path)); };
        document.head.appendChild(script);
      });
    }
    return loading[name];
  }
  function loadDoc(id) { return load("d" + id, "search/d/" + id + ".js"); }

  /* ---------------------------------------------------------------- text */
  var folded = {};
  function foldChar(ch) {
    var f = folded[ch];
    if (f === undefined) {
      f = (ch.normalize ? ch.normalize("NFKC") : ch).toLowerCase();
      if (Array.from(f).length !== 1) f = ch;
      folded[ch] = f;
    }
    return f;
  }
  function digit(ch) { return ch !== undefined && ch >= "0" && ch <= "9"; }
  function wide(ch) { return ch !== undefined && ch.codePointAt(0) >= 0x2e80; }
  // Punctuation and symbols separate a query's words as a space does (search.py's _separates): a page
  // may set · where its text has a space, or （ where it has none. Older phones without \p{…} get ranges.
  var SEPARATES;
  try { SEPARATES = new RegExp("^[\\p{P}\\p{S}]$", "u"); } catch (e) {
    SEPARATES = /^[!-\/:-@\[-`{-~\u00a1-\u00bf\u00d7\u00f7\u2010-\u2027\u2030-\u205e\u2190-\u2bff\u3001-\u3004\u3008-\u3020\u3030\u303d\ufe30-\ufe4f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\uffe0-\uffee]$/;
  }
  // A query's words, folded (search.py's terms): split at spaces, and at punctuation and symbols too
  // unless that leaves no piece of two characters (then the word is looked for as typed: 、县, 0.5);
  // 97.65 kept whole, 1,780 read as 1780.
  function terms(query) {
    var chars = Array.from(query || "").map(foldChar), found = [];
    var kept = chars.filter(function (ch, i) { return !(ch === "," && digit(chars[i - 1]) && digit(chars[i + 1])); });
    kept.join("").split(/\s+/).filter(Boolean).forEach(function (text) {
      var word = Array.from(text);
      var pieces = word.map(function (ch, i) {
        return (ch === "." && digit(word[i - 1]) && digit(word[i + 1])) || !SEPARATES.test(ch) ? ch : " ";
      }).join("").split(" ").filter(Boolean);
      var keepWhole = word.length >= 2 && pieces.length > 0 &&
        pieces.every(function (p) { return Array.from(p).length < 2; });
      found = found.concat(keepWhole ? [text] : pieces);
    });
    return found.map(function (t) { return Array.from(t); });
  }
  // What a page sets that a villager does not type (search.py's _SKIPPED): the comma of 1,780.00, the
  // space of 在保 4 户. A term is matched across it, so 1780 finds 1,780.00 and 4户 finds 4 户.
  function skipped(chars, i) {
    var a = chars[i - 1], b = chars[i + 1], ch = chars[i];
    if (ch === ",") return digit(a) && digit(b);
    return /^\s$/.test(ch) && ((digit(a) && wide(b)) || (wide(a) && digit(b)));
  }
  function shardOf(key, shards) {
    var h = 2166136261;
    Array.from(key).forEach(function (ch) { h = Math.imul(h ^ ch.codePointAt(0), 16777619) >>> 0; });
    return h % shards;
  }
  function postings(text) {
    var found = {}, acc = 0, numbers = [], doc = -1, i, k;
    for (i = 0; i < text.length; i++) {
      k = MORE.indexOf(text[i]);
      if (k >= 0) acc = acc * 32 + k;
      else { numbers.push(acc * 32 + TERMINAL.indexOf(text[i])); acc = 0; }
    }
    for (i = 0; i + 1 < numbers.length; i += 2) {
      doc += numbers[i] + 1;
      found[doc] = {t: numbers[i + 1] % (TITLE_CAP + 1), b: Math.floor(numbers[i + 1] / (TITLE_CAP + 1))};
    }
    return found;
  }
  // Where needle stands in hay (folded characters), as [start, end) in hay, across skipped characters
  // (but a term typed with its comma, 3, or ,0, is looked for as typed).
  function positions(hay, needle) {
    var kept = [], at = [], out = [], i, j, across = needle.indexOf(",") < 0;
    for (i = 0; i < hay.length; i++) if (!(across && skipped(hay, i))) { kept.push(hay[i]); at.push(i); }
    outer: for (i = 0; i + needle.length <= kept.length; i++) {
      for (j = 0; j < needle.length; j++) if (kept[i + j] !== needle[j]) continue outer;
      out.push([at[i], at[i + needle.length - 1] + 1]);
    }
    return out;
  }

  /* ---------------------------------------------------------------- the query */
  // Candidates from the bigram shards, ranked by what the postings say: in the title, how many hits, newer.
  function plan(query) {
    var all = terms(query), keyed = all.filter(function (t) { return t.length >= 2; });
    if (!all.length) return Promise.resolve({empty: true});
    if (!keyed.length) return Promise.resolve({tooShort: true});
    // Every other bigram and the last cover the term: fewer shards to load, the same candidates or a few more.
    var keysOf = keyed.map(function (t) {
      var keys = [], i, add = function (k) { if (keys.indexOf(k) < 0) keys.push(k); };
      for (i = 0; i + 1 < t.length; i += 2) add(t[i] + t[i + 1]);
      if (t.length % 2 && t.length > 2) add(t[t.length - 2] + t[t.length - 1]);
      return keys;
    });
    var shards = [];
    keysOf.forEach(function (keys) {
      keys.forEach(function (k) { var n = shardOf(k, META.shards); if (shards.indexOf(n) < 0) shards.push(n); });
    });
    return Promise.all(shards.map(function (n) { return load("p" + n, "search/p/" + n + ".js"); })).then(function () {
      var lists = keysOf.map(function (keys) {
        return keys.map(function (k) { return postings(DATA["p" + shardOf(k, META.shards)][k] || ""); });
      });
      var flat = [].concat.apply([], lists);
      var shortest = flat.reduce(function (a, b) { return Object.keys(a).length <= Object.keys(b).length ? a : b; });
      var candidates = [];
      Object.keys(shortest).forEach(function (id) {
        if (!flat.every(function (l) { return l[id]; })) return;
        var inTitle = 0, hits = Infinity;
        lists.forEach(function (ls) {
          if (ls.every(function (l) { return l[id].t > 0; })) inTitle++;
          ls.forEach(function (l) { hits = Math.min(hits, l[id].t + l[id].b); });
        });
        candidates.push({id: +id, inTitle: inTitle, hits: hits});
      });
      candidates.sort(order);
      // A two-character term is one bigram: its postings are its hits, nothing left to check.
      var exact = all.every(function (t) { return t.length === 2; });
      return {terms: all, candidates: candidates, exact: exact};
    });
  }
  function order(a, b) {
    return (b.inTitle - a.inTitle) || (Math.min(b.hits, HIT_CAP) - Math.min(a.hits, HIT_CAP)) || (b.id - a.id);
  }

  // The document checked against its text: null when a term is not in it after all.
  function verify(candidate, doc, query) {
    var title = Array.from(doc[1]), text = Array.from(doc[5]);
    var ftitle = title.map(foldChar), ftext = text.map(foldChar);
    var inTitle = 0, hits = 0, titleAt = [], textAt = [];
    for (var i = 0; i < query.length; i++) {
      var t = positions(ftitle, query[i]), b = positions(ftext, query[i]);
      if (!t.length && !b.length) return null;
      if (t.length) inTitle++;
      hits += t.length + b.length;
      titleAt.push(t); textAt.push(b);
    }
    return {id: candidate.id, inTitle: inTitle, hits: hits, doc: doc, title: title, text: text,
            titleAt: titleAt, textAt: textAt};
  }

  /* ---------------------------------------------------------------- showing */
  function marked(chars, at, from, to) {
    var on = [], i, fragment = document.createDocumentFragment();
    at.forEach(function (spans) {
      spans.forEach(function (span) { for (i = span[0]; i < span[1]; i++) on[i] = true; });
    });
    var run = "", running = false;
    function flush() {
      if (!run) return;
      if (running) { var m = document.createElement("mark"); m.textContent = run; fragment.appendChild(m); }
      else fragment.appendChild(document.createTextNode(run));
      run = "";
    }
    for (i = from; i < to; i++) {
      if (!!on[i] !== running) { flush(); running = !!on[i]; }
      run += chars[i];
    }
    flush();
    return fragment;
  }
  function snippet(hit) {
    var first = Infinity;
    hit.textAt.forEach(function (spans) { if (spans.length) first = Math.min(first, spans[0][0]); });
    var from = first === Infinity ? 0 : Math.max(0, first - 20), to = Math.min(hit.text.length, from + 90), i;
    // Start after a space when one is near (not inside a number or a name), and never cut a match in two.
    for (i = from; from > 0 && i < Math.min(first, from + 10); i++) if (hit.text[i] === " ") { from = i + 1; break; }
    hit.textAt.forEach(function (spans) {
      spans.forEach(function (span) { if (span[0] < to && span[1] > to) to = span[1]; });
    });
    var p = document.createElement("p");
    p.className = "snippet";
    if (from > 0) p.appendChild(document.createTextNode("…"));
    p.appendChild(marked(hit.text, hit.textAt, from, to));
    if (to < hit.text.length) p.appendChild(document.createTextNode("…"));
    return p;
  }
  // 2026-06-03 as every page writes a date (sharing.chinese_date): 2026年6月3日.
  function chineseDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    return m ? m[1] + "年" + (+m[2]) + "月" + (+m[3]) + "日" : iso;
  }
  function item(hit) {
    var doc = hit.doc, li = document.createElement("li"), a = document.createElement("a");
    a.href = doc[0];
    a.appendChild(marked(hit.title, hit.titleAt, 0, hit.title.length));
    li.appendChild(a);
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = [doc[2], chineseDate(doc[3])].filter(Boolean).join(" · ");
    if (doc[4]) {
      var tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = doc[4];
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(tag);
    }
    li.appendChild(meta);
    if (hit.text.length) li.appendChild(snippet(hit));
    return li;
  }

  /* ---------------------------------------------------------------- running a search */
  var current = null, run = 0;

  function say(text) { status.textContent = text; }
  function tell(state) {
    var done = state.next >= state.candidates.length;
    var total = state.exact ? state.candidates.length : state.verified + state.candidates.length - state.next;
    if (!total) { say("没有找到含“" + state.query + "”的内容"); return; }
    say("找到" + (state.exact || done ? " " : "约 ") + total + " 条" +
        (state.shown < total ? "，先显示 " + state.shown + " 条" : ""));
  }

  // Show the next PAGE results: load candidates' documents a batch at a time until enough are confirmed.
  function more(state) {
    var target = state.shown + PAGE;
    function step() {
      if (state !== current) return null;
      if (state.shown >= target || state.next >= state.candidates.length) return finish();
      var batch = state.candidates.slice(state.next, state.next + (target - state.shown));
      state.next += batch.length;
      return Promise.all(batch.map(function (c) { return loadDoc(c.id); })).then(function (docs) {
        if (state !== current) return null;
        var hits = [];
        docs.forEach(function (doc, i) { var h = verify(batch[i], doc, state.terms); if (h) hits.push(h); });
        hits.sort(order).forEach(function (h) { list.appendChild(item(h)); });
        state.verified += hits.length;
        state.shown += hits.length;
        return step();
      });
    }
    function finish() {
      if (moreButton) moreButton.hidden = state.next >= state.candidates.length;
      tell(state);
      return null;
    }
    if (moreButton) moreButton.hidden = true;
    return step();
  }

  function search(query) {
    var mine = ++run;
    query = (query || "").trim();
    list.textContent = "";
    if (moreButton) moreButton.hidden = true;
    current = null;
    if (!query) { say(""); return Promise.resolve(); }
    if (!META) { say("搜索索引没有读到，请刷新页面再试"); return Promise.resolve(); }
    say("正在查找“" + query + "”…");
    return plan(query).then(function (found) {
      if (mine !== run) return null;
      // Only punctuation, or words of one character: spaces and punctuation separate words.
      if (found.empty || found.tooShort) { say("请至少输入连着的两个字（不算标点），比如“低保”“补贴”"); return null; }
      current = {query: query, terms: found.terms, candidates: found.candidates, exact: found.exact,
                 next: 0, shown: 0, verified: 0};
      return more(current);
    }).catch(function () {
      if (mine === run) say("搜索索引没有读全，请刷新页面再试");
    });
  }

  function share(query) {
    if (window.history && history.replaceState) {
      history.replaceState(null, "", query ? "?q=" + encodeURIComponent(query) : location.pathname);
    }
  }

  if (moreButton) moreButton.addEventListener("click", function () { if (current) more(current); });

  var initial = new URLSearchParams(location.search).get("q") || "";

  /* ---------------------------------------------------------------- the phone: a text box */
  var form = document.querySelector(".search-form");
  var input = document.getElementById("q");
  if (form && input) {
    var timer = null;
    // On a slow phone the box shows before this script arrives, and a villager may have typed
    // already (or the browser put the last words back): what is in the box is kept and searched.
    if (!input.value) input.value = initial;
    search(input.value);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      search(input.value);
      share(input.value.trim());
    });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { search(input.value); share(input.value.trim()); }, 250);
    });
  }

  /* ---------------------------------------------------------------- the kiosk: word keys */
  var keys = document.querySelectorAll("[data-word]");
  var shown = document.getElementById("kiosk-query");
  var clear = document.getElementById("kiosk-clear");
  if (keys.length && shown) {
    var chosen = initial.split(/\s+/).filter(Boolean);
    var update = function () {
      Array.prototype.forEach.call(keys, function (k) {
        k.setAttribute("aria-pressed", chosen.indexOf(k.getAttribute("data-word")) >= 0 ? "true" : "false");
      });
      shown.textContent = chosen.length ? chosen.join(" + ") : "请点下面的词";
      if (clear) clear.disabled = !chosen.length;
      search(chosen.join(" "));
      share(chosen.join(" "));
    };
    Array.prototype.forEach.call(keys, function (k) {
      k.addEventListener("click", function () {
        var word = k.getAttribute("data-word"), at = chosen.indexOf(word);
        if (at >= 0) chosen.splice(at, 1); else chosen.push(word);
        update();
      });
    });
    if (clear) clear.addEventListener("click", function () { chosen = []; update(); });
    update();
  }
})();
