// Live reload and the error overlay of `gongkai serve`; injected into pages by the server,
// never written into the output folder.
(function () {
  "use strict";
  var base = document.currentScript ? document.currentScript.getAttribute("data-base") || "/" : "/";
  var overlay = null;
  var T = window.gkLiveText || {};

  // The output file this page was served from, e.g. "agencies/pingtan/2021.html".
  function currentFile() {
    var p = decodeURIComponent(location.pathname);
    if (base !== "/" && p.indexOf(base) === 0) p = "/" + p.slice(base.length);
    if (p.charAt(p.length - 1) === "/") p += "index.html";
    return p.replace(/^\/+/, "");
  }

  function text(tag, cls, value) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    e.textContent = value;
    return e;
  }

  function hide() {
    if (overlay) overlay.remove();
    overlay = null;
    window.gkLiveErrors = 0;
  }

  function show(items) {
    hide();
    overlay = document.createElement("div");
    overlay.id = "gongkai-errors";
    overlay.setAttribute("role", "alert");
    overlay.style.cssText =
      "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,20,20,.93);" +
      "color:#f5f5f5;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;padding:24px";
    var head = text("h2", "", (T.title || "{n}").replace("{n}", items.length));
    head.style.cssText = "margin:0 0 12px;color:#ff8a80;font-size:18px";
    overlay.appendChild(head);
    items.forEach(function (d) {
      var box = document.createElement("section");
      box.style.cssText = "border-left:4px solid #ff5252;padding:8px 12px;margin:0 0 12px;background:#2b2b2b";
      var where = d.file + (d.line ? ":" + d.line + ":" + d.column : "");
      box.appendChild(text("div", "gk-where", (T.error || "error") + "[" + d.code + "]: " + where));
      if (d.label) box.appendChild(text("div", "gk-label", d.label));
      box.appendChild(text("div", "gk-message", d.message));
      if (d.expected) box.appendChild(text("div", "", T.expected + d.expected));
      if (d.found) box.appendChild(text("div", "", T.found + d.found));
      if (d.help) box.appendChild(text("div", "", T.help + d.help));
      overlay.appendChild(box);
    });
    overlay.appendChild(text("p", "", T.footer || ""));
    document.body.appendChild(overlay);
    window.gkLiveErrors = items.length;
  }

  var source = new EventSource("/__gongkai/events");
  source.addEventListener("reload", function (e) {
    var msg = JSON.parse(e.data);
    var here = currentFile();
    var affected = msg.all || msg.files.some(function (f) {
      return f === here || f.indexOf("static/") === 0;
    });
    if (affected) location.reload();
  });
  source.addEventListener("errors", function (e) {
    show(JSON.parse(e.data));
  });
  source.addEventListener("ok", hide);
  window.gkLive = source;
})();
