/* Search on the phone site: substring match over titles, categories and summaries.
   Reads ?q= so the form also works as a plain GET; results link relative to this page. */
(function () {
  "use strict";
  var index = window.SEARCH_INDEX || [];
  var form = document.querySelector(".search-form");
  var input = document.getElementById("q");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var LIMIT = 50;
  document.getElementById("search-off").hidden = true;

  function item(row) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = row[1];
    a.textContent = row[0];
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = [row[2], row[3]].filter(Boolean).join(" · ");
    li.appendChild(a);
    li.appendChild(meta);
    return li;
  }

  function run(query) {
    var words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!words.length) { status.textContent = ""; return; }
    var hits = index.filter(function (row) {
      var text = (row[0] + " " + row[2] + " " + row[4]).toLowerCase();
      return words.every(function (w) { return text.indexOf(w) !== -1; });
    });
    hits.slice(0, LIMIT).forEach(function (row) { list.appendChild(item(row)); });
    status.textContent = hits.length ? "找到 " + hits.length + " 条" + (hits.length > LIMIT ? "，显示最新的 " + LIMIT + " 条" : "")
                                     : "没有找到含“" + query.trim() + "”的内容";
  }

  var initial = new URLSearchParams(location.search).get("q") || "";
  input.value = initial;
  run(initial);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run(input.value);
    history.replaceState(null, "", "?q=" + encodeURIComponent(input.value.trim()));
  });
  input.addEventListener("input", function () { run(input.value); });
})();
