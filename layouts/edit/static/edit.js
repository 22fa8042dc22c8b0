/* The form editor in the browser. The form is built from the description the server makes
   out of the models' schemas; every change is sent to the server, which runs the same check
   as `python build.py check` and answers with the problems by field. Nothing here decides
   what is right: the server does. Written with textContent and classes only, as the page's
   Content-Security-Policy allows (no inline script or style). */
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] === null || attrs[k] === undefined || attrs[k] === false) return;
      if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function post(path, body, headers) {
    return fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: Object.assign({"Content-Type": "application/json"}, headers || {}),
      body: (body instanceof Blob) ? body : JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {error: {code: "E-EDIT-REQUEST", message: "服务器没有回应，编辑器还开着吗？"}}; })
        .then(function (j) { j.httpStatus = r.status; return j; });
    }, function () {
      return {error: {code: "E-EDIT-REQUEST", message: "连不上编辑器：命令行窗口里的 python build.py edit 还开着吗？"}, httpStatus: 0};
    });
  }

  var statusBox = document.getElementById("status");
  function say(text, kind) {
    statusBox.textContent = text;
    statusBox.className = kind || "";
  }

  function showProblems(box, title, lines) {
    box.textContent = "";
    if (!lines.length) { box.hidden = true; return; }
    box.appendChild(el("h2", {}, title));
    var list = el("ul");
    lines.forEach(function (line) { list.appendChild(el("li", {className: line.level || "error"}, line.text)); });
    box.appendChild(list);
    box.hidden = false;
  }

  // ------------------------------------------------------------ the reason dialog (发布, 撤下)

  var dialog = document.getElementById("reason-dialog");
  function askReason(title, help, done) {
    var input = document.getElementById("reason"), error = document.getElementById("reason-error");
    document.getElementById("reason-title").textContent = title;
    document.getElementById("reason-help").textContent = help;
    input.value = "";
    error.textContent = "";
    var form = document.getElementById("reason-form");
    form.onsubmit = function (event) {
      event.preventDefault();
      if (!input.value.trim()) { error.textContent = "请写明原因"; input.focus(); return; }
      dialog.close();
      done(input.value.trim());
    };
    document.getElementById("reason-cancel").onclick = function () { dialog.close(); };
    dialog.showModal();
    input.focus();
  }

  function publishNow(beforehand) {
    askReason("检查并发布", "写一句修改原因。它会作为提交说明，显示在网页的“修订记录”里，所以不要写身份证号、手机号。",
      function (reason) {
        say("正在检查并发布……", "busy");
        post("api/publish", {reason: reason}).then(function (answer) {
          var problems = document.getElementById("publish-problems");
          if (answer.error) {
            say(answer.error.message.split("\n")[0] + " [" + answer.error.code + "]", "error");
            showProblems(problems, "没有发布：", answer.error.message.split("\n").slice(1).map(function (t) { return {text: t}; }));
            return;
          }
          problems.hidden = true;
          var text = "已发布：提交 " + answer.commit + "（" + answer.reason + "），共 " + answer.files.length + " 个文件";
          if (answer.pushed === true) text += "，已推送到远程仓库";
          if (answer.pushed === false) text += "。" + answer.push_message;
          say(text, answer.pushed === false ? "warning" : "ok");
        });
      }, beforehand);
  }

  var publishButton = document.getElementById("publish");
  var editor = document.getElementById("editor");
  if (!editor) {
    if (publishButton) publishButton.addEventListener("click", function () { publishNow(); });
    return;
  }

  // ------------------------------------------------------------ the form

  var state = {kind: editor.dataset.kind, file: editor.dataset.file || null, isNew: !editor.dataset.file,
               values: {}, body: "", desc: null, dirty: false, nameTouched: false, lastCheck: null};
  var fieldsBox = document.getElementById("fields");
  var saveButton = document.getElementById("save");
  var withdrawButton = document.getElementById("withdraw");
  var filename = document.getElementById("filename");
  var bodyInput = document.getElementById("body");

  function idOf(path) { return "f-" + path.replace(/[^A-Za-z0-9_]/g, "-"); }

  function changed() {
    state.dirty = true;
    if (state.isNew && !state.nameTouched) suggestName();
    scheduleCheck();
  }

  function messageSlot(path) { return el("div", {className: "msg", "data-msg": path}); }

  function scalarInput(entry, holder, key, path, labelText) {
    var value = holder[key];
    var input;
    var choices = entry.choices;
    if (entry.kind === "bool") {
      input = el("input", {type: "checkbox", id: idOf(path), "data-path": path});
      input.checked = value === undefined || value === null ? !!entry.default : String(value).toLowerCase() === "true";
      if (value !== undefined && value !== null) holder[key] = input.checked ? "true" : "false";
      if (labelText) input.setAttribute("aria-label", labelText);
      input.addEventListener("change", function () { holder[key] = input.checked ? "true" : "false"; changed(); });
      return input;
    }
    if (choices) {
      input = el("select", {id: idOf(path), "data-path": path});
      input.appendChild(el("option", {value: ""}, entry.required ? "请选择" : "（不填）"));
      var known = false;
      choices.forEach(function (c) {
        var option = el("option", {value: c[0]}, c[1]);
        if (String(value) === c[0]) { option.selected = true; known = true; }
        input.appendChild(option);
      });
      if (value && !known) {  // a word the list does not have: kept, and the check says why it is odd
        input.appendChild(el("option", {value: value, selected: true}, value + "（不在列表里）"));
      }
      if (labelText) input.setAttribute("aria-label", labelText);
      input.addEventListener("change", function () { holder[key] = input.value; changed(); });
      return input;
    }
    if (entry.multiline) {
      input = el("textarea", {id: idOf(path), "data-path": path, rows: 3});
    } else {
      var type = "text";
      if (entry.kind === "date" && (!value || /^\d{4}-\d{2}-\d{2}$/.test(value))) type = "date";
      input = el("input", {type: type, id: idOf(path), "data-path": path, autocomplete: "off"});
      if (entry.kind === "money") { input.setAttribute("inputmode", "decimal"); input.className = "money"; }
      if (entry.kind === "count") { input.setAttribute("inputmode", "numeric"); input.className = "count"; }
      if (entry.suggest) {
        var listId = "list-" + idOf(path).replace(/-\d+-/g, "-");
        if (!document.getElementById(listId)) {
          var list = el("datalist", {id: listId});
          entry.suggest.forEach(function (s) { list.appendChild(el("option", {value: s})); });
          document.body.appendChild(list);
        }
        input.setAttribute("list", listId);
      }
    }
    input.value = value === undefined || value === null ? "" : value;
    if (labelText) input.setAttribute("aria-label", labelText);
    input.addEventListener("input", function () { holder[key] = input.value; changed(); });
    return input;
  }

  function uploadButton(kind, onDone) {
    var picker = el("input", {type: "file", className: "sr", tabindex: "-1", "aria-hidden": "true",
                              accept: kind === "picture" ? ".jpg,.jpeg,.png,.webp" : ".pdf,.jpg,.jpeg,.png"});
    var button = el("button", {type: "button"}, kind === "picture" ? "从电脑选照片" : "从电脑添加附件");
    button.addEventListener("click", function () { picker.click(); });
    picker.addEventListener("change", function () {
      if (picker.files.length) upload(picker.files[0], onDone);
      picker.value = "";
    });
    var span = el("span", {className: "upload"});
    span.appendChild(button);
    span.appendChild(picker);
    return span;
  }

  function upload(file, onDone) {
    var name = currentName();
    say("正在添加 " + file.name + " ……", "busy");
    post("api/upload?kind=" + encodeURIComponent(state.kind) + "&file=" + encodeURIComponent(name || "upload"), file,
         {"Content-Type": "application/octet-stream", "X-File-Name": encodeURIComponent(file.name)})
      .then(function (answer) {
        if (answer.error) { say(answer.error.message + " [" + answer.error.code + "]", "error"); return; }
        say("已添加 " + answer.name + "（已去掉照片里的位置和相机信息）", "ok");
        onDone(answer.name, answer.picture);
      });
  }

  function fieldBlock(entry, holder, path) {
    var key = entry.key;
    if (entry.kind === "map") {
      if (!holder[key] || typeof holder[key] !== "object") holder[key] = {};
      var set = el("fieldset", {className: "group", "data-path": path});
      set.appendChild(el("legend", {}, entry.label + (entry.required ? "（必填）" : "")));
      set.appendChild(factSlot(path));
      entry.fields.forEach(function (sub) { set.appendChild(fieldBlock(sub, holder[key], path + "." + sub.key)); });
      set.appendChild(messageSlot(path));
      if (entry.required) return set;
      // An optional part (a later step of 四议两公开, a distribution) stays folded until it is needed.
      var fold = el("details", {className: "optional", "data-path": path});
      fold.open = filled(holder[key]);
      fold.appendChild(el("summary", {}, entry.label + "（没有可以不填，点开填写）"));
      set.querySelector("legend").className = "sr";  // the summary already says it
      fold.appendChild(set);
      return fold;
    }
    if (entry.kind === "list") {
      if (!Array.isArray(holder[key])) holder[key] = [];
      return entry.item.kind === "map" ? tableBlock(entry, holder[key], path) : listBlock(entry, holder[key], path);
    }
    var box = el("div", {className: "field field-" + entry.kind, "data-path": path});
    var labelNode = el("label", {"for": idOf(path)}, entry.label);
    if (entry.required) labelNode.appendChild(el("span", {className: "required"}, "（必填）"));
    var input = scalarInput(entry, holder, key, path);
    if (entry.kind === "bool") { box.appendChild(input); box.appendChild(labelNode); }
    else { box.appendChild(labelNode); box.appendChild(input); }
    if (entry.upload) {
      box.appendChild(uploadButton(entry.upload, function (name) { input.value = name; holder[key] = name; changed(); }));
    }
    box.appendChild(factSlot(path));
    box.appendChild(messageSlot(path));
    return box;
  }

  function filled(value) {
    if (Array.isArray(value)) return value.some(filled);
    if (value && typeof value === "object") return Object.keys(value).some(function (k) { return filled(value[k]); });
    return value !== "" && value !== null && value !== undefined;
  }

  function factSlot(path) { return el("div", {className: "fact", "data-fact": path}); }

  function listBlock(entry, items, path) {
    var set = el("fieldset", {className: "group list", "data-path": path});
    set.appendChild(el("legend", {}, entry.label));
    var item = entry.item;
    if (item.choices) {  // the village's own words (its stars): ticked, not typed
      var box = el("div", {className: "choices"});
      item.choices.forEach(function (c, i) {
        var id = idOf(path) + "-c" + i;
        var check = el("input", {type: "checkbox", id: id, "data-path": path});
        check.checked = items.indexOf(c[0]) >= 0;
        check.addEventListener("change", function () {
          var at = items.indexOf(c[0]);
          if (check.checked && at < 0) items.push(c[0]);
          if (!check.checked && at >= 0) items.splice(at, 1);
          changed();
        });
        var label = el("label", {"for": id}, c[1]);
        var one = el("span", {className: "choice"});
        one.appendChild(check);
        one.appendChild(label);
        box.appendChild(one);
      });
      set.appendChild(box);
      set.appendChild(messageSlot(path));
      return set;
    }
    var list = el("ol", {className: "items"});
    function draw() {
      list.textContent = "";
      items.forEach(function (_, i) {
        var li = el("li");
        var input = scalarInput(item, items, i, path + "." + i, entry.label + " 第 " + (i + 1) + " 项");
        li.appendChild(input);
        var remove = el("button", {type: "button", className: "small"}, "删除");
        remove.setAttribute("aria-label", "删除" + entry.label + "第 " + (i + 1) + " 项");
        remove.addEventListener("click", function () { items.splice(i, 1); draw(); changed(); });
        li.appendChild(remove);
        li.appendChild(messageSlot(path + "." + i));
        list.appendChild(li);
      });
    }
    draw();
    set.appendChild(list);
    var add = el("button", {type: "button", className: "small"}, "添加一项");
    add.addEventListener("click", function () { items.push(""); draw(); list.lastChild.querySelector("input").focus(); });
    set.appendChild(add);
    if (item.upload) {
      set.appendChild(uploadButton(item.upload, function (name) { items.push(name); draw(); changed(); }));
    }
    set.appendChild(messageSlot(path));
    return set;
  }

  function tableBlock(entry, rows, path) {
    var fields = entry.item.fields;
    var nested = fields.some(function (f) { return f.kind === "map" || f.kind === "list" || f.multiline; });
    var set = el("fieldset", {className: "group rows", "data-path": path});
    set.appendChild(el("legend", {}, entry.label + (entry.required ? "（必填）" : "")));
    var ledger = state.kind === "finance" && (entry.key === "income" || entry.key === "expenditure");
    if (nested) {  // records with lists inside (the shares of a distribution) are laid out one under another
      var stack = el("div");
      var drawStack = function () {
        stack.textContent = "";
        rows.forEach(function (row, i) {
          var inner = el("fieldset", {className: "group", "data-path": path + "." + i});
          inner.appendChild(el("legend", {}, "第 " + (i + 1) + " 项"));
          fields.forEach(function (f) { inner.appendChild(fieldBlock(f, row, path + "." + i + "." + f.key)); });
          var remove = el("button", {type: "button", className: "small"}, "删除这一项");
          remove.addEventListener("click", function () { rows.splice(i, 1); drawStack(); changed(); });
          inner.appendChild(remove);
          inner.appendChild(messageSlot(path + "." + i));
          stack.appendChild(inner);
        });
      };
      drawStack();
      set.appendChild(stack);
      var addOne = el("button", {type: "button", className: "small"}, "添加一项");
      addOne.addEventListener("click", function () { rows.push({}); drawStack(); changed(); });
      set.appendChild(addOne);
      set.appendChild(messageSlot(path));
      return set;
    }
    var table = el("table", {className: "rows-table"});
    var head = el("tr");
    head.appendChild(el("th", {scope: "col"}, "#"));
    fields.forEach(function (f) { head.appendChild(el("th", {scope: "col"}, f.label + (f.required ? " *" : ""))); });
    if (ledger) head.appendChild(el("th", {scope: "col"}, "累计"));
    head.appendChild(el("th", {scope: "col"}, "操作"));
    var thead = el("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    var body = el("tbody");
    table.appendChild(body);
    var foot = el("tfoot");
    if (ledger) {
      var total = el("tr");
      total.appendChild(el("th", {scope: "row", colspan: String(fields.length)}, "合计"));
      total.appendChild(el("td", {className: "total", "data-fact": path + ".total"}));
      total.appendChild(el("td", {colspan: "2", className: "capitals", "data-fact": path + ".capitals"}));
      foot.appendChild(total);
      table.appendChild(foot);
    }
    function draw() {
      body.textContent = "";
      rows.forEach(function (row, i) {
        var rowPath = path + "." + i;
        var tr = el("tr", {"data-path": rowPath});
        tr.appendChild(el("th", {scope: "row"}, String(i + 1)));
        fields.forEach(function (f) {
          var td = el("td", {className: "cell-" + f.kind});
          td.appendChild(scalarInput(f, row, f.key, rowPath + "." + f.key, entry.label + "第 " + (i + 1) + " 行 " + f.label));
          tr.appendChild(td);
        });
        if (ledger) tr.appendChild(el("td", {className: "running", "data-fact": rowPath + ".running"}));
        var td = el("td");
        var remove = el("button", {type: "button", className: "small"}, "删除");
        remove.setAttribute("aria-label", "删除" + entry.label + "第 " + (i + 1) + " 行");
        remove.addEventListener("click", function () { rows.splice(i, 1); draw(); changed(); });
        td.appendChild(remove);
        tr.appendChild(td);
        body.appendChild(tr);
        var note = el("tr", {className: "row-msg"});
        var cell = el("td", {colspan: String(fields.length + (ledger ? 3 : 2))});
        cell.appendChild(messageSlot(rowPath));
        note.appendChild(cell);
        body.appendChild(note);
      });
    }
    draw();
    var wrap = el("div", {className: "table-wrap"});
    wrap.appendChild(table);
    set.appendChild(wrap);
    var add = el("button", {type: "button", className: "small add-row"}, "添加一行");
    add.addEventListener("click", function () {
      rows.push({});
      draw();
      var inputs = body.querySelectorAll("tr[data-path='" + path + "." + (rows.length - 1) + "'] input, tr[data-path='" + path + "." + (rows.length - 1) + "'] select");
      if (inputs.length) inputs[0].focus();
    });
    set.appendChild(add);
    set.appendChild(messageSlot(path));
    return set;
  }

  // ------------------------------------------------------------ the file's name

  function fileStem(text) {
    return String(text || "").replace(/[^\w\u4e00-\u9fff]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
  }

  function suggestName() {
    var v = state.values, stem;
    if (state.kind === "finance") stem = fileStem(v.period);
    else if (state.kind === "household") stem = fileStem(v.name);
    else {
      var day = v.date || v.adopted || (v.proposal && v.proposal.date) || "";
      var title = fileStem(v.title);
      stem = state.kind === "compact" ? (day.slice(0, 4) || title) : [day, title].filter(Boolean).join("-");
    }
    filename.value = stem;
  }

  function currentName() {
    if (!state.isNew) return state.file;
    return filename.value.trim() || null;
  }

  // ------------------------------------------------------------ checking as the clerk types

  var timer = null, inFlight = false, again = false, lastPreview = null;

  function scheduleCheck() {
    clearTimeout(timer);
    timer = setTimeout(runCheck, 450);
  }

  function draft() {
    return {kind: state.kind, file: currentName(), "new": state.isNew, values: state.values, body: bodyInput.value,
            version: state.version};
  }

  function runCheck() {
    if (inFlight) { again = true; return; }
    var request = draft();
    if (!request.file) {
      showField({"@file": [{level: "error", code: "E-EDIT-NAME", message: "请填写文件名"}]});
      return;
    }
    inFlight = true;
    say("正在检查……", "busy");
    post("api/check", request).then(function (answer) {
      inFlight = false;
      if (again) { again = false; runCheck(); return; }
      show(answer);
    });
    if (state.desc.body_label && bodyInput.value !== lastPreview) {
      lastPreview = bodyInput.value;
      post("api/preview", {kind: state.kind, file: currentName(), body: bodyInput.value}).then(function (answer) {
        if (answer.html !== undefined) renderPreview(answer.html);
      });
    }
  }

  function renderPreview(html) {
    // The server made this HTML with the site's own Markdown renderer and sanitizer (nh3).
    var doc = new DOMParser().parseFromString("<div>" + html + "</div>", "text/html");
    var preview = document.getElementById("preview");
    preview.textContent = "";
    Array.prototype.forEach.call(doc.body.firstChild.childNodes, function (node) {
      preview.appendChild(document.importNode(node, true));
    });
  }

  function labelOf(path) {
    var parts = path.split("."), entries = state.desc.form, found = null;
    parts.forEach(function (part) {
      if (!entries) return;
      if (/^\d+$/.test(part)) return;
      found = entries.filter(function (e) { return e.key === part; })[0] || null;
      entries = found ? (found.fields || (found.item && found.item.fields)) : null;
    });
    return found ? found.label : null;
  }

  function showField(fields) {
    document.querySelectorAll(".msg").forEach(function (m) { if (m.id !== "reason-error") m.textContent = ""; });
    document.querySelectorAll("[aria-invalid]").forEach(function (n) { n.removeAttribute("aria-invalid"); });
    document.querySelectorAll(".has-error, .has-warning").forEach(function (n) { n.classList.remove("has-error", "has-warning"); });
    var leftovers = [];
    Object.keys(fields).forEach(function (path) {
      var slot = null, at = path;
      while (at) {
        slot = document.querySelector("[data-msg='" + at + "']");
        if (slot) break;
        at = at.indexOf(".") >= 0 ? at.slice(0, at.lastIndexOf(".")) : "";
      }
      fields[path].forEach(function (item) {
        var where = item.body_line ? "正文第 " + item.body_line + " 行：" : "";
        var label = at !== path ? labelOf(path) : null;
        var text = (label ? label + "：" : "") + where + item.message + " [" + item.code + "]";
        if (!slot) { leftovers.push({level: item.level, text: "第 " + item.line + " 行：" + text}); return; }
        slot.appendChild(el("p", {className: item.level}, text));
        var input = document.querySelector("input[data-path='" + path + "'], select[data-path='" + path + "'], textarea[data-path='" + path + "']");
        if (input && item.level === "error") input.setAttribute("aria-invalid", "true");
        var holder = document.querySelector("tr[data-path='" + at + "'], .field[data-path='" + at + "']");
        if (holder) holder.classList.add(item.level === "error" ? "has-error" : "has-warning");
      });
    });
    showProblems(document.getElementById("file-problems"), "这个文件的其他问题", leftovers);
  }

  function fact(path, text, kind) {
    var slot = document.querySelector("[data-fact='" + path + "']");
    if (!slot) return;
    slot.textContent = text || "";
    slot.className = slot.className.replace(/ ?(ok|bad)$/, "") + (kind ? " " + kind : "");
  }

  function showFacts(facts) {
    if (facts.kind === "ledger") {
      ["income", "expenditure"].forEach(function (side) {
        var f = facts[side];
        f.running.forEach(function (value, i) { fact(side + "." + i + ".running", value || "—"); });
        fact(side + ".total", f.total);
        fact(side + ".capitals", "大写：" + f.capitals);
      });
      var prev = facts.previous;
      var slot = document.querySelector("[data-fact='opening_balance']");
      if (slot) {
        slot.textContent = "";
        if (prev) {
          slot.appendChild(el("span", {}, "上期（" + prev.label + "）期末余额 " + prev.closing + " 元"
            + (prev.adjacent ? "，本期期初应与它相同。" : "；两期之间缺了公开表。")));
          if (prev.adjacent && state.values.opening_balance !== prev.closing_plain) {
            var use = el("button", {type: "button", className: "small"}, "用作本期期初余额");
            use.addEventListener("click", function () {
              state.values.opening_balance = prev.closing_plain;
              document.getElementById(idOf("opening_balance")).value = prev.closing_plain;
              changed();
            });
            slot.appendChild(use);
          }
        } else {
          slot.textContent = "没有更早的公开表：期初余额照账本填写。";
        }
      }
      if (facts.closing_needed) {
        fact("closing_balance", "按期初 + 收入 − 支出，期末余额应为 " + facts.closing_needed + " 元（大写："
          + facts.closing_needed_capitals + "）" + (facts.closing_ok === true ? "，与所填相符。" : facts.closing_ok === false ? "，与所填不符。" : ""),
          facts.closing_ok === false ? "bad" : facts.closing_ok === true ? "ok" : "");
      } else {
        fact("closing_balance", "填好期初余额和每一笔金额后，这里显示期末余额应为多少。");
      }
    }
    if (facts.kind === "decision") {
      var r = facts.resolution;
      fact("resolution", r ? (r.passed ? "按法定人数和表决规则：通过。" : "按法定人数和表决规则：未通过。") + r.reason : "",
           r ? (r.passed ? "ok" : "bad") : "");
    }
  }

  function show(answer) {
    if (answer.error) { say(answer.error.message + " [" + answer.error.code + "]", "error"); return; }
    state.lastCheck = answer;
    showField(answer.fields);
    showFacts(answer.facts || {});
    showProblems(document.getElementById("other-problems"), "别的文件的问题（要一起改好才能发布）",
      answer.others.map(function (o) { return {level: o.level, text: o.file + " 第 " + o.line + " 行：" + o.message + " [" + o.code + "]"}; }));
    document.getElementById("file-text").textContent = answer.text;
    var errors = answer.draft_errors;
    saveButton.disabled = errors > 0;
    saveButton.title = errors > 0 ? "还有错误，改正后才能保存" : "";
    if (answer.exists) say("已经有一个文件叫这个名字，请换一个文件名", "error");
    else if (errors) say("有 " + errors + " 个错误（已在上面标红），改正后才能保存", "error");
    else say(state.dirty ? "检查通过" + (answer.warnings ? "（有提醒，见上面黄色的字）" : "") + "，可以保存" : "检查通过", "ok");
  }

  // ------------------------------------------------------------ saving, publishing, withdrawing

  function save() {
    clearTimeout(timer);
    var request = draft();
    if (!request.file) { say("请填写文件名", "error"); filename.focus(); return Promise.resolve(false); }
    say("正在保存……", "busy");
    return post("api/save", request).then(function (answer) {
      if (answer.error) {
        say(answer.error.message + " [" + answer.error.code + "]", "error");
        runCheck();
        return false;
      }
      show(answer);
      state.dirty = false;
      state.version = answer.version;
      if (state.isNew) {
        state.isNew = false;
        state.file = answer.file;
        document.getElementById("name-row").hidden = true;
        history.replaceState(null, "", "edit?kind=" + encodeURIComponent(state.kind) + "&file=" + encodeURIComponent(answer.file));
      }
      withdrawButton.hidden = !!state.desc.fixed;
      say("已保存 " + answer.file + "。全部改完后按“检查并发布”。", "ok");
      return true;
    });
  }

  saveButton.addEventListener("click", function () { save(); });
  publishButton.addEventListener("click", function () {
    if (state.dirty || state.isNew) {
      save().then(function (ok) { if (ok) publishNow(); });
    } else {
      publishNow();
    }
  });
  withdrawButton.addEventListener("click", function () {
    askReason("撤下这份内容", "撤下后，原来的网址会显示“已于某日撤下”和你写的原因，原文不再公开。请写明撤下的原因。",
      function (reason) {
        say("正在撤下……", "busy");
        post("api/withdraw", {kind: state.kind, file: state.file, reason: reason}).then(function (answer) {
          if (answer.error) { say(answer.error.message.split("\n")[0] + " [" + answer.error.code + "]", "error");
            showProblems(document.getElementById("publish-problems"), "没有撤下：",
              answer.error.message.split("\n").slice(1).map(function (t) { return {text: t}; }));
            return; }
          editor.querySelectorAll("input, select, textarea, .actions button").forEach(function (n) { n.disabled = true; });
          say("已撤下：提交 " + answer.commit + "（" + answer.reason + "）" + (answer.pushed ? "，已推送" : ""), "ok");
        });
      });
  });

  // ------------------------------------------------------------ start

  fetch("api/form?kind=" + encodeURIComponent(state.kind) + (state.file ? "&file=" + encodeURIComponent(state.file) : ""),
        {credentials: "same-origin"})
    .then(function (r) { return r.json(); })
    .then(function (answer) {
      document.getElementById("loading").remove();
      if (answer.error) {
        say("", "");
        showProblems(document.getElementById("file-problems"), answer.error.message.split("\n")[0],
          answer.error.message.split("\n").slice(1).map(function (t) { return {text: t}; }));
        saveButton.disabled = true;
        return;
      }
      state.desc = answer;
      state.values = answer.values || {};
      state.isNew = answer.new;
      state.version = answer.version;
      state.file = answer.file;
      document.getElementById("form-title").textContent = (answer.new ? "新建" : "修改") + answer.title;
      answer.form.forEach(function (entry) { fieldsBox.appendChild(fieldBlock(entry, state.values, entry.key)); });
      if (answer.body_label) {
        document.getElementById("body-section").hidden = false;
        document.getElementById("body-label").textContent = answer.body_label;
        bodyInput.value = answer.body || "";
        bodyInput.addEventListener("input", changed);
        var picker = document.getElementById("picture-file");
        document.getElementById("insert-picture").addEventListener("click", function () { picker.click(); });
        picker.addEventListener("change", function () {
          if (!picker.files.length) return;
          upload(picker.files[0], function (name) {
            var at = bodyInput.selectionStart || bodyInput.value.length;
            var text = "\n![" + name.replace(/\.[^.]+$/, "") + "](" + name + ")\n";
            bodyInput.value = bodyInput.value.slice(0, at) + text + bodyInput.value.slice(at);
            changed();
          });
          picker.value = "";
        });
      }
      if (answer.new) {
        document.getElementById("name-row").hidden = false;
        suggestName();
        filename.addEventListener("input", function () { state.nameTouched = true; scheduleCheck(); });
      }
      withdrawButton.hidden = answer.new || answer.fixed;
      runCheck();
    });
})();
