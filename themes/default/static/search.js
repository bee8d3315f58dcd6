// Full-text search over the archive, entirely in the browser.
// The index (built by gongkai) is a sharded character-bigram inverted index in small .js
// files under search/: manifest.js, shards/<n>.js, docs/<n>.js. Only the shards holding a
// query's bigrams and the documents shown are loaded. Works on any static server and from disk.
(function () {
  "use strict";
  var root = document.documentElement.getAttribute("data-root") || "../";
  var base = root + "search/";
  var pending = {};
  var cache = { shards: {}, docs: {} };
  var manifest = null;

  // Loading: each file calls gk.manifest / gk.shard / gk.doc.
  function load(url, key) {
    if (pending[key]) return pending[key];
    pending[key] = new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = url;
      s.async = true;
      s.onerror = function () { reject(new Error("cannot load " + url)); };
      pending[key + ":resolve"] = resolve;
      document.head.appendChild(s);
    });
    return pending[key];
  }
  window.gk = {
    manifest: function (m) {
      // Expand the compact form: years as [year, count] runs, levels as one character each.
      var years = [], levels = [];
      m.year_runs.forEach(function (run) { for (var k = 0; k < run[1]; k++) years.push(run[0]); });
      for (var k = 0; k < m.levels.length; k++) levels.push(m.level_names[m.levels.charCodeAt(k) - 48]);
      m.years = years; m.levels = levels;
      manifest = m; var r = pending["manifest:resolve"]; if (r) r(m); },
    shard: function (n, data) { cache.shards[n] = data; var r = pending["shard" + n + ":resolve"]; if (r) r(data); },
    docs: function (n, list) {
      list.forEach(function (d, k) { cache.docs[n * manifest.chunk + k] = d; });
      var r = pending["docs" + n + ":resolve"]; if (r) r(list);
    }
  };

  // Same normalization as the index: full-width ASCII to half-width, ASCII lower-case.
  function norm(ch) {
    var c = ch.codePointAt(0);
    if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;
    else if (c === 0x3000) c = 32;
    if (c >= 65 && c <= 90) c += 32;
    return String.fromCodePoint(c);
  }
  // Unicode White_Space, as Rust's char::is_whitespace.
  function isSpace(ch) {
    var c = ch.codePointAt(0);
    return (c >= 9 && c <= 13) || c === 32 || c === 0x85 || c === 0xA0 || c === 0x1680 ||
      (c >= 0x2000 && c <= 0x200A) || c === 0x2028 || c === 0x2029 || c === 0x202F || c === 0x205F || c === 0x3000;
  }
  // Indexed characters of a text, with the offset of each in the original string.
  function chars(text) {
    var out = [], pos = [], i = 0;
    for (var ch of text) {
      var n = norm(ch);
      if (!isSpace(n)) { out.push(n); pos.push(i); }
      i += ch.length;
    }
    return { chars: out, pos: pos, end: i };
  }
  function fnv(a, b) {
    var h = 0x811C9DC5;
    h = Math.imul(h ^ a, 16777619) >>> 0;
    h = Math.imul(h ^ b, 16777619) >>> 0;
    return h;
  }
  function decode(s) {
    if (!s) return [];
    var out = [], prev = 0, parts = s.split(",");
    for (var i = 0; i < parts.length; i++) { prev += parseInt(parts[i], 36); out.push(prev); }
    return out;
  }
  function intersect(a, b) {
    var out = [], i = 0, j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { out.push(a[i]); i++; j++; } else if (a[i] < b[j]) i++; else j++;
    }
    return out;
  }
  function union(a, b) {
    var out = [], i = 0, j = 0;
    while (i < a.length || j < b.length) {
      if (j >= b.length || (i < a.length && a[i] < b[j])) out.push(a[i++]);
      else if (i >= a.length || b[j] < a[i]) out.push(b[j++]);
      else { out.push(a[i]); i++; j++; }
    }
    return out;
  }

  function terms(q) {
    return q.split(/\s+/).map(function (t) { return chars(t).chars; }).filter(function (t) { return t.length >= 2; });
  }

  // Candidate documents of one term: in the prose or in the metadata, and in the metadata only.
  function candidates(term) {
    var grams = [];
    for (var i = 0; i + 1 < term.length; i++) grams.push([term[i], term[i + 1]]);
    var shards = grams.map(function (g) { return fnv(g[0].codePointAt(0), g[1].codePointAt(0)) % manifest.shards; });
    return Promise.all(shards.map(function (n) {
      return cache.shards[n] ? Promise.resolve(cache.shards[n]) : load(base + "shards/" + n + ".js", "shard" + n);
    })).then(function () {
      var any = null, meta = null;
      grams.forEach(function (g, k) {
        var entry = cache.shards[shards[k]][g[0] + g[1]];
        var body = entry ? decode(entry[0]) : [], m = entry ? decode(entry[1]) : [];
        var both = union(body, m);
        any = any === null ? both : intersect(any, both);
        meta = meta === null ? m : intersect(meta, m);
      });
      return { any: any || [], meta: meta || [] };
    });
  }

  function doc(id) {
    if (cache.docs[id]) return Promise.resolve(cache.docs[id]);
    var n = Math.floor(id / manifest.chunk);
    return load(base + "docs/" + n + ".js", "docs" + n).then(function () { return cache.docs[id]; });
  }

  // Where a term occurs contiguously in a text (indexes into the original string), or null.
  function find(text, term) {
    var c = chars(text);
    outer: for (var i = 0; i + term.length <= c.chars.length; i++) {
      for (var k = 0; k < term.length; k++) if (c.chars[i + k] !== term[k]) continue outer;
      var last = i + term.length;
      return { start: c.pos[i], end: last < c.pos.length ? c.pos[last] : c.end };
    }
    return null;
  }
  function esc(s) {
    return s.replace(/[&<>"']/g, function (ch) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch]; });
  }
  function snippet(text, hits) {
    var first = hits[0];
    var from = Math.max(0, first.start - 40), to = Math.min(text.length, first.end + 60);
    var out = "", at = from;
    hits.filter(function (h) { return h.start >= from && h.end <= to; })
      .sort(function (a, b) { return a.start - b.start; })
      .forEach(function (h) {
        if (h.start < at) return;
        out += esc(text.slice(at, h.start)) + "<mark>" + esc(text.slice(h.start, h.end)) + "</mark>";
        at = h.end;
      });
    out += esc(text.slice(at, to));
    return (from > 0 ? "…" : "") + out + (to < text.length ? "…" : "");
  }
  // Whether every term occurs contiguously in the document (prose or metadata), and the
  // section with the most terms, for the snippet and the link.
  function match(d, ts) {
    var best = null;
    for (var s = 0; s < d.s.length; s++) {
      var sec = d.s[s], hits = [];
      for (var k = 0; k < ts.length; k++) { var h = find(sec[2], ts[k]); if (h) hits.push(h); }
      if (hits.length && (!best || hits.length > best.hits.length)) best = { sec: sec, hits: hits };
    }
    var ok = ts.every(function (t) {
      return find(d.m, t) || d.s.some(function (sec) { return find(sec[2], t); });
    });
    return { ok: ok, best: best };
  }

  var T = JSON.parse(document.getElementById("search-strings").textContent);
  var form = document.getElementById("search-form");
  var input = document.getElementById("q");
  var yearSel = document.getElementById("year");
  var levelSel = document.getElementById("level");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var state = null;

  function render(d, best, ts) {
    var li = document.createElement("li");
    var url = root + d.u + (best && best.sec[0] ? "#section-" + best.sec[0] : "");
    var title = esc(d.t);
    ts.forEach(function (t) {
      var h = find(d.t, t);
      if (h) title = esc(d.t.slice(0, h.start)) + "<mark>" + esc(d.t.slice(h.start, h.end)) + "</mark>" + esc(d.t.slice(h.end));
    });
    li.innerHTML = '<a class="result-title" href="' + esc(url) + '">' + title + "</a>" +
      '<div class="meta">' + esc(d.a) + " · " + esc(String(d.y)) + (best && best.sec[1] ? " · " + esc(best.sec[1]) : "") + "</div>" +
      (best ? '<p class="snippet">' + snippet(best.sec[2], best.hits) + "</p>" : "");
    list.appendChild(li);
  }

  // Shows the next page of verified results.
  function page() {
    var s = state, shown = 0, want = 10;
    more.hidden = true;
    function step() {
      if (s !== state) return;
      if (shown >= want || s.next >= s.order.length) {
        if (!s.found) status.textContent = T.none.replace("{q}", s.q);
        else status.textContent = T.count.replace("{n}", String(s.found)) + (s.next < s.order.length ? T.more_available : "");
        more.hidden = s.next >= s.order.length;
        return;
      }
      var batch = s.order.slice(s.next, s.next + 10);
      s.next += batch.length;
      Promise.all(batch.map(doc)).then(function (ds) {
        ds.forEach(function (d) {
          var m = match(d, s.terms);
          if (m.ok) { render(d, m.best, s.terms); shown++; s.found++; }
        });
        step();
      }, function (e) { status.textContent = T.error + " " + e.message; });
    }
    step();
  }

  function search(q, year, level) {
    list.innerHTML = "";
    more.hidden = true;
    var ts = terms(q);
    if (!ts.length) { status.textContent = q.trim() ? T.too_short : ""; state = null; return; }
    status.textContent = T.searching;
    var mine = state = { q: q, terms: ts, order: [], next: 0, found: 0 };
    (manifest ? Promise.resolve(manifest) : load(base + "manifest.js", "manifest")).then(function () {
      return Promise.all(ts.map(candidates));
    }).then(function (cs) {
      if (mine !== state) return;
      var any = cs[0].any, meta = cs[0].meta;
      for (var i = 1; i < cs.length; i++) { any = intersect(any, cs[i].any); meta = intersect(meta, cs[i].meta); }
      var inMeta = {}; meta.forEach(function (id) { inMeta[id] = true; });
      var ids = any.filter(function (id) {
        return (!year || String(manifest.years[id]) === year) && (!level || manifest.levels[id] === level);
      });
      // Matches in the title, agency or region first; then the newest years.
      ids.sort(function (a, b) {
        var ma = inMeta[a] ? 0 : 1, mb = inMeta[b] ? 0 : 1;
        return ma - mb || manifest.years[b] - manifest.years[a] || a - b;
      });
      mine.order = ids;
      page();
    }, function (e) { status.textContent = T.error + " " + e.message; });
  }

  function run(push) {
    var q = input.value, y = yearSel.value, l = levelSel.value;
    if (push && window.history && history.replaceState) {
      var params = new URLSearchParams();
      if (q) params.set("q", q);
      if (y) params.set("year", y);
      if (l) params.set("level", l);
      try { history.replaceState(null, "", "?" + params.toString()); } catch (e) { /* file:// */ }
    }
    search(q, y, l);
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); run(true); });
  yearSel.addEventListener("change", function () { run(true); });
  levelSel.addEventListener("change", function () { run(true); });
  more.addEventListener("click", page);
  var params = new URLSearchParams(location.search);
  if (params.get("q")) {
    input.value = params.get("q");
    yearSel.value = params.get("year") || "";
    levelSel.value = params.get("level") || "";
    run(false);
  }
  // For tests and scripts: every report matching a query (all candidates verified), as URLs.
  window.gkFind = function (q) {
    var ts = terms(q);
    if (!ts.length) return Promise.resolve([]);
    return (manifest ? Promise.resolve(manifest) : load(base + "manifest.js", "manifest")).then(function () {
      return Promise.all(ts.map(candidates));
    }).then(function (cs) {
      var any = cs[0].any;
      for (var i = 1; i < cs.length; i++) any = intersect(any, cs[i].any);
      return Promise.all(any.map(doc)).then(function (ds) {
        return ds.filter(function (d) { return match(d, ts).ok; }).map(function (d) { return d.u; });
      });
    });
  };
})();
