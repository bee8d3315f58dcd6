// Sortable comparison tables: adds a button to each column header of table.sortable.
// The table reads correctly without this script; it only reorders rows.
(function () {
  "use strict";
  // A cell sorts by the number it shows (12, 12*, -3.5, 55.56%); 不可比, 空白 and "—"
  // (classes na and empty) have none and go last. A data-sort attribute, where a template
  // gives one, wins.
  function key(cell) {
    if (!cell) return null;
    var s = cell.getAttribute("data-sort");
    if (s !== null) return s === "" ? null : parseFloat(s);
    if (cell.classList.contains("na") || cell.classList.contains("empty")) return null;
    var t = cell.textContent.trim();
    var n = /^[-+]?\d+(\.\d+)?(?=%?\*?$)/.exec(t);
    return n ? parseFloat(n[0]) : t;
  }
  function sortBy(table, col, dir) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[col]), y = key(b.cells[col]);
      if (x === null && y === null) return 0;
      if (x === null) return 1;           // blanks and "—" last either way
      if (y === null) return -1;
      var c = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y), "zh-CN");
      return dir === "ascending" ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      var b = document.createElement("button");
      b.type = "button";
      while (th.firstChild) b.appendChild(th.firstChild);
      th.appendChild(b);
      th.setAttribute("aria-sort", "none");
      b.addEventListener("click", function () {
        var dir = th.getAttribute("aria-sort") === "descending" ? "ascending" : "descending";
        Array.prototype.forEach.call(heads, function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", dir);
        sortBy(table, col, dir);
      });
    });
  });
})();
