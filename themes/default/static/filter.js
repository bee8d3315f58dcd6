// Filters of the data-quality list: each select keeps the rows whose data-<key> matches.
// Without this script every row shows; it only hides rows.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("form.filters"), function (form) {
    var table = document.getElementById(form.getAttribute("data-filter"));
    if (!table) return;
    var selects = form.querySelectorAll("select[data-key]");
    var shown = form.querySelector("output[data-shown]");
    function apply() {
      var n = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var keep = Array.prototype.every.call(selects, function (s) {
          return s.value === "" || row.getAttribute("data-" + s.getAttribute("data-key")) === s.value;
        });
        row.hidden = !keep;
        if (keep) n += 1;
      });
      if (shown) shown.textContent = String(n);
    }
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
  });
})();
