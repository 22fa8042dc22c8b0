/* Only in `serve`'s preview, never in a built site: shows the build's errors over the last good
   page and reloads when a new build is ready. Written with textContent and the CSSOM, as the
   pages' Content-Security-Policy allows. */
(function () {
  "use strict";
  var state = new URL("state.json", document.currentScript.src).href;
  var seen = null, box = null;

  function show(errors) {
    if (!errors.length) { if (box) { box.remove(); box = null; } return; }
    if (!box) {
      box = document.createElement("section");
      box.id = "preview-errors";
      box.setAttribute("role", "alert");
      var s = box.style;
      s.position = "fixed"; s.left = "0"; s.right = "0"; s.top = "0"; s.zIndex = "99999";
      s.maxHeight = "70vh"; s.overflow = "auto"; s.padding = "12px 16px";
      s.background = "#fff4f4"; s.color = "#5c0011"; s.borderBottom = "4px solid #a8071a";
      s.font = "16px/1.6 sans-serif"; s.boxShadow = "0 4px 12px rgba(0,0,0,.3)";
      document.body.appendChild(box);
    }
    box.textContent = "";
    var h = document.createElement("h2");
    h.textContent = "内容有错误，网站没有更新（下面是上一次正确的预览）：";
    h.style.font = "bold 18px sans-serif"; h.style.margin = "0 0 8px";
    box.appendChild(h);
    var list = document.createElement("ol");
    list.style.margin = "0"; list.style.paddingLeft = "1.5em";
    errors.forEach(function (line) {
      var li = document.createElement("li");
      li.textContent = line;
      li.style.wordBreak = "break-all";
      list.appendChild(li);
    });
    box.appendChild(list);
  }

  function poll() {
    fetch(state, { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (s) {
      if (seen !== null && s.build !== seen) { location.reload(); return; }
      seen = s.build;
      show(s.errors || []);
    }).catch(function () { /* the preview server is restarting: try again */ })
      .then(function () { setTimeout(poll, 250); });  // serve is told of a save at once: so is the page
  }
  poll();
})();
